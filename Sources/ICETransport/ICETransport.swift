import EventLoop
import ICE
import KVSCrypto
import SDP
import TURN
import WireKit

/// Runs one sans-IO ``ICEAgent`` (RFC 8445) and its TURN clients (RFC 8656) on real sockets of
/// an ``EventLoop``: the I/O driver of one ICE session.
///
/// It owns one UDP socket per usable local address (host candidates, RFC 8445 §5.1.1.1; STUN
/// server requests leave from them too), one TURN client per configured server with its own
/// UDP socket, TCP connection or TLS stream over TCP (`turns:`), and one loop timer armed for
/// the earliest deadline of the agent and the clients, re-armed after every input. Datagrams
/// are demultiplexed by first byte (RFC 7983): STUN goes to the agent, data relayed by TURN is
/// unwrapped first, and anything else arriving on a valid pair goes to ``onData`` (where
/// DTLS/SRTP plug in).
///
/// ## Threading
/// Not `Sendable`, and used only on the loop thread: every method, including `init`, must be
/// called there (from the actor whose executor is the loop, or from a loop handler), and the
/// callbacks run there. Socket handlers capture the transport weakly, so dropping the last
/// reference ends the session (``close()`` first, to release the TURN allocations).
///
/// ## Not yet
/// ICE-TCP candidates (RFC 6544) and mDNS resolution.
public final class ICETransport {
    /// Events for the owner (candidates to signal, state, the selected pair, relay outcomes).
    public var onEvent: ((ICETransportEvent) -> Void)?
    /// Non-STUN datagrams that arrived on a valid pair, direct or relayed.
    public var onData: (([UInt8]) -> Void)?

    public let loop: EventLoop
    public let configuration: ICETransportConfiguration
    public internal(set) var agent: ICEAgent
    public internal(set) var statistics = ICETransportStatistics()
    /// When ``start()`` ran, by the loop's clock.
    public private(set) var startedAt: Instant?

    var hostSockets: [UDPSocket] = []
    var relays: [Relay] = []
    var timer: TimerID?
    var armedDeadline: Instant?
    var pendingEvents: [ICETransportEvent] = []
    var isDelivering = false
    var isPumping = false
    var phase = Phase.idle

    enum Phase {
        case idle
        case running
        case closed
    }

    /// - Parameters:
    ///   - role: `.controlled` when answering an offer (the master's usual role).
    ///   - credentials: local ufrag and password; random ones when nil.
    ///   - rng: the agent's generator (credentials, tie-breaker, transaction ids); `SecureRandom`
    ///     unless a test needs reproducible values. TURN clients always use `SecureRandom`.
    public init(
        role: ICERole, configuration: ICETransportConfiguration = ICETransportConfiguration(),
        credentials: ICECredentials? = nil, loop: EventLoop,
        rng: any RandomNumberGenerator & Sendable = SecureRandom()
    ) {
        assert(loop.isOnLoopThread, "ICETransport must be created on its loop thread")
        self.loop = loop
        self.configuration = configuration
        self.agent = ICEAgent(role: role, configuration: configuration.ice, credentials: credentials, rng: rng)
        for (index, server) in configuration.turnServers.enumerated() {
            relays.append(Relay(id: RelayID(UInt32(index)), server: server))
        }
    }

    deinit {
        if let timer { loop.cancel(timer) }
    }

    // MARK: - Observation

    public var localCredentials: ICECredentials { agent.localCredentials }
    public var connectionState: ICEConnectionState { agent.connectionState }
    public var selectedPair: ICESelectedPair? { agent.selectedPair }
    /// The addresses of the host sockets, best first.
    public var hostAddresses: [SocketAddress] { hostSockets.map(\.localAddress) }
    /// The local candidates gathered so far, in SDP form.
    public var localCandidateAttributes: [CandidateAttribute] {
        agent.localCandidates.filter { $0.kind != .peerReflexive }.map { $0.sdpAttribute() }
    }
    /// The relays, one per configured TURN server, in configuration order.
    public var relayIDs: [RelayID] { relays.map(\.id) }

    /// The TURN client of a relay (a copy: for inspection only).
    public func turnClient(_ relay: RelayID) -> TURNClient? {
        relays.first { $0.id == relay }?.client
    }

    // MARK: - Commands

