import COpenSSL

/// The OpenSSL `SSL_CTX` shared by every ``DTLSEndpoint`` that uses one certificate and one list
/// of SRTP profiles: DTLS 1.2 only (RFC 6347), use_srtp (RFC 5764 §4.1), ECDHE suites, and a
/// mandatory peer certificate checked against SDP fingerprints (RFC 5763 §5, §6.2).
///
/// A context costs about 19 KB of heap, more than an `SSL` itself, so the daemon makes one per
/// certificate and shares it across viewers. Owns the `SSL_CTX` and frees it in `deinit`;
/// configured once, after which OpenSSL allows `SSL_new` on it from any thread.
public final class DTLSContext: @unchecked Sendable {
    public let certificate: DTLSCertificate
    /// use_srtp profiles in preference order (GCM from RFC 7714 §14.2 first by default).
    public let srtpProfiles: [SRTPProfile]
    let handle: OpaquePointer

    public static let defaultSRTPProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32]

    /// Cipher suites for DTLS 1.2 with forward secrecy. Our own certificate is ECDSA, so as a
    /// server only the ECDSA suites apply; RSA ones let us talk to peers with RSA certificates.
    static let cipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
        + "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"

    public init(certificate: DTLSCertificate, srtpProfiles: [SRTPProfile] = DTLSContext.defaultSRTPProfiles) throws(DTLSError) {
        guard !srtpProfiles.isEmpty else { throw .setupFailed("no SRTP profiles configured") }
        ERR_clear_error()
        guard let handle = SSL_CTX_new(DTLS_method()) else { throw .setupFailed(DTLSLibrary.openSSLErrorString()) }
        if let failure = Self.configure(handle, certificate: certificate, srtpProfiles: srtpProfiles) {
            SSL_CTX_free(handle)
            throw .setupFailed(failure)
        }
        self.certificate = certificate
        self.srtpProfiles = srtpProfiles
        self.handle = handle
    }

    deinit { SSL_CTX_free(handle) }

    /// Applies the WebRTC profile; returns OpenSSL's reason on failure.
    private static func configure(_ context: OpaquePointer, certificate: DTLSCertificate, srtpProfiles: [SRTPProfile]) -> String? {
        let profiles = srtpProfiles.map(\.rawValue).joined(separator: ":")
        guard kvs_SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION) == 1,
              kvs_SSL_CTX_set_max_proto_version(context, DTLS1_2_VERSION) == 1,
              SSL_CTX_use_certificate(context, certificate.x509) == 1,
              SSL_CTX_use_PrivateKey(context, certificate.key) == 1,
              SSL_CTX_check_private_key(context) == 1,
              SSL_CTX_set_cipher_list(context, cipherList) == 1,
              kvs_SSL_CTX_set1_groups_list(context, "X25519:P-256:P-384") == 1,
              // Returns 0 on success, unlike nearly everything else in OpenSSL.
              SSL_CTX_set_tlsext_use_srtp(context, profiles) == 0
        else { return DTLSLibrary.openSSLErrorString() }
        _ = SSL_CTX_set_options(context, kvs_dtls_endpoint_options())
        _ = kvs_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        // Both roles demand the peer's certificate (RFC 5763 §5: the server must request one);
        // trust comes from the SDP fingerprint, so the callback replaces chain validation.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        SSL_CTX_set_cert_verify_callback(context, { store, _ in
            guard let store, let leaf = X509_STORE_CTX_get0_cert(store),
                  let raw = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
                  let endpoint = DTLSEndpoint.from(ssl: OpaquePointer(raw))
            else { return 0 }
            if endpoint.verifyPeer(leaf) { return 1 }
            X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
            return 0
        }, nil)
        return nil
    }
}
