#if KVS_GSTREAMER
import TestSupport
import Foundation
import Media
import RTP
import Testing

/// Our packetizers checked against an independent implementation: GStreamer encodes a stream, our
/// code packetizes it into RTP, the packets go into a pcap, and GStreamer's own depayloader and
/// decoder must decode exactly as many frames as were encoded.
@Suite(.serialized) struct PacketizerConformanceTests {
    /// Encodes with `encoder` (ending in `appsink name=sink`), packetizes every sample with
    /// `packetize`, writes the pcap and decodes it with `decoder` (which must end in
    /// `filesink location=OUT`). Returns (frames encoded, bytes decoded, packets written).
    func roundTrip(
        encoder: String, clockRate: UInt64, decoder: String,
        packetize: (_ sample: [UInt8], _ rtpTimestamp: UInt32) throws -> [[UInt8]]
    ) throws -> (encoded: Int, decodedBytes: Int, packets: Int) {
        let pipeline = try AppSinkPipeline(description: encoder, sinkName: "sink")
        var pcap = PcapWriter()
        var encoded = 0
        var maxPacket = 0
        var firstPTS: UInt64? = nil
        while let sample = try pipeline.pull(timeoutNanoseconds: 60_000_000_000) {
            // Encoders offset their timestamps (GstVideoEncoder adds 1000 hours); count from the first.
            let absolute = sample.presentationTime ?? UInt64(encoded) * 33_333_333
            let pts = absolute &- (firstPTS ?? absolute)
            if firstPTS == nil { firstPTS = absolute }
            let rtpTimestamp = UInt32(truncatingIfNeeded: pts * clockRate / 1_000_000_000)
            for packet in try packetize(sample.data, rtpTimestamp) {
                maxPacket = max(maxPacket, packet.count)
                pcap.append(udpPayload: packet, timeNanoseconds: 1_000_000_000 + pts)
            }
            encoded += 1
        }
        let dir = try GStreamerOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("stream.pcap")
        let output = dir.appendingPathComponent("decoded.raw")
        try pcap.write(to: input.path)
        let description = "filesrc location=\(input.path) ! pcapparse ! "
            + decoder.replacingOccurrences(of: "OUT", with: output.path)
        let decodedBytes = try GStreamerOracle.decode(pipeline: description, output: output)
        return (encoded, decodedBytes, pcap.packetCount)
    }

    static let h264Budgets = [1200, 300]

    @Test(arguments: h264Budgets)
    func h264DecodesEveryFrame(budget: Int) throws {
        let (w, h, frames) = (640, 480, 45)
        var packetizer = H264Packetizer(ssrc: 0x1111_0001, payloadType: 96, initialSequenceNumber: 65_500, payloadBudget: budget)
        let result = try roundTrip(
            encoder: "videotestsrc num-buffers=\(frames) pattern=ball ! video/x-raw,width=\(w),height=\(h),framerate=30/1 "
                + "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bitrate=3000 "
                + "! video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline ! appsink name=sink",
            clockRate: 90_000,
            decoder: "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96 ! rtph264depay "
                + "! avdec_h264 max-threads=1 ! videoconvert ! video/x-raw,format=I420 ! filesink location=OUT"
        ) { sample, ts in packetizer.packets(accessUnit: sample, rtpTimestamp: ts) }
        #expect(result.encoded == frames)
        #expect(result.packets > frames, "access units should span several packets")
        #expect(result.decodedBytes == frames * w * h * 3 / 2, "GStreamer decoded \(result.decodedBytes / (w * h * 3 / 2)) of \(frames) frames")
    }

    @Test func h265DecodesEveryFrame() throws {
        let (w, h, frames) = (640, 480, 30)
        var packetizer = H265Packetizer(ssrc: 0x2222_0002, payloadType: 98, initialSequenceNumber: 65_530)
        let result = try roundTrip(
            encoder: "videotestsrc num-buffers=\(frames) pattern=ball ! video/x-raw,width=\(w),height=\(h),framerate=30/1 "
                + "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10 bitrate=3000 "
                + "! video/x-h265,stream-format=byte-stream,alignment=au ! appsink name=sink",
            clockRate: 90_000,
            decoder: "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265,payload=98 ! rtph265depay "
                + "! avdec_h265 max-threads=1 ! videoconvert ! video/x-raw,format=I420 ! filesink location=OUT"
        ) { sample, ts in packetizer.packets(accessUnit: sample, rtpTimestamp: ts) }
        #expect(result.encoded == frames)
        #expect(result.packets > frames)
        #expect(result.decodedBytes == frames * w * h * 3 / 2, "GStreamer decoded \(result.decodedBytes / (w * h * 3 / 2)) of \(frames) frames")
    }

    @Test func vp8DecodesEveryFrame() throws {
        let (w, h, frames) = (320, 240, 30)
        var packetizer = VP8Packetizer(ssrc: 0x3333_0003, payloadType: 97, payloadBudget: 400)
        let result = try roundTrip(
            encoder: "videotestsrc num-buffers=\(frames) pattern=ball ! video/x-raw,width=\(w),height=\(h),framerate=30/1 "
                + "! vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=1000000 ! appsink name=sink",
            clockRate: 90_000,
            decoder: "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=97 ! rtpvp8depay "
                + "! vp8dec ! videoconvert ! video/x-raw,format=I420 ! filesink location=OUT"
        ) { sample, ts in packetizer.packets(frame: sample, rtpTimestamp: ts) }
        #expect(result.encoded == frames)
        #expect(result.packets > frames, "keyframes should be fragmented at a 400-byte budget")
        #expect(result.decodedBytes == frames * w * h * 3 / 2, "GStreamer decoded \(result.decodedBytes / (w * h * 3 / 2)) of \(frames) frames")
    }

    @Test func opusDecodesEveryFrame() throws {
        let frames = 50
        var packetizer = OpusPacketizer(ssrc: 0x4444_0004, payloadType: 111)
        let result = try roundTrip(
            encoder: "audiotestsrc num-buffers=\(frames) samplesperbuffer=960 wave=sine "
                + "! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! appsink name=sink",
            clockRate: 48_000,
            decoder: "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111 ! rtpopusdepay "
                + "! opusdec ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location=OUT"
        ) { sample, ts in try packetizer.packets(frame: sample, rtpTimestamp: ts) }
        // opusenc flushes its look-ahead as one more packet at end of stream.
        #expect((frames...frames + 1).contains(result.encoded))
        #expect(result.packets == result.encoded, "one Opus packet per RTP packet")
        #expect(
            result.decodedBytes == result.encoded * 960 * 2,
            "GStreamer decoded \(result.decodedBytes / 1920) of \(result.encoded) 20 ms frames")
    }

    @Test func pcmuDecodesEverySample() throws {
        let frames = 50
        var packetizer = G711Packetizer(law: .pcmu, ssrc: 0x5555_0005)
        let result = try roundTrip(
            encoder: "audiotestsrc num-buffers=\(frames) samplesperbuffer=160 wave=sine "
                + "! audio/x-raw,rate=8000,channels=1 ! mulawenc ! appsink name=sink",
            clockRate: 8_000,
            decoder: "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0 ! rtppcmudepay "
                + "! mulawdec ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! filesink location=OUT"
        ) { sample, ts in packetizer.packets(frame: sample, rtpTimestamp: ts) }
        #expect(result.encoded == frames)
        #expect(result.decodedBytes == frames * 160 * 2, "GStreamer decoded \(result.decodedBytes / 2) of \(frames * 160) samples")
    }
}
#endif
