import KVSCrypto
import WireKit

/// Errors about certificates and their SDP fingerprints (RFC 8122 §5).
public enum CertificateError: Error, Equatable, Sendable {
    /// The `a=fingerprint` value is not `<hash-func> <hex pairs separated by colons>`.
    case malformedFingerprint
    /// The hash function name is unknown, or too weak for DTLS-SRTP (md5, sha-1).
    case unsupportedAlgorithm(String)
    /// The hex digest has the wrong length for its hash function.
    case wrongDigestLength(algorithm: DigestAlgorithm, count: Int)
    /// OpenSSL refused to create a key or certificate (its reason text).
    case generationFailed(String)
    case encodingFailed
}

/// A certificate fingerprint as carried in SDP `a=fingerprint` (RFC 8122 §5): a hash function
/// and the digest of the DER certificate, written `sha-256 AB:CD:…` (uppercase hex).
public struct CertificateFingerprint: Hashable, Sendable, CustomStringConvertible {
    public var algorithm: DigestAlgorithm
    public var digest: [UInt8]

    /// Hash functions accepted for peer verification, strongest first. RFC 8827 §6.5 requires
    /// SHA-256 or stronger for WebRTC, so md5 and sha-1 lines are not trusted.
    public static let acceptedAlgorithms: [DigestAlgorithm] = [.sha512, .sha384, .sha256]

    public init(algorithm: DigestAlgorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Fingerprint of a DER-encoded certificate.
    public init(algorithm: DigestAlgorithm, der: [UInt8]) throws(CertificateError) {
        do {
            self.init(algorithm: algorithm, digest: try Crypto.digest(algorithm, der))
        } catch {
            throw .encodingFailed
        }
    }

    /// Parses the value of an `a=fingerprint` attribute, e.g. `sha-256 AB:CD:…`. Hex is
    /// accepted in either case; the algorithm must be one of ``acceptedAlgorithms``.
    public init(sdpValue: some StringProtocol) throws(CertificateError) {
        let parts = sdpValue.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw .malformedFingerprint }
        guard let algorithm = DigestAlgorithm(sdpName: parts[0]) else {
            throw .unsupportedAlgorithm(String(parts[0].prefix(32)))
        }
        guard Self.acceptedAlgorithms.contains(algorithm) else { throw .unsupportedAlgorithm(algorithm.rawValue) }
        var digest: [UInt8] = []
        digest.reserveCapacity(algorithm.length)
        for pair in parts[1].split(separator: ":", omittingEmptySubsequences: false) {
            let digits = Array(pair.utf8)
            guard digits.count == 2, let high = Hex.digitValue(digits[0]), let low = Hex.digitValue(digits[1]) else {
                throw .malformedFingerprint
            }
            digest.append(high << 4 | low)
        }
        guard digest.count == algorithm.length else {
            throw .wrongDigestLength(algorithm: algorithm, count: digest.count)
        }
        self.init(algorithm: algorithm, digest: digest)
    }

    /// The attribute value, `sha-256 AB:CD:…`.
    public var sdpValue: String { algorithm.rawValue + " " + hexWithColons }

    /// Uppercase hex pairs joined by colons (also the format of `openssl x509 -fingerprint`).
    public var hexWithColons: String {
        let digits: [Character] = Array("0123456789ABCDEF")
        var text = ""
        text.reserveCapacity(digest.count * 3)
        for (index, byte) in digest.enumerated() {
            if index > 0 { text.append(":") }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    public var description: String { sdpValue }
}

extension CertificateFingerprint {
    /// RFC 8122 §5: with several fingerprints, use the set of the hash function we prefer most
    /// among those offered; the certificate must match one fingerprint of that set. Returns that
    /// algorithm, or nil when no offered fingerprint uses an accepted algorithm.
    public static func preferredAlgorithm(in fingerprints: [CertificateFingerprint]) -> DigestAlgorithm? {
        acceptedAlgorithms.first { algorithm in fingerprints.contains { $0.algorithm == algorithm } }
    }
}
