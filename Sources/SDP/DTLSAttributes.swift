import WireKit

/// `a=fingerprint` (RFC 8122 §5): the hash of the certificate the DTLS peer will present.
/// Offers may carry several (Chromium one, aiortc sha-256, sha-384 and sha-512).
public struct Fingerprint: SDPAttributeValue {
    public static let attributeName = "fingerprint"

    /// The hash function name as written (`sha-256`); compare with `hasHashFunction(_:)`.
    public var hashFunction: String
    public var bytes: [UInt8]

    public init(hashFunction: String, bytes: [UInt8]) {
        self.hashFunction = hashFunction
        self.bytes = bytes
    }

    /// Whether the hash function equals `name`, ignoring ASCII case.
    public func hasHashFunction(_ name: String) -> Bool { SDPText.equalsIgnoringCase(hashFunction, name) }

    /// The digest length of the hash functions in the IANA "Hash Function Textual Names"
    /// registry, nil for others.
    public static func digestLength(of hashFunction: String) -> Int? {
        for (name, length) in digestLengths
        where name.utf8.count == hashFunction.utf8.count && SDPText.equalsIgnoringCase(name, hashFunction) {
            return length
        }
        return nil
    }

    private static let digestLengths: [(String, Int)] = [
        ("sha-256", 32), ("sha-384", 48), ("sha-512", 64), ("sha-1", 20), ("sha-224", 28), ("md5", 16), ("md2", 16),
    ]

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let fields = SDPText.looseFields(attributeValue)
        guard let hash = fields.first else { throw .attribute(name, "hash-func", .missing) }
        guard fields.count >= 2 else { throw .attribute(name, "fingerprint", .missing) }
        guard fields.count == 2 else { throw .attribute(name, "fingerprint", .tooManyFields) }
        guard let bytes = Self.colonHex(fields[1]) else { throw .attribute(name, "fingerprint", .invalid) }
        if let length = Self.digestLength(of: String(hash)), length != bytes.count {
            throw .attribute(name, "fingerprint", .invalid)
        }
        self.init(hashFunction: String(hash), bytes: bytes)
    }

    /// `2HEX *(":" 2HEX)`, read byte by byte.
    private static func colonHex(_ text: Substring) -> [UInt8]? {
        SDPText.withBytes(text) { chars -> [UInt8]? in
            // Each byte is two digits plus a colon, except the last.
            guard chars.count % 3 == 2 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity((chars.count + 1) / 3)
            var i = 0
            while i < chars.count {
                guard let hi = Hex.digitValue(chars[i]), let lo = Hex.digitValue(chars[i + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                if i + 2 < chars.count, chars[i + 2] != UInt8(ascii: ":") { return nil }
                i += 3
            }
            return bytes
        }
    }

    /// Upper-case hex pairs separated by colons, as RFC 8122 §5 requires.
    public var attributeValue: String {
        let digits: [Character] = Array("0123456789ABCDEF")
        var text = hashFunction + " "
        for (i, b) in bytes.enumerated() {
            if i > 0 { text.append(":") }
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0x0F)])
        }
        return text
    }
}

/// `a=setup` (RFC 4145 §4, RFC 8842 §5): which side starts the DTLS handshake.
public enum DTLSSetup: String, SDPAttributeValue {
    case active, passive, actpass, holdconn

    public static let attributeName = "setup"

    public init(attributeValue: Substring) throws(SDPError) {
        let text = SDPText.lowercasedASCII(SDPText.trimmed(attributeValue))
        guard let role = DTLSSetup(rawValue: text) else { throw .attribute(Self.attributeName, "role", .invalid) }
        self = role
    }

    public var attributeValue: String { rawValue }
}

/// The direction attributes `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`
/// (RFC 8866 §6.7), seen from the side that wrote the description.
public enum MediaDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// The same direction seen from the other side (sendonly ↔ recvonly).
    public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }
}
