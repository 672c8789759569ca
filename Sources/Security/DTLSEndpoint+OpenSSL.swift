import COpenSSL

extension DTLSEndpoint {
    struct Handles {
        var ssl: OpaquePointer
        var readBIO: OpaquePointer
    }

    /// Builds the `SSL` with a memory BIO for input and the datagram sink for output; frees
    /// everything it made if a step fails.
    static func makeHandles(_ configuration: Configuration, sink: DTLSDatagramSink) throws(DTLSError) -> Handles {
        ERR_clear_error()
        guard let ssl = SSL_new(configuration.context.handle) else {
            throw .setupFailed(DTLSLibrary.openSSLErrorString())
        }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setupFailed("BIO allocation failed")
        }
        guard let writeBIO = sink.makeBIO() else {
            BIO_free(readBIO)
            SSL_free(ssl)
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
        return Handles(ssl: ssl, readBIO: readBIO)
    }

    static func from(ssl: OpaquePointer?) -> DTLSEndpoint? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, 0) else { return nil }
        return Unmanaged<DTLSEndpoint>.fromOpaque(raw).takeUnretainedValue()
    }
}
