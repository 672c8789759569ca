import COpenSSL
import KVSCrypto
import WireKit

/// One DTLS 1.2 association (RFC 6347) for DTLS-SRTP (RFC 5764) and the data channel's SCTP
/// (RFC 8261), driven sans-IO over OpenSSL.
///
/// Datagrams and `now` go in (``handle(datagram:now:)``, ``handleTimeout(now:)``); datagrams to
/// send (``pollTransmit()``), events (``pollEvent()``) and the next deadline (``pollTimeout()``)
/// come out. The peer certificate is checked against the SDP fingerprints inside OpenSSL's
/// verification callback (RFC 5763 §6.2, RFC 8122 §5), so a mismatch aborts the handshake with
/// a bad_certificate alert before any keying material exists.
///
/// Retransmission timers: OpenSSL 3.0 measures its DTLS timer with `gettimeofday` and offers no
/// way to inject a clock. ``pollTimeout()`` converts OpenSSL's remaining time into an `Instant`
/// relative to the last `now` passed in, and ``handleTimeout(now:)`` lets OpenSSL retransmit once
/// its timer has expired. With the event loop's monotonic clock both advance together; under a
/// purely virtual clock retransmissions only happen once real time has also passed.
///
/// Owns its `SSL` (which owns both BIOs; the `SSL_CTX` belongs to ``DTLSContext``) and frees them in `deinit`. Not thread
/// safe: one owner (the event loop) drives it.
public final class DTLSEndpoint {
    /// How to set up the association: role from `a=setup` (RFC 5763 §5), fingerprints from
    /// `a=fingerprint` (RFC 8122 §5), timers from RFC 6347 §4.2.4.1.
    public struct Configuration: Sendable {
        public var role: DTLSRole
        /// Certificate and SRTP profiles, shared with other endpoints.
        public var context: DTLSContext
        /// The peer's `a=fingerprint` values (RFC 8122); the preferred accepted algorithm is used.
        public var remoteFingerprints: [CertificateFingerprint]
        /// Largest datagram to send (WebRTC keeps UDP payloads at or below 1200 bytes).
        public var mtu: Int
        /// First retransmission timeout; doubled per retransmission (RFC 6347 §4.2.4.1).
        public var initialRetransmissionTimeout: Duration
        public var maximumRetransmissionTimeout: Duration
        /// The handshake fails if not complete this long after ``DTLSEndpoint/start(now:)``.
        public var handshakeTimeout: Duration

        public init(
            role: DTLSRole, context: DTLSContext, remoteFingerprints: [CertificateFingerprint],
            mtu: Int = 1200, initialRetransmissionTimeout: Duration = .seconds(1),
            maximumRetransmissionTimeout: Duration = .seconds(60), handshakeTimeout: Duration = .seconds(30)
        ) {
            self.role = role
            self.context = context
            self.remoteFingerprints = remoteFingerprints
            self.mtu = mtu
            self.initialRetransmissionTimeout = initialRetransmissionTimeout
            self.maximumRetransmissionTimeout = maximumRetransmissionTimeout
            self.handshakeTimeout = handshakeTimeout
        }

        /// With a context of its own (about 19 KB more per endpoint than sharing one).
        public init(
            role: DTLSRole, certificate: DTLSCertificate, remoteFingerprints: [CertificateFingerprint],
            srtpProfiles: [SRTPProfile] = DTLSContext.defaultSRTPProfiles,
            mtu: Int = 1200, initialRetransmissionTimeout: Duration = .seconds(1),
            maximumRetransmissionTimeout: Duration = .seconds(60), handshakeTimeout: Duration = .seconds(30)
        ) throws(DTLSError) {
            self.init(
                role: role, context: try DTLSContext(certificate: certificate, srtpProfiles: srtpProfiles),
                remoteFingerprints: remoteFingerprints, mtu: mtu,
                initialRetransmissionTimeout: initialRetransmissionTimeout,
                maximumRetransmissionTimeout: maximumRetransmissionTimeout, handshakeTimeout: handshakeTimeout)
        }

        public var certificate: DTLSCertificate { context.certificate }
        public var srtpProfiles: [SRTPProfile] { context.srtpProfiles }
    }

    /// Where the association is in the RFC 6347 §4.2.4 handshake and after it.
    public enum State: Sendable, Equatable {
        case idle
        case handshaking(startedAt: Instant)
        case connected(DTLSConnection)
        case closed
        case failed(DTLSError)
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    public private(set) var statistics = DTLSStatistics()

    let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let sink: DTLSDatagramSink
    private var events: [DTLSEvent] = []
    private var lastNow = Instant.zero
    /// Set by the verification callback: the fingerprint that matched, or why none did.
    var verifiedRemote: CertificateFingerprint?
    var verificationFailure: DTLSError?
    private let verificationAlgorithm: DigestAlgorithm

