import COpenSSL
import KVSCrypto

/// A self-signed X.509 v3 certificate with an ECDSA P-256 key, the DTLS identity of a WebRTC
/// peer (RFC 8827 §6.5: trust comes from the SDP fingerprint, not from a CA, so self-signed
/// certificates are the norm; JSEP/RFC 8829 §5.2.1 carries the fingerprint in the SDP).
///
/// Owns the `EVP_PKEY` and `X509` handles and frees them in `deinit`. Immutable after creation;
/// OpenSSL 3 keys and certificates are safe to read from several threads (reference counts are
/// atomic), which is what lets a background generator hand certificates to the event loop.
public final class DTLSCertificate: @unchecked Sendable, CustomStringConvertible {
    /// Validity and naming of generated certificates.
    public struct Options: Sendable {
        public var commonName: String
        /// How long after `now` the certificate stays valid.
        public var lifetime: Duration
        /// How far `notBefore` lies in the past, to tolerate peers whose clock is behind.
        public var backdate: Duration

        public init(commonName: String = "kvsmaster", lifetime: Duration = .seconds(30 * 86_400),
                    backdate: Duration = .seconds(86_400)) {
            self.commonName = commonName
            self.lifetime = lifetime
            self.backdate = backdate
        }
    }

    let key: OpaquePointer
    let x509: OpaquePointer
    /// The DER encoding of the certificate (what fingerprints are computed over).
    public let der: [UInt8]
    /// `sha-256` fingerprint, the one WebRTC peers put in `a=fingerprint`.
    public let fingerprint: CertificateFingerprint

    private init(key: OpaquePointer, x509: OpaquePointer) throws(CertificateError) {
        self.key = key
        self.x509 = x509
        let length = i2d_X509(x509, nil)
        guard length > 0 else {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .encodingFailed
        }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_X509(x509, &cursor)
        }
        guard written == length, let fingerprint = try? CertificateFingerprint(algorithm: .sha256, der: der) else {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .encodingFailed
        }
        self.der = der
        self.fingerprint = fingerprint
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(key)
    }

    /// Generates a fresh P-256 key and a self-signed certificate with a random 63-bit serial.
    /// Takes about a millisecond on x86-64 and much longer on small boards: call it off the
    /// event loop (``CertificateProvider`` does).
    public static func generate(_ options: Options = Options()) throws(CertificateError) -> DTLSCertificate {
        ERR_clear_error()
        guard let key = kvs_EVP_EC_gen("P-256") else { throw .generationFailed(DTLSLibrary.openSSLErrorString()) }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw .generationFailed(DTLSLibrary.openSSLErrorString())
        }
        guard fill(x509, key: key, options: options) else {
            let reason = DTLSLibrary.openSSLErrorString()
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .generationFailed(reason)
        }
        return try DTLSCertificate(key: key, x509: x509)
    }

    private static func fill(_ x509: OpaquePointer, key: OpaquePointer, options: Options) -> Bool {
        var random = SecureRandom()
        // RFC 5280 §4.1.2.2: positive, at most 20 octets; clearing the top bit keeps it positive.
        let serial = max(1, random.next() & 0x7FFF_FFFF_FFFF_FFFF)
        guard X509_set_version(x509, 2) == 1,  // v3
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1,
              X509_gmtime_adj(X509_getm_notBefore(x509), -seconds(options.backdate)) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), seconds(options.lifetime)) != nil,
              let name = X509_get_subject_name(x509),
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, options.commonName, -1, -1, 0) == 1,
              X509_set_issuer_name(x509, name) == 1,
              X509_set_pubkey(x509, key) == 1,
              X509_sign(x509, key, EVP_sha256()) > 0
        else { return false }
        return true
    }

    private static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }

    /// Fingerprint with any hash function (for `a=fingerprint` lines other than sha-256).
    public func fingerprint(_ algorithm: DigestAlgorithm) throws(CertificateError) -> CertificateFingerprint {
        try CertificateFingerprint(algorithm: algorithm, der: der)
    }

    /// The certificate (not the key) in PEM form, for logs and for checking with other tools.
    public func pem() throws(CertificateError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .encodingFailed }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, x509) == 1 else { throw .encodingFailed }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = kvs_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { throw .encodingFailed }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Never shows the private key.
    public var description: String { "DTLSCertificate(\(fingerprint.sdpValue))" }
}
