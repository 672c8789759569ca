import RTP
import WireKit

/// Fuzz entry point for the H.264 (RFC 6184), H.265 (RFC 7798) and VP8 (RFC 7741)
/// depacketizers: a packet sequence is fed to all three, which must never trap.
///
/// Input format, repeated to the end: flags (bit 0 marker, bit 1 next timestamp), 16-bit
/// sequence number, 16-bit payload length, payload. Invariants: every emitted access unit is
/// non-empty and begins with a 4-byte start code, no frame is larger than the payload bytes
/// could produce, and the emitted-frame counters match what was returned.
public enum DepacketizerFuzz {
    struct Packet {
        var payload: ArraySlice<UInt8>
        var sequenceNumber: UInt16
        var timestamp: UInt32
        var marker: Bool
    }

    static func decode(_ data: [UInt8]) -> [Packet] {
        var reader = ByteReader(data)
        var packets: [Packet] = []
        var timestamp: UInt32 = 0
        while let flags = try? reader.readU8(), let seq = try? reader.readU16(), let length = try? reader.readU16() {
            let payload = (try? reader.readBytes(Int(length))) ?? reader.readRest()
            if flags & 2 != 0 { timestamp &+= 3000 }
            packets.append(Packet(payload: payload, sequenceNumber: seq, timestamp: timestamp, marker: flags & 1 != 0))
        }
        return packets
    }

    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let packets = decode(data)
        guard !packets.isEmpty else { return .rejected }
        let payloadBytes = packets.reduce(0) { $0 + $1.payload.count }
        var h264 = H264Depacketizer()
        var h265 = H265Depacketizer()
        var vp8 = VP8Depacketizer()
        var emitted = (h264: 0, h265: 0, vp8: 0)
        for p in packets {
            let frames = [
                h264.push(payload: p.payload, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker),
                h265.push(payload: p.payload, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker),
            ]
            for frame in frames.compactMap({ $0 }) {
                guard frame.data.count >= 5, frame.data.prefix(4) == [0, 0, 0, 1] else {
                    return .invariantViolated("access unit without a leading start code")
                }
                // Each unit adds at most a start code and a rebuilt header to its payload bytes.
                guard frame.data.count <= 4 * payloadBytes + 8 else {
                    return .invariantViolated("access unit larger than its payloads allow")
                }
            }
            if frames[0] != nil { emitted.h264 += 1 }
            if frames[1] != nil { emitted.h265 += 1 }
            if let frame = vp8.push(payload: p.payload, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker) {
                guard !frame.data.isEmpty, frame.data.count <= payloadBytes else {
                    return .invariantViolated("VP8 frame empty or larger than its payloads")
                }
                emitted.vp8 += 1
            }
        }
        guard h264.statistics.framesEmitted == emitted.h264, h265.statistics.framesEmitted == emitted.h265,
            vp8.statistics.framesEmitted == emitted.vp8
        else { return .invariantViolated("emitted-frame counters disagree") }
        return emitted.h264 + emitted.h265 + emitted.vp8 > 0 ? .accepted : .rejected
    }

    /// Encodes packets (as produced by a packetizer) in this target's input format.
    public static func encode(_ rtpPackets: [[UInt8]]) -> [UInt8] {
        var out = ByteWriter()
        var lastTimestamp: UInt32?
        for raw in rtpPackets {
            guard let packet = try? RTPPacket(parsing: raw) else { continue }
            let newTimestamp = lastTimestamp.map { $0 != packet.header.timestamp } ?? false
            lastTimestamp = packet.header.timestamp
            out.writeU8((packet.header.marker ? 1 : 0) | (newTimestamp ? 2 : 0))
            out.writeU16(packet.header.sequenceNumber)
            out.writeU16(UInt16(truncatingIfNeeded: packet.payload.count))
            out.writeBytes(packet.payload)
        }
        return out.bytes
    }

    /// Packet sequences from the packetizers: STAP-A/FU-A, AP/FU and VP8 fragments, two access
    /// units each, with a small budget so fragments are plentiful.
    public static func seedInputs() -> [[UInt8]] {
        var rng = SplitMix64(seed: 0xDE9AC)
        func body(_ count: Int) -> [UInt8] { rng.bytes(count).map { $0 | 0x04 } }
        var h264 = H264Packetizer(ssrc: 1, payloadBudget: 60)
        var h265 = H265Packetizer(ssrc: 1, payloadBudget: 60)
        var vp8 = VP8Packetizer(ssrc: 1, payloadBudget: 60, pictureID: 5)
        var seeds: [[UInt8]] = []
        let h264AU1: [[UInt8]] = [[0x09, 0xF0], [0x67] + body(12), [0x68] + body(4), [0x65] + body(200)]
        let h264AU2: [[UInt8]] = [[0x41] + body(30), [0x41] + body(90)]
        seeds.append(
            encode(h264.packets(nalUnits: h264AU1, rtpTimestamp: 0) + h264.packets(nalUnits: h264AU2, rtpTimestamp: 3000)))
        let h265AU1: [[UInt8]] = [[0x40, 0x01] + body(10), [0x42, 0x01] + body(20), [0x44, 0x01] + body(5), [0x26, 0x01] + body(200)]
        let h265AU2: [[UInt8]] = [[0x02, 0x01] + body(40), [0x02, 0x01] + body(100)]
        seeds.append(
            encode(h265.packets(nalUnits: h265AU1, rtpTimestamp: 0) + h265.packets(nalUnits: h265AU2, rtpTimestamp: 3000)))
        seeds.append(encode(vp8.packets(frame: body(150), rtpTimestamp: 0) + vp8.packets(frame: body(40), rtpTimestamp: 3000)))
        return seeds
    }
}
