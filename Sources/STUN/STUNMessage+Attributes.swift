import WireKit

extension STUNMessage {
    /// The first attribute of `type`, if any.
    public func first(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public func contains(_ type: STUNAttributeType) -> Bool { first(type) != nil }

    /// Comprehension-required attribute types (below 0x8000) this module does not understand,
    /// in order of appearance without repeats: an agent answers a request carrying any with
    /// 420 Unknown Attribute listing them in UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1).
    public var unknownComprehensionRequired: [STUNAttributeType] {
        var seen: [STUNAttributeType] = []
        for case .unknown(let type, _) in attributes where type.isComprehensionRequired && !seen.contains(type) {
            seen.append(type)
        }
        return seen
    }

    public var username: String? {
        for case .username(let v) in attributes { return v }
        return nil
    }

    public var realm: String? {
        for case .realm(let v) in attributes { return v }
        return nil
    }

    public var nonce: String? {
        for case .nonce(let v) in attributes { return v }
        return nil
    }

    public var software: String? {
        for case .software(let v) in attributes { return v }
        return nil
    }

    public var errorCode: STUNErrorCode? {
        for case .errorCode(let v) in attributes { return v }
        return nil
    }

    public var unknownAttributes: [STUNAttributeType]? {
        for case .unknownAttributes(let v) in attributes { return v }
        return nil
    }

    /// XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from a server that only knows RFC 3489.
    public var mappedAddress: SocketAddress? {
        for case .xorMappedAddress(let v) in attributes { return v }
        for case .mappedAddress(let v) in attributes { return v }
        return nil
    }

    public var xorRelayedAddress: SocketAddress? {
        for case .xorRelayedAddress(let v) in attributes { return v }
        return nil
    }

    /// Every XOR-PEER-ADDRESS (CreatePermission may carry several).
    public var xorPeerAddresses: [SocketAddress] {
        attributes.compactMap { if case .xorPeerAddress(let v) = $0 { v } else { nil } }
    }

    public var alternateServer: SocketAddress? {
        for case .alternateServer(let v) in attributes { return v }
        return nil
    }

    public var priority: UInt32? {
        for case .priority(let v) in attributes { return v }
        return nil
    }

    public var useCandidate: Bool { contains(.useCandidate) }

    public var iceControlling: UInt64? {
        for case .iceControlling(let v) in attributes { return v }
        return nil
    }

    public var iceControlled: UInt64? {
        for case .iceControlled(let v) in attributes { return v }
        return nil
    }

    public var lifetime: UInt32? {
        for case .lifetime(let v) in attributes { return v }
        return nil
    }

    public var data: [UInt8]? {
        for case .data(let v) in attributes { return v }
        return nil
    }

    public var channelNumber: UInt16? {
        for case .channelNumber(let v) in attributes { return v }
        return nil
    }

    public var messageIntegrity: [UInt8]? {
        for case .messageIntegrity(let v) in attributes { return v }
        return nil
    }

    public var fingerprint: UInt32? {
        for case .fingerprint(let v) in attributes { return v }
        return nil
    }
}