    /// Largest plaintext in one record (RFC 6347 §4.1).
    public static let maximumApplicationDataLength = 16_384

    public init(configuration: Configuration) throws(DTLSError) {
        guard let algorithm = CertificateFingerprint.preferredAlgorithm(in: configuration.remoteFingerprints) else {
            throw .noUsableFingerprint
        }
        let sink = DTLSDatagramSink(mtu: configuration.mtu)
        let handles = try Self.makeHandles(configuration, sink: sink)
        self.configuration = configuration
        self.verificationAlgorithm = algorithm
        self.sink = sink
        ssl = handles.ssl
        readBIO = handles.readBIO
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        SSL_free(ssl)
    }

    // MARK: Inputs

    /// Starts the handshake; a client sends its ClientHello now.
    public func start(now: Instant) {
        lastNow = now
        guard case .idle = state else { return }
        enter(.handshaking(startedAt: now))
        drive()
    }

    /// A datagram whose first byte is 20–63 (RFC 7983 demultiplexing). Junk is counted and
    /// dropped; nothing here traps on input.
    public func handle(datagram: some Collection<UInt8>, now: Instant) {
        lastNow = now
        statistics.datagramsReceived += 1
        switch state {
        case .handshaking, .connected: break
        case .idle, .closed, .failed:
            statistics.ignoredDatagrams += 1
            return
        }
        let bytes = Array(datagram)
        guard DTLSRecordFraming.isWellFormed(bytes) else {
            statistics.malformedDatagrams += 1
            return
        }
        let written = bytes.withUnsafeBytes { BIO_write(readBIO, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(bytes.count) else {
            statistics.malformedDatagrams += 1
            return
        }
        drive()
    }

    /// Runs expired timers: the handshake deadline and OpenSSL's retransmission timer.
    public func handleTimeout(now: Instant) {
        lastNow = now
        switch state {
        case .handshaking(let startedAt):
            if now - startedAt >= configuration.handshakeTimeout {
                fail(.handshakeTimedOut)
                return
            }
            ERR_clear_error()
            if kvs_DTLSv1_handle_timeout(ssl) < 0 {
                let reason = DTLSLibrary.openSSLErrorString()
                fail(reason.containsText("read timeout expired") ? .handshakeTimedOut : .handshakeFailed(reason))
            }
        case .connected:
            ERR_clear_error()
            _ = kvs_DTLSv1_handle_timeout(ssl)
        case .idle, .closed, .failed:
            return
        }
    }

    /// Sends application data in one record (for SCTP packets; RFC 8261 §5 keeps them under the MTU).
    public func send(applicationData bytes: [UInt8]) throws(DTLSError) {
        guard case .connected = state else { throw .notConnected }
        guard !bytes.isEmpty else { return }
        guard bytes.count <= Self.maximumApplicationDataLength else { throw .messageTooLarge(bytes.count) }
        ERR_clear_error()
        let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(bytes.count) else {
            let error = DTLSError.protocolError(DTLSLibrary.openSSLErrorString())
            fail(error)
            throw error
        }
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and ends the association.
    public func close(now: Instant) {
        lastNow = now
        switch state {
        case .handshaking, .connected:
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            enter(.closed)
        case .idle:
            enter(.closed)
        case .closed, .failed:
            return
        }
    }

    // MARK: Outputs

    /// The next datagram to send to the peer, if any.
    public func pollTransmit() -> [UInt8]? {
        guard let datagram = sink.next() else { return nil }
        statistics.datagramsSent += 1
        return datagram
    }

    public func pollEvent() -> DTLSEvent? {
        events.isEmpty ? nil : events.removeFirst()
    }

    /// When ``handleTimeout(now:)`` should next run: the earlier of OpenSSL's retransmission
    /// timer and the handshake deadline.
    public func pollTimeout() -> Instant? {
        var deadline: Instant?
        if case .handshaking(let startedAt) = state { deadline = startedAt + configuration.handshakeTimeout }
        switch state {
        case .handshaking, .connected:
            var remaining = timeval()
            if kvs_DTLSv1_get_timeout(ssl, &remaining) == 1 {
                let retransmit = lastNow + .seconds(remaining.tv_sec) + .microseconds(remaining.tv_usec)
                deadline = min(deadline ?? retransmit, retransmit)
            }
        case .idle, .closed, .failed:
            break
        }
        return deadline
    }

    public var isClient: Bool { configuration.role == .client }

    // MARK: Driving OpenSSL

    private func drive() {
        if case .handshaking = state {
            ERR_clear_error()
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                completeHandshake()
            } else {
                let code = SSL_get_error(ssl, result)
                if code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE {
                    fail(verificationFailure ?? .handshakeFailed(DTLSLibrary.openSSLErrorString()))
                }
                return
            }
        }
        if case .connected = state { readApplicationData() }
    }

    private func readApplicationData() {
        // A scratch buffer for one record: nothing persistent per endpoint, nothing zero-filled.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumApplicationDataLength) { buffer in
            while case .connected = state {
                ERR_clear_error()
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                if count > 0 {
                    events.append(.applicationData(Array(buffer[0..<Int(count)])))
                    continue
                }
                switch SSL_get_error(ssl, count) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                    return
                case SSL_ERROR_ZERO_RETURN:
                    // The peer sent close_notify; answer with ours.
                    _ = SSL_shutdown(ssl)
                    enter(.closed)
                default:
                    fail(.protocolError(DTLSLibrary.openSSLErrorString()))
                }
            }
        }
    }

