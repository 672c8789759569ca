import RTP
import Testing
import WireKit

/// Shared helpers for the packetizer tests: seeded NAL unit generation and the checks every
/// video packetizer must pass.
enum PacketizerTestSupport {
    /// A NAL unit of `length` bytes starting with `header`, with random body bytes run through
    /// emulation prevention so it never contains a start code, and ending in a non-zero byte.
    static func nalUnit(header: [UInt8], length: Int, rng: inout SplitMix64) -> [UInt8] {
        var out = header
        out.reserveCapacity(length)
        var zeros = 0
        while out.count < length {
            var byte = UInt8.random(in: 0...255, using: &rng)
            // Bias towards zeros so emulation prevention is exercised.
            if Int.random(in: 0..<8, using: &rng) == 0 { byte = 0 }
            if zeros >= 2 && byte <= 3 {
                out.append(3)
                zeros = 0
                continue
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        if out.count > header.count && out[out.count - 1] == 0 { out[out.count - 1] = 0x80 }
        return out
    }

    /// Parses packets and checks what every packetizer guarantees for one frame: payloads
    /// within budget, marker only on the last packet, contiguous sequence numbers from `firstSequence`,
    /// one timestamp, the stream's SSRC and payload type.
    static func checkFrame(
        _ raw: [[UInt8]], budget: Int, firstSequence: UInt16, timestamp: UInt32, ssrc: UInt32,
        payloadType: UInt8, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [RTPPacket] {
        var packets: [RTPPacket] = []
        for (index, bytes) in raw.enumerated() {
            let packet = try RTPPacket(parsing: bytes)
            #expect(packet.payload.count <= budget, sourceLocation: sourceLocation)
            #expect(packet.payload.count > 0, sourceLocation: sourceLocation)
            #expect(packet.header.marker == (index == raw.count - 1), sourceLocation: sourceLocation)
            #expect(
                packet.header.sequenceNumber == firstSequence &+ UInt16(truncatingIfNeeded: index),
                sourceLocation: sourceLocation)
            #expect(packet.header.timestamp == timestamp, sourceLocation: sourceLocation)
            #expect(packet.header.ssrc == ssrc, sourceLocation: sourceLocation)
            #expect(packet.header.payloadType == payloadType, sourceLocation: sourceLocation)
            packets.append(packet)
        }
        return packets
    }

    /// NAL units of an Annex-B stream as arrays.
    static func split(_ stream: [UInt8]) -> [[UInt8]] {
        AnnexB.nalUnits(in: stream).map { Array($0) }
    }
}
