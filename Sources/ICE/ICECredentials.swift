import STUN

/// ICE credentials (RFC 8445 §5.3, RFC 8839 §5.4): `ice-ufrag` (4–256 ice-chars) and `ice-pwd`
/// (22–256 ice-chars). The password keys MESSAGE-INTEGRITY of the checks, so it never appears
/// in a description.
public struct ICECredentials: Hashable, Sendable, CustomStringConvertible {
    public var ufrag: String
    public var password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Fresh credentials: 8-character ufrag, 24-character password (144 bits, above the 128
    /// RFC 8445 §5.3 asks for). Pass a cryptographically secure generator in production.
    public static func random(using rng: inout some RandomNumberGenerator) -> ICECredentials {
        ICECredentials(ufrag: randomICEString(8, using: &rng), password: randomICEString(24, using: &rng))
    }

    static func randomICEString(_ count: Int, using rng: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<count { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The short-term key (RFC 8489 §9.1.1) for MESSAGE-INTEGRITY.
    var key: STUNKey { .shortTerm(password: password) }

    public var description: String { "ICECredentials(ufrag: \(ufrag), password: <\(password.utf8.count) chars>)" }
}
