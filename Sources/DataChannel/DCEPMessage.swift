import WireKit

/// Why bytes are not a valid DCEP message (RFC 8832 §5).
public enum DCEPError: Error, Sendable, Equatable {
    case empty
    case unknownMessageType(UInt8)
    case unknownChannelType(UInt8)
    /// The message ends before a fixed field or before the label/protocol its lengths announce.
    case truncated(needed: Int, available: Int)
    /// Bytes follow the last field.
    case trailingBytes(Int)
    case invalidUTF8
    /// A label or protocol longer than the 16-bit length field can carry (when building).
    case fieldTooLong(Int)
}

/// A Data Channel Establishment Protocol message (RFC 8832 §5), sent with PPID 50 on the
/// stream of the channel it opens.
public enum DCEPMessage: Sendable, Hashable {
    /// DATA_CHANNEL_OPEN (RFC 8832 §5.1).
    case open(DataChannelParameters)
    /// DATA_CHANNEL_ACK (RFC 8832 §5.2).
    case ack

    static let openType: UInt8 = 0x03
    static let ackType: UInt8 = 0x02
    /// Message type, channel type, priority, reliability parameter, label and protocol lengths.
    static let openHeaderLength = 12

    /// Parses one DCEP message; the whole input must be the message.
    public static func parse(_ bytes: [UInt8]) throws(DCEPError) -> DCEPMessage {
        try parse(bytes[...])
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws(DCEPError) -> DCEPMessage {
        guard let type = bytes.first else { throw .empty }
        switch type {
        case ackType:
            guard bytes.count == 1 else { throw .trailingBytes(bytes.count - 1) }
            return .ack
        case openType:
            return .open(try parseOpen(bytes))
        default:
            throw .unknownMessageType(type)
        }
    }

    private static func parseOpen(_ bytes: ArraySlice<UInt8>) throws(DCEPError) -> DataChannelParameters {
        guard bytes.count >= openHeaderLength else {
            throw .truncated(needed: openHeaderLength, available: bytes.count)
        }
        // The header length is checked above, so these fixed-position reads cannot fail.
        let type = bytes[bytes.startIndex + 1]
        let priority = bytes.readU16(at: bytes.startIndex + 2)
        let parameter = bytes.readU32(at: bytes.startIndex + 4)
        let labelLength = Int(bytes.readU16(at: bytes.startIndex + 8))
        let protocolLength = Int(bytes.readU16(at: bytes.startIndex + 10))
        let needed = openHeaderLength + labelLength + protocolLength
        guard bytes.count >= needed else { throw .truncated(needed: needed, available: bytes.count) }
        guard bytes.count == needed else { throw .trailingBytes(bytes.count - needed) }
        let (ordered, reliability) = try channelType(decoding: type, parameter: parameter)
        var reader = ByteReader(bytes.dropFirst(openHeaderLength))
        let label: String
        let protocolName: String
        do throws(WireError) {
            label = try reader.readUTF8(labelLength)
            protocolName = try reader.readUTF8(protocolLength)
        } catch {
            throw DCEPError(error, available: bytes.count)
        }
        return DataChannelParameters(
            label: label, protocolName: protocolName, ordered: ordered, reliability: reliability,
            priority: priority)
    }

    /// RFC 8832 §5.1: the high bit marks unordered, the low bits the PR-SCTP policy.
    private static func channelType(
        decoding type: UInt8, parameter: UInt32
    ) throws(DCEPError) -> (ordered: Bool, reliability: DataChannelReliability) {
        let ordered = type & 0x80 == 0
        switch type & 0x7F {
        case 0x00: return (ordered, .reliable)
        case 0x01: return (ordered, .maxRetransmits(parameter))
        case 0x02: return (ordered, .maxPacketLifetime(milliseconds: parameter))
        default: throw .unknownChannelType(type)
        }
    }

    /// The message bytes. Fails only when a label or protocol does not fit its 16-bit length.
    public func serialized() throws(DCEPError) -> [UInt8] {
        switch self {
        case .ack:
            return [Self.ackType]
        case .open(let parameters):
            let label = Array(parameters.label.utf8)
            let protocolName = Array(parameters.protocolName.utf8)
            for field in [label, protocolName] where field.count > Int(UInt16.max) {
                throw .fieldTooLong(field.count)
            }
            var writer = ByteWriter()
            writer.writeU8(Self.openType)
            let (type, parameter) = Self.channelType(encoding: parameters)
            writer.writeU8(type)
            writer.writeU16(parameters.priority)
            writer.writeU32(parameter)
            writer.writeU16(UInt16(label.count))
            writer.writeU16(UInt16(protocolName.count))
            writer.writeBytes(label)
            writer.writeBytes(protocolName)
            return writer.take()
        }
    }

    private static func channelType(encoding parameters: DataChannelParameters) -> (UInt8, UInt32) {
        let unordered: UInt8 = parameters.ordered ? 0 : 0x80
        switch parameters.reliability {
        case .reliable: return (unordered | 0x00, 0)
        case .maxRetransmits(let count): return (unordered | 0x01, count)
        case .maxPacketLifetime(let milliseconds): return (unordered | 0x02, milliseconds)
        }
    }
}

extension DCEPError {
    init(_ error: WireError, available: Int) {
        switch error {
        case .invalidUTF8: self = .invalidUTF8
        case .truncated(let needed, _): self = .truncated(needed: needed, available: available)
        default: self = .truncated(needed: available &+ 1, available: available)
        }
    }
}
