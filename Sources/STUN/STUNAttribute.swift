import WireKit

/// One STUN attribute, typed (RFC 8489 §14; TURN attributes RFC 8656 §18; ICE attributes
/// RFC 8445 §16.1). Types this module does not model are kept verbatim in ``unknown(type:value:)``
/// so a message can be inspected, answered with 420, or relayed unchanged.
///
/// Addresses are held un-XORed: the codec applies the magic cookie and transaction id of the
/// message they travel in.
public enum STUNAttribute: Hashable, Sendable {
    /// MAPPED-ADDRESS (§14.1): the reflexive address, in the clear (RFC 3489 servers).
    case mappedAddress(SocketAddress)
    /// XOR-MAPPED-ADDRESS (§14.2).
    case xorMappedAddress(SocketAddress)
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    case xorPeerAddress(SocketAddress)
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    case xorRelayedAddress(SocketAddress)
    /// ALTERNATE-SERVER (§14.15), sent with 300 Try Alternate.
    case alternateServer(SocketAddress)
    /// USERNAME (§14.3).
    case username(String)
    /// MESSAGE-INTEGRITY (§14.5): the 20-byte HMAC-SHA1 as received.
    case messageIntegrity([UInt8])
    /// MESSAGE-INTEGRITY-SHA256 (§14.6): 16 to 32 bytes of HMAC-SHA256 as received.
    case messageIntegritySHA256([UInt8])
    /// FINGERPRINT (§14.7): CRC-32 of the message XOR 0x5354554E, as received.
    case fingerprint(UInt32)
    /// ERROR-CODE (§14.8).
    case errorCode(STUNErrorCode)
    /// UNKNOWN-ATTRIBUTES (§14.9), sent with 420.
    case unknownAttributes([STUNAttributeType])
    /// REALM (§14.9).
    case realm(String)
    /// NONCE (§14.10).
    case nonce(String)
    /// SOFTWARE (§14.14).
    case software(String)
    /// PRIORITY (RFC 8445 §7.1.1).
    case priority(UInt32)
    /// USE-CANDIDATE (RFC 8445 §7.1.2): nominates the pair.
    case useCandidate
    /// ICE-CONTROLLED with its 64-bit tie-breaker (RFC 8445 §7.1.3).
    case iceControlled(UInt64)
    /// ICE-CONTROLLING with its 64-bit tie-breaker (RFC 8445 §7.1.3).
    case iceControlling(UInt64)
    /// LIFETIME in seconds (RFC 8656 §18.4).
    case lifetime(UInt32)
    /// REQUESTED-TRANSPORT (RFC 8656 §18.7): an IP protocol number, 17 for UDP.
    case requestedTransport(UInt8)
    /// DATA (RFC 8656 §18.6).
    case data([UInt8])
    /// CHANNEL-NUMBER (RFC 8656 §18.2).
    case channelNumber(UInt16)
    /// DONT-FRAGMENT (RFC 8656 §18.8).
    case dontFragment
    /// EVEN-PORT (RFC 8656 §18.9): `reserve` asks the server to keep the next port too.
    case evenPort(reserve: Bool)
    /// RESERVATION-TOKEN (RFC 8656 §18.10).
    case reservationToken(UInt64)
    /// Any other attribute, value without padding.
    case unknown(type: STUNAttributeType, value: [UInt8])

    /// IANA protocol number of UDP, the only REQUESTED-TRANSPORT RFC 8656 defines.
    public static let transportUDP: UInt8 = 17

    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: .mappedAddress
        case .xorMappedAddress: .xorMappedAddress
        case .xorPeerAddress: .xorPeerAddress
        case .xorRelayedAddress: .xorRelayedAddress
        case .alternateServer: .alternateServer
        case .username: .username
        case .messageIntegrity: .messageIntegrity
        case .messageIntegritySHA256: .messageIntegritySHA256
        case .fingerprint: .fingerprint
        case .errorCode: .errorCode
        case .unknownAttributes: .unknownAttributes
        case .realm: .realm
        case .nonce: .nonce
        case .software: .software
        case .priority: .priority
        case .useCandidate: .useCandidate
        case .iceControlled: .iceControlled
        case .iceControlling: .iceControlling
        case .lifetime: .lifetime
        case .requestedTransport: .requestedTransport
        case .data: .data
        case .channelNumber: .channelNumber
        case .dontFragment: .dontFragment
        case .evenPort: .evenPort
        case .reservationToken: .reservationToken
        case .unknown(let type, _): type
        }
    }
}

// MARK: - Value decoding

