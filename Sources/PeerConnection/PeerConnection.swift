import DataChannel
import EventLoop
import ICE
import ICETransport
import KVSCrypto
import SDP
import Security
import WireKit

/// One WebRTC peer connection (RFC 8825 overview; JSEP, RFC 8829): ICE (RFC 8445, through an
/// ``ICETransport``) carrying, demultiplexed by first byte (RFC 7983), DTLS 1.2 (RFC 6347) with
/// the DTLS-SRTP extension (RFC 5764) keying SRTP/SRTCP (RFC 3711), and SCTP over DTLS
/// (RFC 8261) for data channels (RFC 8831, RFC 8832). The master creates one per viewer.
///
/// ## Answering (the usual case)
/// Create it from the viewer's offer (``init(remoteOffer:configuration:loop:rng:)``), call
/// ``start()``, and signal the ``PeerConnectionEvent/localDescription(_:)`` it reports: at once
/// with `a=ice-options:trickle` when the offer trickles (then candidates follow as
/// ``PeerConnectionEvent/localCandidate(_:mid:)``), after gathering otherwise. Trickled remote
/// candidates go to ``addRemoteCandidate(_:)``. Our answer takes `a=setup:active` for an
/// `actpass` offer, so we are the DTLS client and start the handshake once ICE has a pair.
///
/// ## Offering
/// ``init(offeringWith:loop:rng:)`` builds an offer (``JSEPOffer``) on ``start()``; the peer's
/// answer goes to ``setRemoteAnswer(_:)``.
///
/// ## Timers
/// Everything runs on the loop: ICE's timers inside the transport, one loop timer for DTLS's
/// retransmission deadline (``DTLSEndpoint/pollTimeout()``, re-armed after every input), and,
/// once the SCTP association exists, a tick every ``SCTPLibrary/recommendedTickMilliseconds``
/// that hands usrsctp the real elapsed time (``SCTPTimerClock``).
///
/// ## Threading
/// Not `Sendable`: `init`, every method and every callback run on the loop thread.
public final class PeerConnection {
    /// State changes, descriptions, candidates and data-channel events.
    public var onEvent: ((PeerConnectionEvent) -> Void)?
    /// Incoming RTP packets, already unprotected (SRTP failures are counted, not delivered).
    public var onRTP: (([UInt8]) -> Void)?
    /// Incoming RTCP compound packets, already unprotected.
    public var onRTCP: (([UInt8]) -> Void)?

    public let loop: EventLoop
    public let configuration: PeerConnectionConfiguration
    public let transport: ICETransport
    public let isOfferer: Bool
    public internal(set) var state: PeerConnectionState = .new
    /// Why the connection failed (a log-ready reason), once ``state`` is `.failed`.
    public internal(set) var failure: PeerConnectionFailure?
    /// Why the data-channel association ended abnormally, if it did (the connection stays up).
    public internal(set) var sctpFailure: SCTPFailure?
    public internal(set) var localDescription: SessionDescription?
    public internal(set) var remoteDescription: SessionDescription?
    /// When the milestones happened, on the loop's clock.
    public internal(set) var timeline = PeerConnectionTimeline()

    var remote: RemoteTransportParameters?
    var dtlsRole: DTLSRole?
    var dtls: DTLSEndpoint?
    var dtlsConnection: DTLSConnection?
    var dtlsClosed = false
    var srtpOutbound: SRTPSession?
    var srtpInbound: SRTPSession?
    var sctp: SCTPAssociation?
    var dtlsTimer: TimerID?
    var armedDTLSDeadline: Instant?
    var sctpTicker: TimerID?
    var counters = TransportCounters()
    var channelCounters: [UInt16: DataChannelCounters] = [:]
    var pendingEvents: [PeerConnectionEvent] = []
    var isDelivering = false
    var isPumping = false
    var pumpAgain = false
    var phase = Phase.idle
    let sessionID: UInt64

    enum Phase: Equatable {
        case idle
        /// Started; the local description is out once `localDescription` is set.
        case running
        case closed
    }

