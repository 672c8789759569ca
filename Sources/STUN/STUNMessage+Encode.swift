import KVSCrypto
import WireKit

extension STUNMessage {
    /// Encodes the message (RFC 8489 §5, §14).
    ///
    /// The attributes are written in order, each padded to 4 bytes with `padding` (receivers
    /// ignore padding; zero is what RFC 8489 asks senders to use). Then, when asked for,
    /// MESSAGE-INTEGRITY (HMAC-SHA1 with `integrity`, §14.5), MESSAGE-INTEGRITY-SHA256
    /// (HMAC-SHA256 with `integritySHA256`, §14.6) and FINGERPRINT (§14.7) are computed and
    /// appended in that order, each over the message with its length field already covering
    /// the attribute being computed. When any of them is requested, the same attributes found in
    /// ``attributes`` (for example from a decoded message) are left out rather than sent twice.
    public func encode(
        integrity: STUNKey? = nil, integritySHA256: STUNKey? = nil, fingerprint: Bool = false, padding: UInt8 = 0
    ) throws(STUNError) -> [UInt8] {
        guard method.rawValue <= 0xFFF else { throw .valueOutOfRange(type: 0, value: Int(method.rawValue)) }
        var w = ByteWriter(capacity: 128)
        w.writeU16(messageType.rawValue)
        w.writeU16(0)
        w.writeU32(STUN.magicCookie)
        w.writeBytes(transactionID.bytes)

        let computing = integrity != nil || integritySHA256 != nil || fingerprint
        for attribute in attributes {
            if computing, attribute.isComputedTrailer { continue }
            try attribute.encode(into: &w, transactionID: transactionID, padding: padding)
        }
        if let key = integrity {
            try STUNMessage.appendMAC(.sha1, key: key, type: .messageIntegrity, to: &w)
        }
        if let key = integritySHA256 {
            try STUNMessage.appendMAC(.sha256, key: key, type: .messageIntegritySHA256, to: &w)
        }
        if fingerprint {
            try STUNMessage.setLength(w.count + 8, in: &w)
            let crc = CRC32.checksum(w.bytes) ^ STUN.fingerprintXOR
            w.writeU16(STUNAttributeType.fingerprint.rawValue)
            w.writeU16(4)
            w.writeU32(crc)
        }
        try STUNMessage.setLength(w.count, in: &w)
        return w.take()
    }

    /// Sets the header length as if the message were `total` bytes long.
    private static func setLength(_ total: Int, in w: inout ByteWriter) throws(STUNError) {
        let length = total - STUN.headerLength
        guard length <= 0xFFFC else { throw .messageTooLong(length) }
        w.setU16(UInt16(length), at: 2)
    }

    private static func appendMAC(
        _ algorithm: DigestAlgorithm, key: STUNKey, type: STUNAttributeType, to w: inout ByteWriter
    ) throws(STUNError) {
        try setLength(w.count + 4 + algorithm.length, in: &w)
        let mac: [UInt8]
        do { mac = try Crypto.hmac(algorithm, key: key.bytes, data: w.bytes) } catch { throw .cryptoFailed }
        w.writeU16(type.rawValue)
        w.writeU16(UInt16(algorithm.length))
        w.writeBytes(mac)
    }
}

extension STUNAttribute {
    /// Attributes the encoder computes itself rather than copies.
    var isComputedTrailer: Bool {
        switch self {
        case .messageIntegrity, .messageIntegritySHA256, .fingerprint: true
        default: false
        }
    }
}
