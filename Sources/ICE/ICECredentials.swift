import SDP
import STUN

/// ICE credentials (RFC 8445 §5.3, RFC 8839 §5.4) are SDP's `ICECredentials` (`ice-ufrag`,
/// 4–256 ice-chars; `ice-pwd`, 22–256 ice-chars), so the agent takes them straight from a
/// parsed offer. The password keys MESSAGE-INTEGRITY; the type's description omits it.
extension ICECredentials {
    /// Fresh credentials: 8-character ufrag, 24-character password (144 bits, above the 128
    /// RFC 8445 §5.3 asks for). Pass a cryptographically secure generator in production.
    public static func random(using rng: inout some RandomNumberGenerator) -> ICECredentials {
        ICECredentials(ufrag: randomICEString(8, using: &rng), pwd: randomICEString(24, using: &rng))
    }

    static func randomICEString(_ count: Int, using rng: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<count { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The short-term key (RFC 8489 §9.1.1) for MESSAGE-INTEGRITY.
    var key: STUNKey { .shortTerm(password: pwd) }
}
