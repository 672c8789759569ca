import KVSCrypto
import WireKit

extension STUNMessage {
    /// Checks the MESSAGE-INTEGRITY (HMAC-SHA1) of a received message (RFC 8489 §14.5).
    ///
    /// The HMAC covers the header and every attribute before MESSAGE-INTEGRITY, with the
    /// header's length field rewritten to end just after MESSAGE-INTEGRITY; what follows it
    /// (FINGERPRINT, MESSAGE-INTEGRITY-SHA256, anything else) is not covered. False when the
    /// bytes are not a well-formed STUN message or carry no MESSAGE-INTEGRITY.
    public static func verifyIntegrity(of raw: [UInt8], key: STUNKey) -> Bool {
        verifyMAC(raw[...], key: key, type: .messageIntegrity, algorithm: .sha1)
    }

    public static func verifyIntegrity(of raw: ArraySlice<UInt8>, key: STUNKey) -> Bool {
        verifyMAC(raw, key: key, type: .messageIntegrity, algorithm: .sha1)
    }

    /// Checks MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), which may be truncated to 16–32 bytes.
    public static func verifyIntegritySHA256(of raw: [UInt8], key: STUNKey) -> Bool {
        verifyMAC(raw[...], key: key, type: .messageIntegritySHA256, algorithm: .sha256)
    }

    public static func verifyIntegritySHA256(of raw: ArraySlice<UInt8>, key: STUNKey) -> Bool {
        verifyMAC(raw, key: key, type: .messageIntegritySHA256, algorithm: .sha256)
    }

    /// Checks FINGERPRINT (RFC 8489 §14.7): it must be the last attribute, and its value the
    /// CRC-32 of everything before it XOR 0x5354554E. False when absent or misplaced.
    public static func verifyFingerprint(of raw: [UInt8]) -> Bool { verifyFingerprint(of: raw[...]) }

    public static func verifyFingerprint(of raw: ArraySlice<UInt8>) -> Bool {
        guard (try? validateHeader(raw)) != nil else { return false }
        var last: (type: UInt16, offset: Int, value: ArraySlice<UInt8>)?
        guard (try? forEachRawAttribute(in: raw, { type, offset, value in
            last = (type, offset, value)
            return true
        })) != nil, let last, last.type == STUNAttributeType.fingerprint.rawValue, last.value.count == 4
        else { return false }
        let received = last.value.readU32(at: last.value.startIndex)
        let covered = raw[raw.startIndex..<(raw.startIndex + last.offset)]
        return CRC32.checksum(covered) ^ STUN.fingerprintXOR == received
    }

    private static func verifyMAC(
        _ raw: ArraySlice<UInt8>, key: STUNKey, type: STUNAttributeType, algorithm: DigestAlgorithm
    ) -> Bool {
        guard (try? validateHeader(raw)) != nil else { return false }
        var found: (offset: Int, value: ArraySlice<UInt8>)?
        guard (try? forEachRawAttribute(in: raw, { t, offset, value in
            // The first one counts; the walk goes on so a malformed tail still fails.
            if t == type.rawValue, found == nil { found = (offset, value) }
            return true
        })) != nil, let found else { return false }
        let macLength = found.value.count
        guard macLength <= algorithm.length, macLength >= (algorithm == .sha1 ? 20 : 16) else { return false }
        // The HMAC input is the message up to the MAC attribute, with the length field
        // claiming the message ends right after it.
        var covered = Array(raw[raw.startIndex..<(raw.startIndex + found.offset)])
        covered.writeU16(UInt16(truncatingIfNeeded: found.offset + 4 + macLength - STUN.headerLength), at: 2)
        guard let mac = try? Crypto.hmac(algorithm, key: key.bytes, data: covered) else { return false }
        return constantTimeEqual(mac.prefix(macLength), found.value)
    }

    /// Compares MACs in time that depends only on their length, so a forger learns nothing
    /// from how long a rejection takes.
    static func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
