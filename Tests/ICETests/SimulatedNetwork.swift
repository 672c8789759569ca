import ICE
import SDP
import STUN
import Testing
import WireKit

/// A deterministic network for two ICE agents under a virtual clock: per-datagram delay with
/// jitter (so datagrams reorder), loss, cuts, blocked paths, an optional NAT in front of a peer,
/// a STUN server and TURN-like relays, and a signaling channel carrying candidates in trickle
/// or full (all at once) mode.
struct SimulatedNetwork {
    /// A NAT with endpoint-independent mapping and address-and-port-dependent filtering
    /// (RFC 4787): one external port per internal socket, inbound only from destinations the
    /// internal socket has sent to.
    struct NAT {
        var externalIP: IPAddress
        var mappings: [SocketAddress: SocketAddress] = [:]
        var permissions: Set<[SocketAddress]> = []
        var nextPort: UInt16 = 40000

        mutating func outbound(_ source: SocketAddress, to destination: SocketAddress) -> SocketAddress {
            let external = mappings[source] ?? {
                defer { nextPort += 1 }
                return SocketAddress(ip: externalIP, port: nextPort)
            }()
            mappings[source] = external
            permissions.insert([external, destination])
            return external
        }

        func inbound(_ external: SocketAddress, from source: SocketAddress) -> SocketAddress? {
            guard permissions.contains([external, source]) else { return nil }
            return mappings.first { $0.value == external }?.key
        }
    }

    struct Peer {
        var name: String
        var agent: ICEAgent
        var hostAddresses: [SocketAddress]
        var nat: NAT?
        /// Relays this peer owns: relay id → relayed address on the (public) relay server.
        var relays: [RelayID: SocketAddress] = [:]
        var events: [(time: Instant, event: ICEEvent)] = []
        var sent: [Transmit] = []
        var sentTimes: [(time: Instant, transmit: Transmit)] = []
        var relaySent: [RelayTransmit] = []
        /// Full mode: candidates held back until end-of-candidates.
        var heldCandidates: [ICECandidate] = []
    }

    struct Datagram {
        var deliverAt: Instant
        var sequence: Int
        var source: SocketAddress
        var destination: SocketAddress
        var payload: [UInt8]
    }

    struct Signal {
        var deliverAt: Instant
        var sequence: Int
        var to: Int
        var action: Action
        enum Action {
            case candidate(CandidateAttribute)
            case endOfCandidates
            case credentials(ICECredentials)
        }
    }

    var peers: [Peer]
    var now = Instant.zero
    var delay: Duration = .milliseconds(20)
    var jitter: Duration = .zero
    var lossRate = 0.0
    var signalingDelay: Duration = .milliseconds(100)
    var trickle = true
    var forwardEndOfCandidates = true
    var isCut = false
    /// Paths (source, destination) that drop everything, both directions.
    var blocked: Set<[SocketAddress]> = []
    var stunServer: SocketAddress?
    var rng = SplitMix64(seed: 42)
    var inFlight: [Datagram] = []
    var signals: [Signal] = []
    var sequence = 0
    var delivered = 0

    init(_ a: Peer, _ b: Peer) {
        peers = [a, b]
    }

    static func agent(_ role: ICERole, seed: UInt64, configure: (inout ICEConfiguration) -> Void = { _ in }) -> ICEAgent {
        var configuration = ICEConfiguration()
        configure(&configuration)
        return ICEAgent(role: role, configuration: configuration, rng: SplitMix64(seed: seed))
    }

    /// Exchanges credentials (as the offer and answer would) and starts gathering on both.
    mutating func start(pendingRelays: [[RelayID]] = [[], []]) {
        peers[0].agent.setRemoteCredentials(peers[1].agent.localCredentials, now: now)
        peers[1].agent.setRemoteCredentials(peers[0].agent.localCredentials, now: now)
        for i in peers.indices {
            peers[i].agent.startGathering(
                localAddresses: peers[i].hostAddresses, pendingRelays: pendingRelays[i], now: now)
        }
    }

    // MARK: - Running

    /// Runs until `deadline` of virtual time or until `stop` holds.
    @discardableResult
    mutating func run(for duration: Duration, until stop: (SimulatedNetwork) -> Bool = { _ in false }) -> Bool {
        let deadline = now + duration
        var spins = 0
        var lastNow = now
        while true {
            drainOutputs()
            if stop(self) { return true }
            var next: [Instant] = peers.compactMap { $0.agent.pollTimeout() }
            if let d = inFlight.map(\.deliverAt).min() { next.append(d) }
            if let s = signals.map(\.deliverAt).min() { next.append(s) }
            guard let soonest = next.min(), soonest <= deadline else {
                now = deadline
                return stop(self)
            }
            now = max(now, soonest)
            if now == lastNow {
                spins += 1
                if spins > 10_000 {
                    Issue.record("the simulation makes no progress at \(now)")
                    return false
                }
            } else {
                spins = 0
                lastNow = now
            }
            deliverDue()
            for i in peers.indices {
                if let t = peers[i].agent.pollTimeout(), t <= now { peers[i].agent.handleTimeout(now: now) }
            }
        }
    }