    /// Answers `offer` (a viewer's offer). Throws when the offer has no usable transport
    /// section, ICE credentials, fingerprint or setup.
    public init(
        remoteOffer offer: SessionDescription, configuration: PeerConnectionConfiguration, loop: EventLoop,
        rng: any RandomNumberGenerator & Sendable = SecureRandom()
    ) throws(PeerConnectionError) {
        assert(loop.isOnLoopThread, "PeerConnection must be created on its loop thread")
        let remote = try RemoteTransportParameters(offer)
        // RFC 8842 §5.3: an absent a=setup is taken as actpass, as common stacks do.
        let setup = remote.setup ?? .actpass
        guard let role = DTLSRole(answeringRemoteSetup: setup.rawValue) else { throw .unusableSetup(setup.rawValue) }
        self.loop = loop
        self.configuration = configuration
        self.isOfferer = false
        self.remote = remote
        self.remoteDescription = offer
        self.dtlsRole = role
        var random = SecureRandom()
        sessionID = random.next()
        transport = ICETransport(
            role: remote.iceLite ? .controlling : .controlled, configuration: configuration.transport, loop: loop,
            rng: rng)
        timeline.created = loop.now
        dtls = try Self.makeDTLS(role: role, remote: remote, configuration: configuration)
        wireTransport()
    }

    /// Offers (the answer comes to ``setRemoteAnswer(_:)``); ICE controlling, `a=setup:actpass`.
    public init(
        offeringWith configuration: PeerConnectionConfiguration, loop: EventLoop,
        rng: any RandomNumberGenerator & Sendable = SecureRandom()
    ) {
        assert(loop.isOnLoopThread, "PeerConnection must be created on its loop thread")
        self.loop = loop
        self.configuration = configuration
        self.isOfferer = true
        var random = SecureRandom()
        sessionID = random.next()
        transport = ICETransport(role: .controlling, configuration: configuration.transport, loop: loop, rng: rng)
        timeline.created = loop.now
        wireTransport()
    }

    deinit {
        // Timer handlers hold the connection weakly, so a timer left behind (a connection
        // dropped off the loop thread, where the loop cannot be touched) only finds nil.
        guard loop.isOnLoopThread else { return }
        if let dtlsTimer { loop.cancel(dtlsTimer) }
        if let sctpTicker { loop.cancel(sctpTicker) }
    }

    static func makeDTLS(
        role: DTLSRole, remote: RemoteTransportParameters, configuration: PeerConnectionConfiguration
    ) throws(PeerConnectionError) -> DTLSEndpoint {
        do throws(DTLSError) {
            return try DTLSEndpoint(
                configuration: DTLSEndpoint.Configuration(
                    role: role, context: configuration.dtlsContext, remoteFingerprints: remote.fingerprints,
                    handshakeTimeout: configuration.dtlsHandshakeTimeout))
        } catch .noUsableFingerprint {
            throw .noUsableFingerprint
        } catch {
            throw .dtls(error)
        }
    }

    private func wireTransport() {
        transport.onEvent = { [weak self] event in self?.handleTransportEvent(event) }
        transport.onData = { [weak self] datagram in self?.handleDatagram(datagram) }
    }

    // MARK: - Commands

    /// Starts ICE (binding sockets, gathering) and, as DTLS server, waits for the ClientHello.
    /// The local description follows as an event (see the type's documentation).
    public func start() throws(PeerConnectionError) {
        guard phase == .idle else { throw phase == .closed ? .closed : .wrongPhase("already started") }
        phase = .running
        do throws(ICETransportError) {
            try transport.start()
        } catch {
            throw .transport(error)
        }
        if let remote { applyRemoteICE(remote) }
        if dtlsRole == .server { dtls?.start(now: loop.now) }
        if isTrickling { publishLocalDescription(endOfCandidates: false) }
        pump()
    }

    /// The peer's answer to our offer (offerer only).
    public func setRemoteAnswer(_ answer: SessionDescription) throws(PeerConnectionError) {
        guard isOfferer, remoteDescription == nil else { throw .wrongPhase("no offer of ours awaits an answer") }
        guard phase != .closed else { throw .closed }
        if let offer = localDescription {
            guard answer.media.count == offer.media.count,
                zip(answer.media, offer.media).allSatisfy({ $0.mid == $1.mid })
            else { throw .answerMismatch("m-lines or mids differ") }
        }
        let remote = try RemoteTransportParameters(answer)
        // RFC 8842 §5.2: the answerer is active (we are the DTLS server) or passive (client).
        let role: DTLSRole
        switch remote.setup {
        case .active: role = .server
        case .passive: role = .client
        case let other: throw .unusableSetup(other?.rawValue)
        }
        dtls = try Self.makeDTLS(role: role, remote: remote, configuration: configuration)
        self.remote = remote
        remoteDescription = answer
        dtlsRole = role
        if phase == .running {
            applyRemoteICE(remote)
            if role == .server { dtls?.start(now: loop.now) }
            startDTLSClientIfReady()
        }
        pump()
    }

