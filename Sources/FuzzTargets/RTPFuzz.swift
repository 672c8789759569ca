import RTP
import WireKit

/// Fuzz entry point for the RTP packet parser (RFC 3550 §5.1) and RFC 8285 header extensions.
///
/// Invariants on a parsed packet: it serializes to exactly as many bytes as the input, equal to
/// the input except for the content of padding bytes (written as zeros); those bytes parse to an
/// equal packet; extension elements that decode re-encode to the same element list.
public enum RTPFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let packet: RTPPacket
        do {
            packet = try RTPPacket(parsing: data)
        } catch {
            return .rejected
        }
        let bytes: [UInt8]
        do {
            bytes = try packet.serialized()
        } catch {
            return .invariantViolated("parsed packet failed to serialize: \(error)")
        }
        guard bytes.count == data.count else {
            return .invariantViolated("serialized \(bytes.count) bytes from \(data.count)")
        }
        let padding = Int(packet.paddingLength)
        guard bytes[..<(bytes.count - padding)] == data[..<(data.count - padding)] else {
            return .invariantViolated("serialized bytes differ from the input")
        }
        if padding > 0 && bytes.last != data.last {
            return .invariantViolated("padding count byte changed")
        }
        do {
            let again = try RTPPacket(parsing: bytes)
            guard again == packet else { return .invariantViolated("reparsed packet differs") }
        } catch {
            return .invariantViolated("serialized packet does not parse: \(error)")
        }
        if let ext = packet.header.headerExtension {
            return checkExtension(ext)
        }
        return .accepted
    }

    private static func checkExtension(_ ext: RTPHeaderExtension) -> FuzzOutcome {
        guard let elements = try? ext.elements() else { return .accepted }
        let rebuilt: RTPHeaderExtension
        do {
            switch ext.form {
            case .oneByte: rebuilt = try RTPHeaderExtension(oneByte: elements)
            case .twoByte(let appBits): rebuilt = try RTPHeaderExtension(twoByte: elements, appBits: appBits)
            case .other: return .invariantViolated("elements decoded from an opaque profile")
            }
        } catch {
            return .invariantViolated("decoded elements do not re-encode: \(error)")
        }
        guard rebuilt.form == ext.form, (try? rebuilt.elements()) == elements else {
            return .invariantViolated("re-encoded extension elements differ")
        }
        return .accepted
    }

    /// Valid packets to start mutating from: CSRCs, both extension forms, padding.
    public static func seedInputs() -> [[UInt8]] {
        let base: [UInt8] = [0x80, 0x60, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0]
        return [
            base + [1, 2, 3, 4],
            [0x82, 0xEF, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0xCA],
            [0x90, 0x60, 0, 7, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0xBE, 0xDE, 0x00, 0x03,
             0x10, 0xAA, 0x00, 0x22, 0x01, 0x02, 0x03, 0x00, 0x35, 1, 2, 3, 4, 5, 6, 0, 0x99],
            [0x90, 0x60, 0, 7, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0x10, 0x02, 0x00, 0x02,
             0x01, 0x00, 0x00, 0xFF, 0x02, 0xBB, 0xCC, 0x00, 0x42],
            [0xB1, 0x08, 0, 1, 0, 0, 0, 0xA0, 0, 0, 0, 5, 0, 0, 0, 9, 0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAB, 0x00, 0x00,
             0x01, 0x02, 0x00, 0x00, 0x03],
        ]
    }
}
