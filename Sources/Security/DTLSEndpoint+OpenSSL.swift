import COpenSSL

extension DTLSEndpoint {
    /// Cipher suites for DTLS 1.2 with forward secrecy. Our own certificate is ECDSA, so as a
    /// server only the ECDSA suites apply; RSA ones let us talk to peers with RSA certificates.
    static let cipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
        + "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"

    struct Handles {
        var context: OpaquePointer
        var ssl: OpaquePointer
        var readBIO: OpaquePointer
    }

    /// Builds the `SSL_CTX` and `SSL` with a memory BIO for input and the datagram sink for
    /// output; frees everything it made if a step fails.
    static func makeHandles(_ configuration: Configuration, sink: DTLSDatagramSink) throws(DTLSError) -> Handles {
        ERR_clear_error()
        guard let context = SSL_CTX_new(DTLS_method()) else { throw .setupFailed(DTLSLibrary.openSSLErrorString()) }
        if let failure = configure(context, configuration) {
            SSL_CTX_free(context)
            throw .setupFailed(failure)
        }
        guard let ssl = SSL_new(context) else {
            let reason = DTLSLibrary.openSSLErrorString()
            SSL_CTX_free(context)
            throw .setupFailed(reason)
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = sink.makeBIO() else {
            SSL_free(ssl)
            SSL_CTX_free(context)
            throw .setupFailed("BIO allocation failed")
        }
        // An empty input BIO means "no datagram yet", not end of stream.
        _ = kvs_BIO_set_mem_eof_return(readBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // the SSL owns both BIOs from here on
        _ = kvs_SSL_set_mtu(ssl, configuration.mtu)
        DTLS_set_timer_cb(ssl) { ssl, previous in
            guard let endpoint = DTLSEndpoint.from(ssl: ssl) else { return previous == 0 ? 1_000_000 : previous * 2 }
            return endpoint.retransmissionTimeout(previousMicroseconds: previous)
        }
        switch configuration.role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return Handles(context: context, ssl: ssl, readBIO: readBIO)
    }

    /// Applies the WebRTC profile to a context; returns OpenSSL's reason on failure.
    private static func configure(_ context: OpaquePointer, _ configuration: Configuration) -> String? {
        let certificate = configuration.certificate
        let profiles = configuration.srtpProfiles.map(\.rawValue).joined(separator: ":")
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

    static func from(ssl: OpaquePointer?) -> DTLSEndpoint? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, 0) else { return nil }
        return Unmanaged<DTLSEndpoint>.fromOpaque(raw).takeUnretainedValue()
    }
}
