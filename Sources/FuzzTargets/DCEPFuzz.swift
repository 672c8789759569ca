import DataChannel

/// Data Channel Establishment Protocol messages (RFC 8832 §5): whatever parses must serialize to
/// bytes that parse to the same message.
public enum DCEPFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        guard let message = try? DCEPMessage.parse(data) else { return .rejected }
        guard let bytes = try? message.serialized() else { return .invariantViolated("parsed message does not serialize") }
        guard let again = try? DCEPMessage.parse(bytes), again == message else {
            return .invariantViolated("DCEP round trip differs")
        }
        return .accepted
    }

    static let seeds: [[UInt8]] = [
        // DATA_CHANNEL_OPEN, reliable ordered, priority 256, label "kvsDataChannel", no protocol.
        [0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x00, 0x00] + Array("kvsDataChannel".utf8),
        // Partially reliable (max 3 retransmits), unordered, label "a", protocol "p".
        [0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x01, 0x61, 0x70],
        // DATA_CHANNEL_ACK.
        [0x02],
    ]
}