extension STUNAttribute {
    /// Decodes one attribute value (padding already removed). `transactionID` un-XORs addresses.
    static func decode(
        type: STUNAttributeType, value: ArraySlice<UInt8>, transactionID: TransactionID
    ) throws(STUNError) -> STUNAttribute {
        let malformed = STUNError.malformedAttribute(type: type.rawValue)
        switch type {
        case .mappedAddress: return .mappedAddress(try STUNAddressCodec.decode(value, type: type, xor: nil))
        case .xorMappedAddress:
            return .xorMappedAddress(try STUNAddressCodec.decode(value, type: type, xor: transactionID))
        case .xorPeerAddress: return .xorPeerAddress(try STUNAddressCodec.decode(value, type: type, xor: transactionID))
        case .xorRelayedAddress:
            return .xorRelayedAddress(try STUNAddressCodec.decode(value, type: type, xor: transactionID))
        case .alternateServer: return .alternateServer(try STUNAddressCodec.decode(value, type: type, xor: nil))
        case .username: return .username(try text(value, type))
        case .realm: return .realm(try text(value, type))
        case .nonce: return .nonce(try text(value, type))
        case .software: return .software(try text(value, type))
        case .messageIntegrity:
            guard value.count == 20 else { throw malformed }
            return .messageIntegrity(Array(value))
        case .messageIntegritySHA256:
            // §14.6: at least 16 bytes, at most 32, a multiple of 4.
            guard (16...32).contains(value.count), value.count % 4 == 0 else { throw malformed }
            return .messageIntegritySHA256(Array(value))
        case .fingerprint: return .fingerprint(UInt32(truncatingIfNeeded: try fixed(value, 4, type)))
        case .errorCode: return .errorCode(try errorCode(value, type))
        case .unknownAttributes:
            guard value.count % 2 == 0 else { throw malformed }
            let offsets = stride(from: value.startIndex, to: value.endIndex, by: 2)
            return .unknownAttributes(offsets.map { STUNAttributeType(value.readU16(at: $0)) })
        case .priority: return .priority(UInt32(truncatingIfNeeded: try fixed(value, 4, type)))
        case .useCandidate:
            guard value.isEmpty else { throw malformed }
            return .useCandidate
        case .iceControlled: return .iceControlled(try fixed(value, 8, type))
        case .iceControlling: return .iceControlling(try fixed(value, 8, type))
        case .lifetime: return .lifetime(UInt32(truncatingIfNeeded: try fixed(value, 4, type)))
        // REQUESTED-TRANSPORT and CHANNEL-NUMBER end in reserved bytes, ignored on receipt.
        case .requestedTransport: return .requestedTransport(UInt8(truncatingIfNeeded: try fixed(value, 4, type) >> 24))
        case .channelNumber: return .channelNumber(UInt16(truncatingIfNeeded: try fixed(value, 4, type) >> 16))
        case .data: return .data(Array(value))
        case .dontFragment:
            guard value.isEmpty else { throw malformed }
            return .dontFragment
        case .evenPort: return .evenPort(reserve: try fixed(value, 1, type) & 0x80 != 0)
        case .reservationToken: return .reservationToken(try fixed(value, 8, type))
        default: return .unknown(type: type, value: Array(value))
        }
    }

    /// A big-endian integer from a value that must be exactly `length` (at most 8) bytes long.
    private static func fixed(
        _ value: ArraySlice<UInt8>, _ length: Int, _ type: STUNAttributeType
    ) throws(STUNError) -> UInt64 {
        guard value.count == length else { throw .malformedAttribute(type: type.rawValue) }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func text(_ value: ArraySlice<UInt8>, _ type: STUNAttributeType) throws(STUNError) -> String {
        guard let text = String(validating: value, as: UTF8.self) else { throw .invalidUTF8(type: type.rawValue) }
        return text
    }

    private static func errorCode(
        _ value: ArraySlice<UInt8>, _ type: STUNAttributeType
    ) throws(STUNError) -> STUNErrorCode {
        // 21 reserved bits, Class (3 bits), Number (8 bits, 0–99), reason phrase.
        guard value.count >= 4 else { throw .malformedAttribute(type: type.rawValue) }
        let start = value.startIndex
        let errorClass = Int(value[start + 2] & 0x07)
        let number = Int(value[start + 3])
        guard number < 100 else { throw .malformedAttribute(type: type.rawValue) }
        let reason = try text(value[(start + 4)...], type)
        return STUNErrorCode(code: errorClass * 100 + number, reason: reason)
    }
}