    /// A trickled remote candidate (RFC 8838 §4).
    public func addRemoteCandidate(_ candidate: CandidateAttribute) {
        guard phase == .running else { return }
        transport.addRemoteCandidate(candidate)
    }

    /// The peer signaled end-of-candidates (RFC 8838 §4.3).
    public func addRemoteEndOfCandidates() {
        guard phase == .running else { return }
        transport.addRemoteEndOfCandidates()
    }

    /// Ends the connection: SCTP SHUTDOWN (best effort), DTLS close_notify (RFC 5246 §7.2.1),
    /// then ICE (TURN allocations released). Reports `closed`; nothing follows.
    public func close() {
        guard phase != .closed else { return }
        if let sctp {
            sctp.close()
            pump()
        }
        if let dtls {
            dtls.close(now: loop.now)
            while let datagram = dtls.pollTransmit() { sendDatagram(datagram) }
        }
        phase = .closed
        transport.close()
        if let dtlsTimer { loop.cancel(dtlsTimer) }
        if let sctpTicker { loop.cancel(sctpTicker) }
        dtlsTimer = nil
        sctpTicker = nil
        armedDTLSDeadline = nil
        for id in channelCounters.keys { channelCounters[id]?.state = .closed }
        sctp = nil
        updateState()
        deliverEvents()
    }

    // MARK: - Observation

    public var localCredentials: ICECredentials { transport.localCredentials }
    public var selectedPair: ICESelectedPair? { transport.selectedPair }
    public var iceConnectionState: ICEConnectionState { transport.connectionState }
    /// The negotiated SRTP profile, once DTLS is connected.
    public var srtpProfile: SRTPProfile? { dtlsConnection?.srtpProfile }
    /// Whether the remote description trickles (answerer) or our offer does (offerer).
    public var isTrickling: Bool {
        isOfferer ? configuration.offerTrickle : (configuration.answerTrickle ?? remote?.trickle ?? false)
    }
    /// The mid trickled candidates are signaled with (the BUNDLE transport section).
    public var transportMID: String { localDescription?.media.first { $0.port != 0 }?.mid ?? remote?.transportMID ?? "0" }

    // MARK: - Local description

    func publishLocalDescription(endOfCandidates: Bool) {
        guard localDescription == nil else { return }
        let candidates = transport.localCandidateAttributes.filter { configuration.signalsHostCandidates || $0.type != .host }
        let fingerprint = configuration.dtlsContext.certificate.fingerprint
        let description: SessionDescription
        if isOfferer {
            description = JSEPOffer.make(
                JSEPOffer.Local(
                    credentials: transport.localCredentials, fingerprint: fingerprint, candidates: candidates,
                    endOfCandidates: endOfCandidates, trickle: configuration.offerTrickle, video: configuration.offerVideo,
                    sctpPort: configuration.sctpPort, maxMessageSize: configuration.maxMessageSize, sessionID: sessionID))
        } else if let offer = remoteDescription, let role = dtlsRole {
            description = JSEPAnswer.make(
                offer: offer,
                local: JSEPAnswer.Local(
                    credentials: transport.localCredentials, fingerprint: fingerprint,
                    setup: role == .client ? .active : .passive, candidates: candidates,
                    endOfCandidates: endOfCandidates, trickle: isTrickling,
                    sctpPort: configuration.sctpPort, maxMessageSize: configuration.maxMessageSize, sessionID: sessionID,
                    mediaAnswerer: configuration.mediaAnswerer))
        } else {
            return
        }
        localDescription = description
        timeline.localDescription = loop.now
        queue(.localDescription(description))
    }

    func applyRemoteICE(_ remote: RemoteTransportParameters) {
        transport.setRemoteCredentials(remote.credentials)
        for candidate in remote.candidates { transport.addRemoteCandidate(candidate) }
        if remote.endOfCandidates { transport.addRemoteEndOfCandidates() }
    }
}

/// When a ``PeerConnection`` reached its milestones (loop clock), for logs and measurements.
public struct PeerConnectionTimeline: Sendable, Equatable {
    public var created: Instant?
    public var localDescription: Instant?
    public var iceConnected: Instant?
    public var dtlsConnected: Instant?
    public var firstDataChannelOpen: Instant?

    public init() {}
}
