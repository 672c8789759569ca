import TestSupport
import EventLoop
import Glibc
import ICE
import ICETransport
import SDP
import TURN
import Testing
import WireKit

/// The monotonic clock the event loop reads, for timing from test threads.
func monotonicNow() -> Instant {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Instant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
}

/// Runs `body` with a fresh event loop that is stopped and joined afterwards.
func withLoop<R>(_ body: (EventLoop) async throws -> R) async throws -> R {
    try await withEventLoop(name: "ice-test-loop", body)
}

/// Something an ``ICETransport`` under test reported, with the loop's time.
struct RigEntry: Sendable {
    enum Kind: Sendable {
        case event(ICETransportEvent)
        case data([UInt8])
    }

    var time: Instant
    var kind: Kind

    var event: ICETransportEvent? { if case .event(let e) = kind { e } else { nil } }
    var data: [UInt8]? { if case .data(let d) = kind { d } else { nil } }
}

/// Owns the transports of a test on the loop thread (the loop is the actor's executor, as for
/// the daemon's `Master`), records what they report and lets the test wait for it.
actor TransportRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    private var transports: [Int: ICETransport] = [:]
    private let logs: LoopRigLog<RigEntry>
    private var nextID = 0

    init(loop: EventLoop) {
        self.loop = loop
        logs = LoopRigLog(loop: loop)
    }

    /// Creates a transport (not started yet).
    func make(role: ICERole, configuration: ICETransportConfiguration, credentials: ICECredentials? = nil) -> Int {
        let id = nextID
        nextID += 1
        let transport = ICETransport(role: role, configuration: configuration, credentials: credentials, loop: loop)
        transport.onEvent = { [weak self] event in
            self?.assumeIsolated { $0.record(id, .event(event)) }
        }
        transport.onData = { [weak self] data in
            self?.assumeIsolated { $0.record(id, .data(data)) }
        }
        transports[id] = transport
        logs.open(id)
        return id
    }

    func start(_ id: Int) throws(ICETransportError) { try transports[id]?.start() }

    func close(_ id: Int) { transports[id]?.close() }

    func closeAll() {
        for transport in transports.values { transport.close() }
        transports = [:]
    }

    func send(_ id: Int, _ bytes: [UInt8]) throws(ICETransportError) {
        guard let transport = transports[id] else { throw .closed }
        try transport.send(bytes)
    }

    func setRemote(_ id: Int, credentials: ICECredentials, candidates: [CandidateAttribute], endOfCandidates: Bool) {
        guard let transport = transports[id] else { return }
        transport.setRemoteCredentials(credentials)
        for candidate in candidates { transport.addRemoteCandidate(candidate) }
        if endOfCandidates { transport.addRemoteEndOfCandidates() }
    }

    func log(_ id: Int) -> [RigEntry] { logs[id] }
    /// The loop's live fd registrations and timers.
    func loopResources() -> [Int] { [loop.registrationCount, loop.pendingTimerCount] }
    func connectionState(_ id: Int) -> ICEConnectionState? { transports[id]?.connectionState }
    func credentials(_ id: Int) -> ICECredentials? { transports[id]?.localCredentials }
    func pairCount(_ id: Int) -> Int { transports[id]?.agent.pairs.count ?? 0 }
    func candidates(_ id: Int) -> [CandidateAttribute] { transports[id]?.localCandidateAttributes ?? [] }
    func agent(_ id: Int) -> ICEAgent? { transports[id]?.agent }
    func statistics(_ id: Int) -> ICETransportStatistics? { transports[id]?.statistics }
    func startedAt(_ id: Int) -> Instant? { transports[id]?.startedAt }
    func hostAddresses(_ id: Int) -> [SocketAddress] { transports[id]?.hostAddresses ?? [] }
    func turnClient(_ id: Int, relay: RelayID = RelayID(0)) -> TURNClient? { transports[id]?.turnClient(relay) }

    /// Waits until `match` holds for the transport's log (checked now and after every entry),
    /// or `timeout` passes; true when it matched.
    func wait(_ id: Int, timeout: Duration, until match: @escaping @Sendable ([RigEntry]) -> Bool) async -> Bool {
        await logs.wait(id, timeout: timeout, until: match)
    }

    private func record(_ id: Int, _ kind: RigEntry.Kind) {
        logs.append(RigEntry(time: loop.now, kind: kind), to: id)
    }
}

// MARK: - Log predicates

extension [RigEntry] {
    var events: [ICETransportEvent] { compactMap(\.event) }
    var received: [[UInt8]] { compactMap(\.data) }
    var gatheringDone: Bool { events.contains(.endOfCandidates) }
    var selectedPair: ICESelectedPair? {
        events.compactMap { if case .selectedPairChanged(let p) = $0 { p } else { nil } }.last
    }
    var states: [ICEConnectionState] {
        events.compactMap { if case .connectionStateChanged(let s) = $0 { s } else { nil } }
    }

    /// When the first entry matching `match` was recorded.
    func time(of match: (ICETransportEvent) -> Bool) -> Instant? {
        first { $0.event.map(match) ?? false }?.time
    }
}

/// The median of some durations (the lower middle for an even count).
func median(_ values: [Duration]) -> Duration {
    let sorted = values.sorted()
    return sorted.isEmpty ? .zero : sorted[(sorted.count - 1) / 2]
}

func milliseconds(_ duration: Duration) -> Double { Double(duration.nanoseconds) / 1e6 }

/// Every suite of this target runs one after another: they start peers and servers, measure
/// latencies and heap use, which concurrent tests would disturb.
@Suite(.serialized) struct ICETransportSuites {}
