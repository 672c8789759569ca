import COpenSSL
import WireKit

/// Which certificate authorities a TLS connection to a TURN server trusts (RFC 8656 §3.1,
/// `turns:` URIs of RFC 7065).
public enum TLSTrustStore: Hashable, Sendable, CustomStringConvertible {
    /// OpenSSL's default locations (the system store, e.g. `/etc/ssl/certs` on Debian).
    case system
    /// A PEM file of CA certificates.
    case caFile(String)
    /// A directory of CA certificates in OpenSSL's hashed layout (`c_rehash`).
    case caDirectory(String)

    public var description: String {
        switch self {
        case .system: "the system store"
        case .caFile(let path): "CA file \(path)"
        case .caDirectory(let path): "CA directory \(path)"
        }
    }
}

/// Why TLS to a TURN server failed. The texts come from OpenSSL and name no secrets.
public enum TLSStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The context or connection could not be set up (e.g. the CA file cannot be read).
    case setup(String)
    /// The server's certificate chain or name did not verify (RFC 6125); no fallback to an
    /// unverified connection exists.
    case certificateVerification(String)
    case handshake(String)
    /// A record could not be read or written after the handshake.
    case stream(String)
    /// The server sent close_notify.
    case closedByPeer

    public var description: String {
        switch self {
        case .setup(let text): "TLS setup failed: \(text)"
        case .certificateVerification(let text): "TLS certificate verification failed: \(text)"
        case .handshake(let text): "TLS handshake failed: \(text)"
        case .stream(let text): "TLS stream error: \(text)"
        case .closedByPeer: "TLS closed by the server"
        }
    }
}

/// A TLS 1.2+ client (RFC 8446, RFC 5246) over memory BIOs: ciphertext from the TCP
/// connection goes in, plaintext and ciphertext to write come out, so the event loop's
/// non-blocking ``EventLoop/TCPConnection`` carries it without blocking calls.
///
/// The peer must present a chain to the configured ``TLSTrustStore`` naming `serverName`
/// (a DNS name, sent as SNI per RFC 6066 §3, or an IP literal, matched against IP SANs).
/// Owns its `SSL_CTX` and `SSL` (which owns both BIOs). Used on the loop thread only.
final class TLSClientStream {
    enum State {
        case idle
        case handshaking
        case established
        case closed
        case failed(TLSStreamError)
    }

    /// What one input produced.
    struct Output {
        /// Ciphertext for the TCP connection.
        var toSend: [UInt8] = []
        /// Application bytes from the server.
        var received: [UInt8] = []
        /// The handshake completed during this input.
        var established = false
    }

    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private(set) var state = State.idle
    let serverName: String
    /// One TLS record's worth of plaintext, reused by every read.
    private var readBuffer = [UInt8](repeating: 0, count: 16_384)

