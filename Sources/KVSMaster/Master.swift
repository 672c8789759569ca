import Dispatch
import EventLoop
import Synchronization
import ICE
import ICETransport
import Logging
import Media
import PeerConnection
import SDP
import Security
import Signaling
import WireKit

/// The daemon's owner of all protocol state (DESIGN.md, "One owner of state"): the signaling
/// client, one ``ViewerSession`` per viewer, the media fan-out and the source. Its executor
/// is the event loop, so every method runs on the loop thread; GStreamer, libcurl and
/// libwebsockets threads only hand data over with ``EventLoop/execute(_:)``.
public actor Master {
    public nonisolated let loop: EventLoop
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    public nonisolated let settings: MasterSettings

    let logger: Logger
    let certificates: CertificateProvider
    var dtlsContext: DTLSContext?
    var signaling: (any MasterSignaling)?
    var viewers: [ViewerKey: ViewerSession] = [:]
    var nextGeneration: UInt64 = 0
    var iceServers = ResolvedICEServers()
    var iceServerPlan: ICEServerResolver.Plan?
    var phase = Phase.created
    var statsTimer: TimerID?
    var storageJoinTimer: TimerID?
    var counters = MasterCounters()
    var media: MasterMedia
    let events: MasterEvents
    /// Offer → first video packet latencies, for the benchmark and the log.
    var firstPacketLatencies: [Duration] = []

    enum Phase: Equatable {
        case created
        case running
        case stopping
        case stopped
    }

    /// Creates the master on `loop`. `source` may be nil (signaling only, used by tests).
    public init(
        settings: MasterSettings, loop: EventLoop, certificates: CertificateProvider, source: (any MediaSource)?,
        events: MasterEvents = MasterEvents(), logger: Logger = Logger(label: "master")
    ) {
        self.loop = loop
        self.settings = settings
        self.certificates = certificates
        self.logger = logger
        self.events = events
        self.media = MasterMedia(settings: settings, source: source)
    }

    // MARK: Owner interface (any thread)

    /// Starts the source and the signaling client (hops onto the loop).
    public nonisolated func start(signaling client: (any MasterSignaling)?) {
        hop { $0.startOnLoop(signaling: client) }
    }

    /// Graceful shutdown: DTLS close_notify and SCTP shutdown to every viewer, the WebSocket
    /// closed; `completion` runs on the loop once everything is down or `deadline` passed.
    public nonisolated func shutdown(deadline: Duration = .milliseconds(1500), completion: @escaping @Sendable () -> Void) {
        hop { $0.shutdownOnLoop(deadline: deadline, completion: completion) }
    }

    /// Logs the full W3C-style statistics of every viewer (SIGUSR1).
    public nonisolated func dumpStatistics() {
        hop { $0.logFullStatistics() }
    }

    nonisolated func hop(_ work: @escaping @Sendable (isolated Master) -> Void) {
        loop.execute { [weak self] in
            guard let self else { return }
            self.assumeIsolated { work($0) }
        }
    }

    // MARK: Lifecycle

    func startOnLoop(signaling client: (any MasterSignaling)?) {
        guard phase == .created else { return }
        phase = .running
        signaling = client
        startMedia()
        client?.start()
        scheduleStatistics()
        logger.info(
            "master for channel \(settings.daemon.channelName) started (\(settings.daemon.mode.rawValue), max \(settings.daemon.maxViewers) viewers)")
    }

    func shutdownOnLoop(deadline: Duration, completion: @escaping @Sendable () -> Void) {
        guard phase == .running || phase == .created else {
            completion()
            return
        }
        phase = .stopping
        logger.info("shutting down: closing \(viewers.count) viewer session(s) and signaling")
        for key in Array(viewers.keys) { endSession(key, reason: "shutdown", notifySignaling: false) }
        stopMedia()
        if let statsTimer { loop.cancel(statsTimer) }
        if let storageJoinTimer { loop.cancel(storageJoinTimer) }
        statsTimer = nil
        storageJoinTimer = nil
        let done = OnceFlag()
        let finish: @Sendable () -> Void = { [weak self] in
            guard done.claim() else { return }
            self?.hop { master in master.phase = .stopped }
            completion()
        }
        loop.schedule(after: deadline) { _ in finish() }
        if let signaling {
            signaling.stop { finish() }
        } else {
            finish()
        }
    }

    // MARK: Signaling events

    /// Everything the signaling client reports (on the loop).
    public func handleSignaling(_ event: SignalingEvent) {
        guard phase == .running else { return }
        switch event {
        case .connected:
            events.signalingConnected()
            if settings.daemon.mode == .audioVideoStorage { scheduleStorageJoin(after: .zero) }
        case .disconnected(let reason):
            events.signalingDisconnected("\(reason)")
        case .offerReceived(let description, let from):
            handleOffer(description.sdp, from: ViewerKey(clientId: from))
        case .candidateReceived(let candidate, let from):
            handleRemoteCandidate(candidate, from: ViewerKey(clientId: from))
        case .iceServersUpdated(let config):
            updateICEServers(config)
        case .answerReceived(_, let from):
            logger.warning("ignoring an SDP answer from \(ViewerKey(clientId: from)): the master only answers offers")
        case .statusResponse(let status):
            logger.warning(
                "signaling rejected message \(status.correlationId): \(status.errorType ?? "error") \(status.statusCode ?? "") \(status.description ?? "")")
        case .requestFailed, .messageRejected, .candidatesDropped, .clockOffsetChanged:
            // Logged by the signaling client; it recovers by itself.
            break
        }
    }

    /// GetIceServerConfig answered (at connect and before its TTL ran out): resolve the hosts
    /// off the loop; new viewers use the result, existing ones keep their allocations.
    func updateICEServers(_ config: KVSIceServerConfig) {
        let plan = ICEServerResolver.plan(config, turnIndex: settings.daemon.iceServerIndex)
        guard plan != iceServerPlan else { return }
        iceServerPlan = plan
        let includeIPv6 = settings.ice.includeIPv6
        BlockingWork.run { [weak self] in
            let resolved = ICEServerResolver.resolve(plan, includeIPv6: includeIPv6)
            self?.hop { master in
                guard master.iceServerPlan == plan else { return }
                master.iceServers = resolved
                if !resolved.unresolved.isEmpty {
                    master.logger.warning("ICE server hosts did not resolve: \(resolved.unresolved.joined(separator: ", "))")
                }
                master.logger.info(
                    "ICE servers: \(resolved.stunServers.count) STUN, \(resolved.turnServers.map(\.description).joined(separator: "; "))")
            }
        }
    }

    // MARK: Offers and candidates

    func handleOffer(_ sdp: String, from key: ViewerKey) {
        counters.offers += 1
        if settings.daemon.logSDP { logger.notice("SDP offer from \(key):\n\(sdp)") }
        let offer: SessionDescription
        do throws(SDPError) {
            offer = try SessionDescription(parsing: sdp)
        } catch {
            counters.offersRejected += 1
            logger.warning("malformed SDP offer from \(key) ignored (no answer sent): \(error)")
            return
        }
        if viewers[key] != nil {
            logger.info("\(key) sent a new offer: replacing its session")
            endSession(key, reason: "replaced by a new offer", notifySignaling: false)
        } else if viewers.count >= settings.daemon.maxViewers {
            counters.offersRefused += 1
            logger.warning(
                "refusing the offer from \(key): \(viewers.count) viewers connected, the maximum (max-viewers) is \(settings.daemon.maxViewers)")
            return
        }
        let configuration: PeerConnectionConfiguration
        do {
            configuration = try peerConnectionConfiguration(for: key)
        } catch {
            counters.offersRejected += 1
            logger.error("cannot answer \(key): \(error)")
            return
        }
        let connection: PeerConnection
        do throws(PeerConnectionError) {
            connection = try PeerConnection(remoteOffer: offer, configuration: configuration, loop: loop)
        } catch {
            counters.offersRejected += 1
            logger.warning("unusable SDP offer from \(key) ignored (no answer sent): \(error)")
            return
        }
        nextGeneration += 1
        let session = ViewerSession(key: key, connection: connection, generation: nextGeneration, created: loop.now)
        viewers[key] = session
        wire(session)
        do throws(PeerConnectionError) {
            try connection.start()
        } catch {
            logger.warning("cannot start the session of \(key): \(error)")
            endSession(key, reason: "start failed", notifySignaling: true)
            return
        }
        logger.info("answering \(key) (\(viewers.count)/\(settings.daemon.maxViewers) viewers)")
        scheduleSetupTimeout(session)
    }

    func handleRemoteCandidate(_ candidate: SignalingIceCandidate, from key: ViewerKey) {
        guard let session = viewers[key] else {
            logger.debug("ICE candidate from \(key), which has no session: dropped")
            return
        }
        // Before bundling, browsers gather per section and trickle for every mid; only the
        // bundle transport's candidates matter (RFC 9143 §7.3).
        if let mid = candidate.sdpMid, !mid.isEmpty, mid != session.connection.transportMID {
            logger.trace("ICE candidate from \(key) for mid \(mid) (not the bundle transport) ignored")
            return
        }
        var text = Substring(candidate.candidate)
        if text.hasPrefix("a=") { text = text.dropFirst(2) }
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        if text.trimmingWhitespace().isEmpty {
            session.connection.addRemoteEndOfCandidates()
            return
        }
        do throws(SDPError) {
            let attribute = try CandidateAttribute(parsing: text)
            if attribute.connectionAddress.hasSuffix(".local") {
                logger.debug("mDNS candidate from \(key) ignored (\(attribute.connectionAddress)): no resolver on this network")
                return
            }
            session.connection.addRemoteCandidate(attribute)
        } catch {
            counters.candidatesRejected += 1
            logger.warning("malformed ICE candidate from \(key) ignored: \(error)")
        }
    }

    func peerConnectionConfiguration(for key: ViewerKey) throws -> PeerConnectionConfiguration {
        let context = try currentDTLSContext()
        var ice = settings.ice
        ice.stunServers = iceServers.stunServers
        var configuration = PeerConnectionConfiguration(
            transport: ICETransportConfiguration(
                ice: ice, localAddresses: settings.localAddresses, turnServers: iceServers.turnServers),
            dtlsContext: context)
        configuration.transport.tlsTrust = settings.turnTrust
        configuration.mediaAnswerer = media.answerer()
        // The storage session gets trickled candidates only (and no host ones, see below).
        if key == .storage {
            configuration.answerTrickle = true
            configuration.signalsHostCandidates = false
        }
        return configuration
    }

    /// The DTLS context for the current certificate (the provider rotates it in the background).
    func currentDTLSContext() throws -> DTLSContext {
        let certificate = try certificates.current(now: loop.now)
        if let dtlsContext, dtlsContext.certificate.fingerprint == certificate.fingerprint { return dtlsContext }
        let context = try DTLSContext(certificate: certificate)
        dtlsContext = context
        return context
    }

    // MARK: Sessions

    func wire(_ session: ViewerSession) {
        let key = session.key
        let generation = session.generation
        session.connection.onEvent = { [weak self] event in
            guard let self else { return }
            self.assumeIsolated { master in
                guard let current = master.viewers[key], current.generation == generation else { return }
                master.handleConnectionEvent(event, session: current)
            }
        }
        session.connection.onRTCP = { [weak self] packet in
            guard let self else { return }
            self.assumeIsolated { master in
                guard let current = master.viewers[key], current.generation == generation else { return }
                master.mediaReceivedRTCP(packet, from: current)
            }
        }
        session.connection.onRTP = { [weak self] packet in
            guard let self else { return }
            self.assumeIsolated { master in
                guard let current = master.viewers[key], current.generation == generation else { return }
                master.mediaReceivedRTP(packet, from: current)
            }
        }
    }

    func handleConnectionEvent(_ event: PeerConnectionEvent, session: ViewerSession) {
        let key = session.key
        switch event {
        case .localDescription(let answer):
            mediaViewerNegotiated(session, answer: answer)
            sendAnswer(answer, to: session)
        case .localCandidate(let candidate, let mid):
            // The storage session only gets candidates it can reach (no host candidates).
            if key == .storage, candidate.type == .host { return }
            sendCandidate(SignalingIceCandidate(candidate: "candidate:\(candidate)", sdpMid: mid, sdpMLineIndex: 0), to: session)
        case .endOfCandidates:
            break
        case .stateChanged(let state):
            logger.info("\(key): \(state.rawValue)")
            switch state {
            case .failed:
                let reason = session.connection.failure.map { "\($0)" } ?? "failed"
                logger.warning("\(key) failed: \(reason)")
                endSession(key, reason: reason, notifySignaling: true)
            case .closed:
                endSession(key, reason: "closed", notifySignaling: true)
            default:
                break
            }
        case .selectedPairChanged(let pair):
            logger.info("\(key): selected pair \(pair.local.kind.sdpName) \(pair.local.address) -> \(pair.remote.kind.sdpName) \(pair.remote.address)")
        case .dtlsConnected(let profile, let cipherSuite):
            session.mediaReady = loop.now
            logger.info(
                "\(key): DTLS connected (\(cipherSuite), SRTP \(profile)) \((loop.now - session.created).milliseconds) ms after the offer")
            mediaViewerReady(session)
        case .dataChannelTransportReady:
            break
        case .dataChannelOpened(let info):
            logger.info("\(key): data channel \(info.streamID) '\(info.parameters.label)' open")
        case .dataChannelMessage(let channel, let data, let isBinary):
            handleDataChannelMessage(data, isBinary: isBinary, channel: channel, session: session)
        case .dataChannelClosed(let channel):
            logger.debug("\(key): data channel \(channel) closed")
        }
    }

    func sendAnswer(_ answer: SessionDescription, to session: ViewerSession) {
        let sdp = answer.serialized()
        if settings.daemon.logSDP { logger.notice("SDP answer to \(session.key):\n\(sdp)") }
        let correlation = session.key == .storage ? session.nextCorrelationId() : nil
        do throws(SignalingCodecError) {
            let message = try SignalingOutgoingMessage(
                SignalingSessionDescription(kind: .answer, sdp: sdp), to: session.key.clientId, correlationId: correlation)
            signaling?.send(message)
            events.answerSent(session.key)
        } catch {
            logger.error("cannot send the answer to \(session.key): \(error)")
            endSession(session.key, reason: "answer too large", notifySignaling: true)
        }
    }

    func sendCandidate(_ candidate: SignalingIceCandidate, to session: ViewerSession) {
        let correlation = session.key == .storage ? session.nextCorrelationId() : nil
        do throws(SignalingCodecError) {
            signaling?.send(try SignalingOutgoingMessage(candidate, to: session.key.clientId, correlationId: correlation))
        } catch {
            logger.warning("cannot send an ICE candidate to \(session.key): \(error)")
        }
    }

    /// Closes and forgets a session (idempotent). Its resources go with it: the connection's
    /// sockets, TURN allocations and timers close in `close()`, the fan-out state here.
    func endSession(_ key: ViewerKey, reason: String, notifySignaling: Bool) {
        guard let session = viewers.removeValue(forKey: key) else { return }
        mediaViewerRemoved(session)
        session.connection.onEvent = nil
        session.connection.onRTP = nil
        session.connection.onRTCP = nil
        session.connection.close()
        counters.sessionsEnded += 1
        logger.info("\(key) session ended (\(reason)); \(viewers.count) viewer(s) left")
        if notifySignaling { signaling?.viewerSessionEnded(clientId: key.clientId) }
        events.sessionEnded(key)
        if key == .storage, phase == .running, settings.daemon.mode == .audioVideoStorage {
            scheduleStorageJoin(after: .seconds(1))
        }
    }

    /// A viewer that offers and then never connects (no candidates, a blocked network) must not
    /// hold a slot: its session ends after ``MasterSettings/sessionSetupTimeout``.
    func scheduleSetupTimeout(_ session: ViewerSession) {
        let key = session.key
        let generation = session.generation
        let timeout = settings.sessionSetupTimeout
        loop.schedule(after: timeout) { [weak self] _ in
            guard let self else { return }
            self.assumeIsolated { master in
                guard let current = master.viewers[key], current.generation == generation, current.mediaReady == nil else { return }
                master.logger.warning("\(key) did not connect within \(timeout): ending its session")
                master.endSession(key, reason: "not connected within \(timeout)", notifySignaling: true)
            }
        }
    }

    // MARK: Data channels

    func handleDataChannelMessage(_ data: [UInt8], isBinary: Bool, channel: UInt16, session: ViewerSession) {
        session.dataChannelMessages += 1
        counters.dataChannelMessages += 1
        let text = isBinary ? "<\(data.count) bytes binary>" : String(decoding: data, as: UTF8.self)
        if settings.daemon.dataChannelToStdout {
            events.dataChannelLine("\(session.key.clientId ?? "storage"): \(text)")
        } else {
            logger.info("\(session.key) data channel \(channel): \(text.prefix(200))")
        }
        events.dataChannelMessage(session.key, data, isBinary)
        guard let reply = settings.daemon.dataChannelReply else { return }
        do throws(PeerConnectionError) {
            try session.connection.send(text: reply, on: channel)
        } catch {
            logger.warning("cannot reply on \(session.key)'s data channel \(channel): \(error)")
        }
    }

    // MARK: Storage mode

    func scheduleStorageJoin(after delay: Duration) {
        if let storageJoinTimer { loop.cancel(storageJoinTimer) }
        storageJoinTimer = loop.schedule(after: delay) { [weak self] _ in
            guard let self else { return }
            self.assumeIsolated { $0.joinStorageSession() }
        }
    }

    func joinStorageSession() {
        storageJoinTimer = nil
        guard phase == .running, viewers[.storage] == nil, let signaling else { return }
        signaling.joinStorageSession { [weak self] result in
            guard let self else { return }
            self.assumeIsolated { master in
                if case .failure = result, master.phase == .running, master.viewers[.storage] == nil {
                    master.scheduleStorageJoin(after: .seconds(5))
                }
            }
        }
    }

}

