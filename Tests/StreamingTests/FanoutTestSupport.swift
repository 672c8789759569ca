import Media
import RTP
import SDP
import Streaming
import WireKit

/// Shared set-up for the fan-out tests: a virtual clock, an H.264 + Opus source, viewers
/// negotiated like Chromium (video PT 108 with RTX 109) or like aiortc (PT 101, no RTX).
enum Fixture {
    static let videoSSRC: UInt32 = 0x1111_1111
    static let rtxSSRC: UInt32 = 0x2222_2222
    static let audioSSRC: UInt32 = 0x3333_3333
    static let viewerAudioSSRC: UInt32 = 777
    /// 2023-11-14T22:13:20Z at Instant.zero: whole seconds keep NTP fractions simple.
    static let unixTimeAtZero: Int64 = 1_700_000_000 * 1_000_000_000

    static func configuration(
        codecs: [MediaCodec] = [.h264, .opus], cacheCapacity: Int = 512,
        bitrate: BitrateBounds = BitrateBounds(minimum: 100_000, maximum: 2_000_000, initial: 1_000_000)
    ) -> MediaFanout<String>.Configuration {
        .init(
            codecs: codecs, videoSSRC: videoSSRC, videoRTXSSRC: rtxSSRC, audioSSRC: audioSSRC, cname: "camera",
            seed: 42, unixTimeAtZero: unixTimeAtZero, bitrate: bitrate, retransmissionCapacity: cacheCapacity)
    }

    static func media(videoPT: UInt8 = 108, rtxPT: UInt8? = 109, audioPT: UInt8 = 111, audioIn: Bool = true)
        -> NegotiatedMedia
    {
        NegotiatedMedia(sections: [
            .init(
                mid: "0", kind: .video, codec: .h264, payloadType: videoPT, rtxPayloadType: rtxPT, clockRate: 90_000,
                feedback: .init(nack: true, pli: true, fir: true, remb: true), sends: true, receives: false),
            .init(
                mid: "1", kind: .audio, codec: .opus, payloadType: audioPT, clockRate: 48_000, sends: true,
                receives: audioIn, remoteSSRC: audioIn ? viewerAudioSSRC : nil),
        ])
    }

    static func ms(_ value: Int64) -> Instant { Instant(nanoseconds: value * 1_000_000) }

    static let sps: [UInt8] = [0x67, 0x42, 0xE0, 0x1F, 0x8C, 0x8D, 0x40]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]

    static func idr(_ size: Int = 100, fill: UInt8 = 0xAB) -> [UInt8] { [0x65] + Array(repeating: fill, count: size) }
    static func slice(_ size: Int = 100, fill: UInt8 = 0xCD) -> [UInt8] { [0x41] + Array(repeating: fill, count: size) }

    static func keyframe(at ms: Int64, withParameterSets: Bool = true, size: Int = 100) -> MediaFrame {
        let units = withParameterSets ? [sps, pps, idr(size)] : [idr(size)]
        return MediaFrame(codec: .h264, data: AnnexB.join(units), timestamp: .milliseconds(ms), isKeyframe: true)
    }

    static func delta(at ms: Int64, size: Int = 100, fill: UInt8 = 0xCD) -> MediaFrame {
        MediaFrame(codec: .h264, data: AnnexB.join([slice(size, fill: fill)]), timestamp: .milliseconds(ms), isKeyframe: false)
    }

    static func opus(at ms: Int64, _ bytes: [UInt8] = [0xF8, 1, 2, 3]) -> MediaFrame {
        MediaFrame(codec: .opus, data: bytes, timestamp: .milliseconds(ms), isKeyframe: true)
    }

    /// A fan-out with the given viewers added and their transport up at t=0, outputs drained.
    static func ready(_ ids: [String], media: NegotiatedMedia = media(), configuration: MediaFanout<String>.Configuration = configuration())
        -> MediaFanout<String>
    {
        var fanout = MediaFanout<String>(configuration)
        for id in ids {
            fanout.addViewer(id, media: media, now: .zero)
            fanout.viewerTransportReady(id, now: .zero)
        }
        _ = fanout.takeOutputs()
        return fanout
    }
}

/// What came out, sorted by kind for assertions.
struct Drained {
    var rtp: [(viewer: String, bytes: [UInt8])] = []
    var rtcp: [(viewer: String, bytes: [UInt8])] = []
    var keyframeRequests = 0
    var bitrates: [Int] = []
    var audio: [(viewer: String, codec: MediaCodec, bytes: [UInt8])] = []

    init(_ fanout: inout MediaFanout<String>) {
        while let output = fanout.pollOutput() {
            switch output {
            case .rtp(let v, let b): rtp.append((v, b))
            case .rtcp(let v, let b): rtcp.append((v, b))
            case .requestKeyframe: keyframeRequests += 1
            case .setVideoBitrate(let b): bitrates.append(b)
            case .receivedAudio(let v, let c, let b): audio.append((v, c, b))
            }
        }
    }

    func rtp(for viewer: String) -> [RTPPacket] {
        rtp.filter { $0.viewer == viewer }.compactMap { try? RTPPacket(parsing: $0.bytes) }
    }
}

extension RTCPPacket {
    static func compound(_ packets: [RTCPPacket]) -> [UInt8] {
        (try? RTCPCompound.serialize(packets)) ?? []
    }
}