    init(serverName: String, trust: TLSTrustStore) throws(TLSStreamError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .setup(Self.errorText()) }
        guard kvs_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            SSL_CTX_free(context)
            throw .setup(Self.errorText())
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded: Int32
        switch trust {
        case .system: loaded = SSL_CTX_set_default_verify_paths(context)
        case .caFile(let path): loaded = SSL_CTX_load_verify_locations(context, path, nil)
        case .caDirectory(let path): loaded = SSL_CTX_load_verify_locations(context, nil, path)
        }
        guard loaded == 1 else {
            SSL_CTX_free(context)
            throw .setup("cannot load \(trust): \(Self.errorText())")
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw .setup(Self.errorText())
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            SSL_CTX_free(context)
            throw .setup("BIO allocation failed")
        }
        // An empty input BIO means "more bytes later", not end of stream.
        _ = kvs_BIO_set_mem_eof_return(readBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        self.context = context
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.serverName = serverName
        SSL_set_connect_state(ssl)
        if Self.isIPLiteral(serverName) {
            // RFC 6066 §3 forbids IP literals in SNI; the address is checked against IP SANs.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1 else {
                throw .setup("invalid IP address \(serverName)")
            }
        } else {
            guard kvs_SSL_set_tlsext_host_name(ssl, serverName) == 1, SSL_set1_host(ssl, serverName) == 1 else {
                throw .setup("invalid server name \(serverName): \(Self.errorText())")
            }
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Sends the ClientHello (call once the TCP connection is up).
    func start() throws(TLSStreamError) -> Output {
        guard case .idle = state else { return Output() }
        state = .handshaking
        var output = Output()
        try advance(&output)
        return output
    }

    /// Ciphertext read from the connection.
    func handle(_ ciphertext: [UInt8]) throws(TLSStreamError) -> Output {
        switch state {
        case .handshaking, .established: break
        case .idle, .closed: return Output()
        case .failed(let error): throw error
        }
        var output = Output()
        guard !ciphertext.isEmpty else { return output }
        let written = ciphertext.withUnsafeBytes { BIO_write(readBIO, $0.baseAddress, Int32(clamping: $0.count)) }
        guard written == Int32(clamping: ciphertext.count) else { throw fail(.stream("input buffer write failed")) }
        try advance(&output)
        return output
    }

    /// Encrypts application bytes; returns the ciphertext to write.
    func write(_ plaintext: [UInt8]) throws(TLSStreamError) -> [UInt8] {
        guard case .established = state else {
            if case .failed(let error) = state { throw error }
            throw .stream("not established")
        }
        guard !plaintext.isEmpty else { return [] }
        ERR_clear_error()
        // A memory BIO always takes the whole record, so SSL_write never wants to retry.
        let written = plaintext.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32(clamping: $0.count)) }
        guard written == Int32(clamping: plaintext.count) else { throw fail(.stream(Self.errorText())) }
        return drainOutput()
    }

    /// Sends close_notify (RFC 8446 §6.1); returns its ciphertext.
    func close() -> [UInt8] {
        switch state {
        case .handshaking, .established:
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            state = .closed
            return drainOutput()
        case .idle:
            state = .closed
            return []
        case .closed, .failed:
            return []
        }
    }

    // MARK: - Driving OpenSSL

    private func advance(_ output: inout Output) throws(TLSStreamError) {
        if case .handshaking = state {
            ERR_clear_error()
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                state = .established
                output.established = true
            } else {
                let code = SSL_get_error(ssl, result)
                output.toSend += drainOutput()
                guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE else {
                    throw fail(handshakeError())
                }
                return
            }
        }
        try readPlaintext(&output)
        output.toSend += drainOutput()
    }

    private func readPlaintext(_ output: inout Output) throws(TLSStreamError) {
        while case .established = state {
            ERR_clear_error()
            let count = readBuffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                output.received += readBuffer[0..<Int(count)]
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                throw fail(.closedByPeer)
            default:
                throw fail(.stream(Self.errorText()))
            }
        }
    }

    /// What OpenSSL wrote into the output BIO.
    private func drainOutput() -> [UInt8] {
        let pending = kvs_BIO_ctrl_pending(writeBIO)
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(pending))
        let read = bytes.withUnsafeMutableBytes { BIO_read(writeBIO, $0.baseAddress, Int32(clamping: $0.count)) }
        return read > 0 ? Array(bytes[0..<Int(read)]) : []
    }

    /// A verification failure names the check that failed (and the expected name for a
    /// mismatch); anything else is OpenSSL's error text.
    private func handshakeError() -> TLSStreamError {
        let result = SSL_get_verify_result(ssl)
        if result != X509_V_OK {
            let reason = X509_verify_cert_error_string(result).map { String(cString: $0) } ?? "error \(result)"
            ERR_clear_error()
            if result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH {
                return .certificateVerification("\(reason) (expected \(serverName))")
            }
            return .certificateVerification(reason)
        }
        return .handshake(Self.errorText())
    }

    private func fail(_ error: TLSStreamError) -> TLSStreamError {
        state = .failed(error)
        return error
    }

    static func isIPLiteral(_ name: String) -> Bool { IPAddress(name) != nil }

    /// The oldest queued OpenSSL error as text; the queue is cleared.
    static func errorText() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return "unknown OpenSSL error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
