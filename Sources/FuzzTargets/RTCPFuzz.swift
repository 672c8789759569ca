import RTP
import WireKit

/// Fuzz entry point for RTCP compound packets (RFC 3550 §6.1, RFC 5506): parse a datagram;
/// when it parses, write the packets back and check that they parse to the same values and
/// that writing those again is stable. The lenient parser must agree with the strict one.
public enum RTCPFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let lenient = RTCPCompound.parseLeniently(data)
        let packets: [RTCPPacket]
        do {
            packets = try RTCPCompound.parse(data)
        } catch {
            guard lenient.error == error else {
                let lenientError = String(describing: lenient.error)
                return .invariantViolated("lenient parse reported \(lenientError), strict \(error)")
            }
            return .rejected
        }
        guard lenient.error == nil, lenient.packets == packets else {
            return .invariantViolated("lenient parse differs from strict parse")
        }
        let bytes: [UInt8]
        do {
            bytes = try RTCPCompound.serialize(packets)
        } catch {
            return .invariantViolated("parsed packets failed to serialize: \(error)")
        }
        guard bytes.count % 4 == 0 else {
            return .invariantViolated("serialized length \(bytes.count) not 32-bit aligned")
        }
        do {
            let reparsed = try RTCPCompound.parse(bytes)
            guard reparsed == packets else { return .invariantViolated("round trip changed the packets") }
            guard try RTCPCompound.serialize(reparsed) == bytes else {
                return .invariantViolated("second serialization differs")
            }
        } catch {
            return .invariantViolated("serialized packets failed to parse again: \(error)")
        }
        return .accepted
    }
}
