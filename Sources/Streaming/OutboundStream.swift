import Media
import RTP
import WireKit

/// One RTP stream we send (RFC 3550 §5.1): the source's codec, packetized once for every
/// viewer under a shared SSRC, with a random initial sequence number and timestamp
/// (RFC 3550 §5.1) and the shared ``RetransmissionCache``.
struct OutboundStream: Sendable {
    let codec: MediaCodec
    let ssrc: UInt32
    let timestampOffset: UInt32
    // One of these is set, by codec; optionals mutate in place without copying the buffer.
    var h264: H264Packetizer?
    var h265: H265Packetizer?
    var vp8: VP8Packetizer?
    var opus: OpusPacketizer?
    var g711: G711Packetizer?
    var parameterSets = ParameterSetCache()
    var cache: RetransmissionCache
    /// The RTP timestamp of the last frame and when it was pushed: the NTP/RTP mapping of
    /// sender reports extrapolates from it (RFC 3550 §6.4.1).
    var lastRTPTimestamp: UInt32?
    var lastFrameAt = Instant.zero
    var framesDropped = 0

    init(codec: MediaCodec, ssrc: UInt32, rng: inout SplitMix64, payloadBudget: Int, cache: RetransmissionCache) {
        self.codec = codec
        self.ssrc = ssrc
        self.timestampOffset = UInt32(truncatingIfNeeded: rng.next())
        self.cache = cache
        let seq = UInt16(truncatingIfNeeded: rng.next() & 0x7FFF)
        switch codec {
        case .h264: h264 = H264Packetizer(ssrc: ssrc, initialSequenceNumber: seq, payloadBudget: payloadBudget)
        case .h265: h265 = H265Packetizer(ssrc: ssrc, initialSequenceNumber: seq, payloadBudget: payloadBudget)
        case .vp8: vp8 = VP8Packetizer(ssrc: ssrc, initialSequenceNumber: seq, payloadBudget: payloadBudget, pictureID: seq)
        case .opus: opus = OpusPacketizer(ssrc: ssrc, initialSequenceNumber: seq, payloadBudget: payloadBudget)
        case .pcmu, .pcma:
            g711 = G711Packetizer(
                law: codec == .pcmu ? .pcmu : .pcma, ssrc: ssrc, initialSequenceNumber: seq,
                payloadBudget: payloadBudget)
        }
    }

    /// Sequence number of the next packet.
    var sequenceNumber: UInt16 {
        h264?.sequenceNumber ?? h265?.sequenceNumber ?? vp8?.sequenceNumber ?? opus?.sequenceNumber
            ?? g711?.sequenceNumber ?? 0
    }

    /// The frame's RTP timestamp: its presentation time at the codec clock rate, offset.
    func rtpTimestamp(for time: Duration) -> UInt32 {
        UInt32(truncatingIfNeeded: Self.ticks(time, rate: codec.clockRate)) &+ timestampOffset
    }

    /// `time` in units of `rate` Hz, wrapping (only the low 32 bits matter).
    static func ticks(_ time: Duration, rate: UInt32) -> Int64 {
        let (seconds, attoseconds) = time.components
        let nanos = attoseconds / 1_000_000_000
        return seconds &* Int64(rate) &+ nanos * Int64(rate) / 1_000_000_000
    }

    /// Packetizes one frame into `packets` (complete plaintext RTP packets, one array each);
    /// returns the RTP timestamp used, or nil when the frame could not be sent.
    mutating func packetize(_ frame: MediaFrame, now: Instant, into packets: inout [[UInt8]]) -> UInt32? {
        let timestamp = rtpTimestamp(for: frame.timestamp)
        var data = frame.data
        if codec == .h264 || codec == .h265 {
            data = parameterSets.prepared(frame.data, codec: codec, isKeyframe: frame.isKeyframe)
        }
        let before = packets.count
        let keep: (inout [UInt8]) -> Void = { packets.append($0) }
        switch codec {
        case .h264: h264?.packetize(accessUnit: data, rtpTimestamp: timestamp, emit: keep)
        case .h265: h265?.packetize(accessUnit: data, rtpTimestamp: timestamp, emit: keep)
        case .vp8: vp8?.packetize(frame: data, rtpTimestamp: timestamp, emit: keep)
        case .pcmu, .pcma: g711?.packetize(frame: data, rtpTimestamp: timestamp, emit: keep)
        case .opus:
            do throws(RTPError) {
                try opus?.packetize(frame: data, rtpTimestamp: timestamp, emit: keep)
            } catch {
                framesDropped += 1
                return nil
            }
        }
        guard packets.count > before else { return nil }
        lastRTPTimestamp = timestamp
        lastFrameAt = now
        for packet in packets[before...] {
            cache.insert(sequenceNumber: packet.readU16(at: 2), packet: packet, now: now)
        }
        return timestamp
    }

    /// The RTP timestamp matching `now`, extrapolated from the last frame (RFC 3550 §6.4.1).
    func rtpTimestamp(at now: Instant) -> UInt32? {
        guard let last = lastRTPTimestamp else { return nil }
        return last &+ UInt32(truncatingIfNeeded: Self.ticks(now - lastFrameAt, rate: codec.clockRate))
    }
}

/// The latest H.264 SPS/PPS (RFC 6184 §8.4) or H.265 VPS/SPS/PPS (RFC 7798 §7.1) seen in the
/// stream, put back in front of any keyframe that comes without them so a viewer that joins
/// there can decode it.
struct ParameterSetCache: Sendable {
    /// Keyed by NAL unit type; at most three entries.
    private(set) var units: [(type: UInt8, bytes: [UInt8])] = []
    private(set) var injections = 0

    static func isParameterSet(_ type: UInt8, codec: MediaCodec) -> Bool {
        codec == .h264 ? (type == 7 || type == 8) : (32...34).contains(type)
    }

    static func nalType(_ first: UInt8, codec: MediaCodec) -> UInt8 {
        codec == .h264 ? first & 0x1F : (first >> 1) & 0x3F
    }

    /// `accessUnit` with the cached parameter sets it lacks in front when it is a keyframe;
    /// the ones it carries replace the cached ones.
    mutating func prepared(_ accessUnit: [UInt8], codec: MediaCodec, isKeyframe: Bool) -> [UInt8] {
        var present: UInt64 = 0
        AnnexB.forEachNALUnit(in: accessUnit) { range in
            let type = Self.nalType(accessUnit[range.lowerBound], codec: codec)
            guard Self.isParameterSet(type, codec: codec) else { return }
            present |= 1 << UInt64(type)
            let unit = accessUnit[range]
            if let i = units.firstIndex(where: { $0.type == type }) {
                if !units[i].bytes.elementsEqual(unit) { units[i].bytes = Array(unit) }
            } else {
                units.append((type, Array(unit)))
            }
        }
        guard isKeyframe else { return accessUnit }
        let missing = units.filter { present & (1 << UInt64($0.type)) == 0 }.sorted { $0.type < $1.type }
        guard !missing.isEmpty else { return accessUnit }
        injections += 1
        var out: [UInt8] = []
        out.reserveCapacity(accessUnit.count + missing.reduce(0) { $0 + $1.bytes.count + 4 })
        for unit in missing {
            out.append(contentsOf: [0, 0, 0, 1])
            out.append(contentsOf: unit.bytes)
        }
        out.append(contentsOf: accessUnit)
        return out
    }
}