    /// Binds the host sockets, opens the TURN connections and starts gathering. Addresses
    /// whose socket cannot be bound are skipped, as is a relay whose socket or connection
    /// cannot be opened (reported with ``ICETransportEvent/relayUnavailable(_:_:)``).
    public func start() throws(ICETransportError) {
        guard case .idle = phase else { throw phase == .closed ? .closed : .alreadyStarted }
        phase = .running
        let now = loop.now
        startedAt = now
        if configuration.ice.policy == .all {
            for ip in try candidateIPs() {
                do throws(SocketError) {
                    try openHostSocket(ip)
                } catch {
                    continue  // e.g. an address that went away since it was listed
                }
            }
        }
        var pending: [RelayID] = []
        for index in relays.indices where openRelay(index, now: now) { pending.append(relays[index].id) }
        agent.startGathering(localAddresses: hostAddresses, pendingRelays: pending, now: now)
        pump()
    }

    /// The peer's ufrag and password (from its offer or answer).
    public func setRemoteCredentials(_ credentials: ICECredentials) {
        guard phase != .closed else { return }
        agent.setRemoteCredentials(credentials, now: loop.now)
        pump()
    }

    /// A remote candidate, from a description or trickled.
    public func addRemoteCandidate(_ candidate: CandidateAttribute) {
        guard phase != .closed else { return }
        agent.addRemoteCandidate(candidate, now: loop.now)
        pump()
    }

    /// The peer signaled end-of-candidates.
    public func addRemoteEndOfCandidates() {
        guard phase != .closed else { return }
        agent.addRemoteEndOfCandidates(now: loop.now)
        pump()
    }

    /// Restarts ICE from this side (RFC 8445 §9): new local credentials, signaled in an event.
    public func restart() {
        guard phase != .closed else { return }
        agent.restart(now: loop.now)
        pump()
    }

    /// Sends one datagram on the selected pair: from its host socket, or through its relay
    /// (ChannelData once the channel is bound, a Send indication before).
    public func send(_ bytes: [UInt8]) throws(ICETransportError) {
        guard phase == .running else { throw .closed }
        guard let pair = agent.selectedPair, agent.connectionState != .failed else { throw .noSelectedPair }
        if let relay = pair.local.relay {
            guard let index = relayIndex(relay) else { throw .noSelectedPair }
            do throws(TURNSendError) {
                try relays[index].client.send(bytes, to: pair.remote.address, now: loop.now)
            } catch {
                throw .relay(error)
            }
            pump()
            return
        }
        guard let socket = hostSockets.first(where: { $0.localAddress == pair.local.base }) else {
            throw .noSelectedPair
        }
        switch socket.send(bytes, to: pair.remote.address) {
        case .sent:
            statistics.datagramsSent += 1
        case .wouldBlock:
            statistics.sendFailures += 1
            throw .wouldBlock
        case .failed(let error):
            statistics.sendFailures += 1
            throw .send(error)
        }
    }

    /// Ends the session: releases the TURN allocations (Refresh with LIFETIME 0, sent without
    /// waiting for the answer), closes every socket and connection, cancels the timer. The
    /// agent's `closed` state is reported; nothing else follows.
    public func close() {
        guard phase != .closed else { return }
        let now = loop.now
        for index in relays.indices {
            relays[index].client.close(now: now)
            flushTransmits(index)
            relays[index].closeLink()
        }
        for socket in hostSockets { socket.close() }
        hostSockets.removeAll()
        agent.close()
        while let output = agent.pollOutput() {
            if case .event(let event) = output { queue(event) }
        }
        phase = .closed
        if let timer { loop.cancel(timer) }
        timer = nil
        armedDeadline = nil
        deliverEvents()
    }

    // MARK: - Setup helpers

    /// The usable local IPs, best first, without duplicates.
    func candidateIPs() throws(ICETransportError) -> [IPAddress] {
        var listed: [IPAddress]
        if let explicit = configuration.localAddresses {
            listed = explicit
        } else {
            do throws(SocketError) {
                listed = try NetworkInterface.list().map(\.address)
            } catch {
                throw .interfaces(error)
            }
        }
        var seen: Set<IPAddress> = []
        return listed.filter { agent.acceptsLocalAddress($0) && seen.insert($0).inserted }
    }

    func openHostSocket(_ ip: IPAddress) throws(SocketError) {
        let socket = try UDPSocket(bindingTo: SocketAddress(ip: ip, port: 0), options: socketOptions)
        let local = socket.localAddress
        try socket.startReceiving(on: loop) { [weak self] datagram in
            self?.receiveHost(datagram, local: local)
        }
        hostSockets.append(socket)
    }

    var socketOptions: UDPSocket.Options {
        var options = UDPSocket.Options()
        options.maxDatagramSize = configuration.maxDatagramSize
        return options
    }

    func relayIndex(_ id: RelayID) -> Int? {
        let index = Int(id.rawValue)
        return relays.indices.contains(index) ? index : nil
    }
}
