import KVSCrypto

/// The key for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9).
///
/// ICE connectivity checks use short-term credentials (§9.1.1: the key is the password); TURN
/// servers use long-term credentials (§9.2.2: a digest of username, realm and password).
public struct STUNKey: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Short-term key (§9.1.1): the password after OpaqueString preparation (see
    /// ``STUNCredentials/prepare(_:)``).
    public static func shortTerm(password: String) -> STUNKey {
        STUNKey(bytes: Array(STUNCredentials.prepare(password).utf8))
    }

    /// Which digest turns the long-term credentials into a key (§9.2.2, §18.5).
    public enum LongTermAlgorithm: Sendable, Hashable {
        /// `MD5(username ":" realm ":" password)`, 16 bytes: what every TURN server accepts.
        case md5
        /// `SHA-256(username ":" realm ":" password)`, 32 bytes (PASSWORD-ALGORITHM 0x0002).
        case sha256
    }

    /// Long-term key (§9.2.2). The realm and password get OpaqueString preparation; the
    /// username is used as given, as it was already sent in USERNAME.
    public static func longTerm(
        username: String, realm: String, password: String, algorithm: LongTermAlgorithm = .md5
    ) throws(STUNError) -> STUNKey {
        var input = Array(username.utf8)
        input.append(UInt8(ascii: ":"))
        input.append(contentsOf: STUNCredentials.prepare(realm).utf8)
        input.append(UInt8(ascii: ":"))
        input.append(contentsOf: STUNCredentials.prepare(password).utf8)
        do {
            return STUNKey(bytes: try Crypto.digest(algorithm == .md5 ? .md5 : .sha256, input))
        } catch {
            throw .cryptoFailed
        }
    }

    /// Never prints the key itself: descriptions end up in logs.
    public var description: String { "STUNKey(\(bytes.count) bytes)" }
}

/// String preparation for STUN passwords and realms: the part of the OpaqueString profile
/// (RFC 8265 §4.2, which replaced SASLprep, RFC 4013) that needs no Unicode tables.
public enum STUNCredentials {
    /// Prepares a password or realm:
    /// - ASCII text passes through unchanged (KVS and coturn TURN passwords are base64);
    /// - non-ASCII spaces (general category Zs) become U+0020 (RFC 8265 §4.2.1);
    /// - the RFC 3454 table B.1 characters, "commonly mapped to nothing", are removed (SASLprep).
    ///
    /// Not applied: Unicode normalization. OpaqueString asks for NFC and SASLprep for NFKC, and
    /// the Swift standard library exposes neither, so a password such as "TheMªtrⅨ" (RFC 5769
    /// §2.4) must be given already prepared ("TheMatrIX").
    public static func prepare(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if mappedToNothing(scalar) { continue }
            if scalar.value >= 0x80, scalar.properties.generalCategory == .spaceSeparator {
                out.append(" ")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// RFC 3454 table B.1.
    static func mappedToNothing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x1806, 0x180B...0x180D, 0x200B...0x200D, 0x2060, 0xFE00...0xFE0F, 0xFEFF: true
        default: false
        }
    }
}
