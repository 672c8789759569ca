import COpenSSL

/// Hash algorithms available through OpenSSL's EVP interface.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5
    case sha1 = "sha-1"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// Digest length in bytes.
    public var length: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var evp: OpaquePointer? {
        switch self {
        case .md5: EVP_md5()
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// The algorithm named in an SDP `a=fingerprint` line (RFC 8122 hash names, any case).
    public init?(sdpName: some StringProtocol) {
        switch sdpName.lowercased() {
        case "md5": self = .md5
        case "sha-1": self = .sha1
        case "sha-256": self = .sha256
        case "sha-384": self = .sha384
        case "sha-512": self = .sha512
        default: return nil
        }
    }
}

/// Errors from the crypto wrapper: OpenSSL refused an operation that should not fail.
public enum CryptoError: Error, Equatable, Sendable {
    case digestFailed(DigestAlgorithm)
    case hmacFailed(DigestAlgorithm)
    case randomFailed
}

/// Runs `body` over the bytes of `collection`, copying only if it has no contiguous storage.
@inline(__always)
func withRawBytes<C: Collection<UInt8>, R>(_ collection: C, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = collection.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return Array(collection).withUnsafeBytes(body)
}

/// One-shot digests and HMACs (RFC 2104) over OpenSSL, used by STUN MESSAGE-INTEGRITY
/// (HMAC-SHA1), long-term credential keys (MD5/SHA-256), SigV4 and certificate fingerprints.
public enum Crypto {
    public static func digest(_ algorithm: DigestAlgorithm, _ data: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.length)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { o in
            EVP_Digest(data.baseAddress, data.count, o.baseAddress, &length, algorithm.evp, nil)
        }
        guard ok == 1, Int(length) == algorithm.length else { throw .digestFailed(algorithm) }
        return out
    }

    public static func digest(_ algorithm: DigestAlgorithm, _ data: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let result = withRawBytes(data) { raw in Result { () throws(CryptoError) in try digest(algorithm, raw) } }
        return try result.get()
    }

    /// HMAC of `data` keyed with `key`.
    public static func hmac(
        _ algorithm: DigestAlgorithm, key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer
    ) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.length)
        var length: UInt32 = 0
        // HMAC() rejects NULL pointers even for empty input, so empty buffers point at a dummy.
        let dummy: [UInt8] = [0]
        let produced = dummy.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in
                HMAC(algorithm.evp, key.baseAddress ?? UnsafeRawPointer(d.baseAddress!), Int32(key.count),
                     data.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? d.baseAddress, data.count,
                     o.baseAddress, &length)
            }
        }
        guard produced != nil, Int(length) == algorithm.length else { throw .hmacFailed(algorithm) }
        return out
    }

    public static func hmac(
        _ algorithm: DigestAlgorithm, key: some Collection<UInt8>, data: some Collection<UInt8>
    ) throws(CryptoError) -> [UInt8] {
        let result = withRawBytes(key) { k in
            withRawBytes(data) { d in Result { () throws(CryptoError) in try hmac(algorithm, key: k, data: d) } }
        }
        return try result.get()
    }

    /// Cryptographically secure random bytes from OpenSSL's DRBG.
    public static func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw .randomFailed }
        return out
    }

    /// The OpenSSL version string, e.g. "OpenSSL 3.0.17 1 Jul 2025".
    public static var libraryVersion: String { String(cString: kvs_openssl_version_text()) }
}

/// A random number generator backed by OpenSSL's DRBG, for identifiers that must be
/// unpredictable (STUN transaction ids, ICE credentials, SSRCs).
public struct SecureRandom: RandomNumberGenerator, Sendable {
    public init() {}
    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        let ok = withUnsafeMutableBytes(of: &value) { RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), 8) }
        // RAND_bytes only fails when the DRBG cannot be seeded at all; fall back to the
        // system generator rather than return a predictable value.
        if ok != 1 {
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
        return value
    }
}