/// Counters the master keeps for its status line and the tests.
public struct MasterCounters: Sendable, Equatable {
    public var offers = 0
    public var offersRejected = 0
    public var offersRefused = 0
    public var candidatesRejected = 0
    public var sessionsEnded = 0
    public var dataChannelMessages = 0
    public var framesDropped = 0
}


extension Master {
    /// Runs `body` on the loop and waits for its result (tests and tools). On the loop thread
    /// itself it runs `body` directly instead of waiting for itself.
    public nonisolated func inspect<T: Sendable>(_ body: @escaping @Sendable (isolated Master) -> T) -> T {
        if loop.isOnLoopThread { return assumeIsolated { body($0) } }
        let box = ResultBox<T>()
        hop { master in box.set(body(master)) }
        return box.wait()
    }

    /// How many viewer sessions exist (any state).
    public var viewerCount: Int { viewers.count }
    public var viewerKeys: [ViewerKey] { Array(viewers.keys) }
    public var masterCounters: MasterCounters { counters }
    /// Offer → first video packet latencies so far.
    public var firstPacketLatencyList: [Duration] { firstPacketLatencies }
    /// The peer connection state of a viewer.
    public func connectionState(of key: ViewerKey) -> PeerConnectionState? { viewers[key]?.connection.state }
}

/// A value handed from the loop to a waiting thread.
final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ newValue: T) {
        value.withLock { $0 = newValue }
        ready.signal()
    }

    func wait() -> T {
        ready.wait()
        return value.withLock { $0! }
    }
}