    mutating func deliverDue() {
        let dueSignals = signals.filter { $0.deliverAt <= now }.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        signals.removeAll { $0.deliverAt <= now }
        for signal in dueSignals {
            switch signal.action {
            case .candidate(let c): peers[signal.to].agent.addRemoteCandidate(c, now: now)
            case .endOfCandidates: peers[signal.to].agent.addRemoteEndOfCandidates(now: now)
            case .credentials(let c): peers[signal.to].agent.setRemoteCredentials(c, now: now)
            }
        }
        let due = inFlight.filter { $0.deliverAt <= now }.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        inFlight.removeAll { $0.deliverAt <= now }
        for d in due { route(d) }
    }

    mutating func drainOutputs() {
        for i in peers.indices {
            while let output = peers[i].agent.pollOutput() {
                switch output {
                case .transmit(let t):
                    peers[i].sent.append(t)
                    peers[i].sentTimes.append((now, t))
                    var source = t.source
                    if var nat = peers[i].nat, !isInside(t.destination, peer: i) {
                        source = nat.outbound(t.source, to: t.destination)
                        peers[i].nat = nat
                    }
                    launch(from: source, to: t.destination, t.payload)
                case .relayTransmit(let r):
                    peers[i].relaySent.append(r)
                    if let relayed = peers[i].relays[r.relay] { launch(from: relayed, to: r.peer, r.payload) }
                case .event(let e):
                    peers[i].events.append((now, e))
                    signal(e, from: i)
                }
            }
        }
    }

    mutating func signal(_ event: ICEEvent, from i: Int) {
        let other = 1 - i
        func post(_ action: Signal.Action) {
            sequence += 1
            signals.append(Signal(deliverAt: now + signalingDelay, sequence: sequence, to: other, action: action))
        }
        switch event {
        case .localCandidate(let c):
            if trickle { post(.candidate(c.sdpAttribute())) } else { peers[i].heldCandidates.append(c) }
        case .endOfLocalCandidates:
            for c in peers[i].heldCandidates { post(.candidate(c.sdpAttribute())) }
            peers[i].heldCandidates.removeAll()
            if forwardEndOfCandidates { post(.endOfCandidates) }
        case .localCredentialsChanged(let c):
            post(.credentials(c))
        default:
            break
        }
    }

    func isInside(_ address: SocketAddress, peer i: Int) -> Bool { peers[i].hostAddresses.contains(address) }

    mutating func launch(from source: SocketAddress, to destination: SocketAddress, _ payload: [UInt8]) {
        guard !isCut, !blocked.contains([source, destination]), !blocked.contains([destination, source]) else { return }
        if lossRate > 0, Double(rng.next() % 1_000_000) / 1_000_000 < lossRate { return }
        var latency = delay
        if jitter > .zero { latency += .nanoseconds(Int64(rng.next() % UInt64(jitter.nanoseconds))) }
        sequence += 1
        inFlight.append(Datagram(deliverAt: now + latency, sequence: sequence, source: source,
                                 destination: destination, payload: payload))
    }

    /// Delivers a datagram to the STUN server, a relay, a NAT or a host socket.
    mutating func route(_ d: Datagram) {
        delivered += 1
        if d.destination == stunServer {
            answerBinding(d)
            return
        }
        for i in peers.indices {
            if let relay = peers[i].relays.first(where: { $0.value == d.destination })?.key {
                peers[i].agent.handleRelayedDatagram(d.payload, from: d.source, relay: relay, now: now)
                return
            }
            if let nat = peers[i].nat, d.destination.ip == nat.externalIP {
                guard let inside = nat.inbound(d.destination, from: d.source) else { return }
                peers[i].agent.handleDatagram(d.payload, from: d.source, to: inside, now: now)
                return
            }
            // A host behind a NAT cannot be reached from outside.
            if peers[i].hostAddresses.contains(d.destination), peers[i].nat == nil {
                peers[i].agent.handleDatagram(d.payload, from: d.source, to: d.destination, now: now)
                return
            }
        }
    }

    mutating func answerBinding(_ d: Datagram) {
        guard let server = stunServer, let request = try? STUNMessage(decoding: d.payload),
            request.messageClass == .request,
            let bytes = try? request.successResponse(attributes: [.xorMappedAddress(d.source)]).encode(fingerprint: true)
        else { return }
        launch(from: server, to: d.source, bytes)
    }

    // MARK: - Observations

    func states(_ i: Int) -> [ICEConnectionState] {
        peers[i].events.compactMap { if case .connectionStateChanged(let s) = $0.event { s } else { nil } }
    }

    func firstTime(_ i: Int, of state: ICEConnectionState) -> Instant? {
        peers[i].events.first { $0.event == .connectionStateChanged(state) }?.time
    }

    func selections(_ i: Int) -> [ICESelectedPair] {
        peers[i].events.compactMap { if case .selectedPairChanged(let p) = $0.event { p } else { nil } }
    }

    func bothConnected() -> Bool {
        peers.allSatisfy { $0.agent.selectedPair != nil && $0.agent.connectionState != .checking }
    }

    func bothCompleted() -> Bool { peers.allSatisfy { $0.agent.connectionState == .completed } }
}

extension SocketAddress {
    static func v4(_ text: String) -> SocketAddress {
        SocketAddress(text)!
    }
}