    private func completeHandshake() {
        switch connectionFacts() {
        case .success(let connection): enter(.connected(connection))
        case .failure(let error): fail(error)
        }
    }

    /// Everything SRTP needs, released only after the peer certificate matched the SDP.
    private func connectionFacts() -> Result<DTLSConnection, DTLSError> {
        guard let peer = SSL_get0_peer_certificate(ssl) else { return .failure(.missingPeerCertificate) }
        // The callback already checked this certificate; check again what the handshake ended with.
        guard let remote = verifiedRemote, matchesRemoteFingerprint(peer) == remote else {
            return .failure(verificationFailure ?? .fingerprintMismatch(algorithm: verificationAlgorithm))
        }
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let name = kvs_SRTP_PROTECTION_PROFILE_name(selected),
              let profile = SRTPProfile(dtlsName: String(cString: name)),
              configuration.srtpProfiles.contains(profile)
        else { return .failure(.noSRTPProfileNegotiated) }
        var exported = [UInt8](repeating: 0, count: SRTPKeyingMaterial.exportLength(for: profile))
        defer { for i in exported.indices { exported[i] = 0 } }
        let label = "EXTRACTOR-dtls_srtp"
        let ok = exported.withUnsafeMutableBufferPointer { out in
            SSL_export_keying_material(ssl, out.baseAddress, out.count, label, label.utf8.count, nil, 0, 0)
        }
        guard ok == 1, let keys = SRTPKeyingMaterial(exported: exported, profile: profile, isClient: isClient) else {
            return .failure(.keyExportFailed)
        }
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        return .success(DTLSConnection(srtpProfile: profile, keyingMaterial: keys, remoteFingerprint: remote, cipherSuite: cipher))
    }

    /// The peer certificate's fingerprint when it matches one of the SDP fingerprints of the
    /// preferred algorithm (RFC 8122 §5), else nil.
    func matchesRemoteFingerprint(_ certificate: OpaquePointer) -> CertificateFingerprint? {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_X509(certificate, &cursor)
        }
        guard written == length,
              let actual = try? CertificateFingerprint(algorithm: verificationAlgorithm, der: der),
              configuration.remoteFingerprints.contains(actual)
        else { return nil }
        return actual
    }

    /// Called from OpenSSL's verification callback with the peer's leaf certificate.
    func verifyPeer(_ certificate: OpaquePointer) -> Bool {
        if let match = matchesRemoteFingerprint(certificate) {
            verifiedRemote = match
            return true
        }
        verifiedRemote = nil
        verificationFailure = .fingerprintMismatch(algorithm: verificationAlgorithm)
        return false
    }

    /// Called from OpenSSL's timer callback: 0 starts a flight's timer, anything else is the
    /// timeout that just expired (a retransmission).
    func retransmissionTimeout(previousMicroseconds previous: UInt32) -> UInt32 {
        let initial = Self.microseconds(configuration.initialRetransmissionTimeout)
        let maximum = max(initial, Self.microseconds(configuration.maximumRetransmissionTimeout))
        guard previous > 0 else { return initial }
        statistics.retransmissions += 1
        return UInt32(min(UInt64(previous) * 2, UInt64(maximum)))
    }

    /// OpenSSL treats less than 15 ms left as expired; shorter timeouts would retransmit at once.
    private static func microseconds(_ duration: Duration) -> UInt32 {
        let value = duration.nanoseconds / 1_000
        return UInt32(clamping: max(20_000, value))
    }

    // MARK: State

    private func fail(_ error: DTLSError) {
        enter(.failed(error))
    }

    /// The one place the state changes; reports the change as an event.
    private func enter(_ next: State) {
        switch (state, next) {
        case (.closed, _), (.failed, _):
            return
        case (_, .connected(let connection)):
            events.append(.connected(connection))
        case (_, .failed(let error)):
            events.append(.failed(error))
        case (.idle, .closed):
            break
        case (_, .closed):
            events.append(.closed)
        case (_, .idle), (_, .handshaking):
            break
        }
        state = next
    }
}
