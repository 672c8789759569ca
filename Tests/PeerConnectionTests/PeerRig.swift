import TestSupport
import DataChannel
import EventLoop
import Glibc
import ICE
import ICETransport
import PeerConnection
import SDP
import Security
import Testing
import WireKit

/// CLOCK_MONOTONIC, the clock the event loop's `now` reads.

func milliseconds(_ duration: Duration) -> Double { Double(duration.nanoseconds) / 1e6 }

/// The lower median.
func median(_ values: [Duration]) -> Duration {
    let sorted = values.sorted()
    return sorted.isEmpty ? .zero : sorted[(sorted.count - 1) / 2]
}

/// A fresh event loop for `body`, stopped and joined afterwards.
func withLoop<R>(_ body: (EventLoop) async throws -> R) async throws -> R {
    try await withEventLoop(name: "pc-test-loop", body)
}

/// A fresh loop and rig for `body`; every connection is closed on the loop afterwards, also
/// when `body` throws (a connection must not be released off its loop).
func withRig<R>(_ body: (PeerRig) async throws -> R) async throws -> R {
    try await withLoop { loop in
        let rig = PeerRig(loop: loop)
        do {
            let result = try await body(rig)
            await rig.closeAll()
            return result
        } catch {
            await rig.closeAll()
            throw error
        }
    }
}

/// Loopback-only ICE.
func loopbackConfiguration(certificate: DTLSCertificate, trickle: Bool = true, video: Bool = true) throws
    -> PeerConnectionConfiguration
{
    var ice = ICEConfiguration()
    ice.includeLoopback = true
    return PeerConnectionConfiguration(
        transport: ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!]),
        dtlsContext: try DTLSContext(certificate: certificate), offerTrickle: trickle, offerVideo: video)
}

/// What a connection under test reported, with the loop's time.
struct PeerEntry: Sendable {
    enum Kind: Sendable {
        case event(PeerConnectionEvent)
        case rtp([UInt8])
        case rtcp([UInt8])
        case wire([UInt8])
    }

    var time: Instant
    var kind: Kind
    var event: PeerConnectionEvent? { if case .event(let e) = kind { e } else { nil } }
}

/// Owns the peer connections of a test on the loop thread (the loop is its executor, as for the
/// daemon's actors), records what they report, forwards trickled candidates between linked
/// pairs, and lets the test wait for conditions.
actor PeerRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    private var connections: [Int: PeerConnection] = [:]
    private let logs: LoopRigLog<PeerEntry>
    private var links: [Int: Int] = [:]
    private var nextID = 0
    private var capturing: Set<Int> = []
    private var throughput: [Int: ThroughputJob] = [:]
    /// Connections whose data-channel messages are only counted, not logged (bulk transfers).
    private var countOnly: Set<Int> = []
    private var countedBytes: [Int: Int] = [:]

    private struct ThroughputJob {
        var channel: UInt16
        var remaining: Int
        var chunk: [UInt8]
    }

    init(loop: EventLoop) {
        self.loop = loop
        logs = LoopRigLog(loop: loop)
    }

    func makeOfferer(_ configuration: PeerConnectionConfiguration) -> Int {
        register(PeerConnection(offeringWith: configuration, loop: loop))
    }

    func makeAnswerer(offer: SessionDescription, _ configuration: PeerConnectionConfiguration) throws(PeerConnectionError) -> Int {
        register(try PeerConnection(remoteOffer: offer, configuration: configuration, loop: loop))
    }

    private func register(_ connection: PeerConnection) -> Int {
        let id = nextID
        nextID += 1
        connection.onEvent = { [weak self] event in self?.assumeIsolated { $0.record(id, .event(event)) } }
        connection.onRTP = { [weak self] packet in self?.assumeIsolated { $0.record(id, .rtp(packet)) } }
        connection.onRTCP = { [weak self] packet in self?.assumeIsolated { $0.record(id, .rtcp(packet)) } }
        connections[id] = connection
        logs.open(id)
        return id
    }

    /// Forwards trickled candidates both ways (including those already reported).
    func link(_ a: Int, _ b: Int) {
        links[a] = b
        links[b] = a
        for (from, to) in [(a, b), (b, a)] {
            for entry in logs[from] {
                if case .event(let event) = entry.kind { forward(event, to: to) }
            }
        }
    }

    private func forward(_ event: PeerConnectionEvent, to peer: Int) {
        guard let target = connections[peer] else { return }
        switch event {
        case .localCandidate(let candidate, _): target.addRemoteCandidate(candidate)
        case .endOfCandidates: target.addRemoteEndOfCandidates()
        default: break
        }
    }

    /// Records every datagram the connection's transport hands up, before the connection sees it.
    func captureWire(_ id: Int) {
        guard let connection = connections[id], !capturing.contains(id) else { return }
        capturing.insert(id)
        let original = connection.transport.onData
        connection.transport.onData = { [weak self] datagram in
            self?.assumeIsolated { $0.record(id, .wire(datagram)) }
            original?(datagram)
        }
    }

    func start(_ id: Int) throws(PeerConnectionError) { try connections[id]?.start() }
    /// A candidate trickled by a peer outside the rig (a browser).
    func addRemoteCandidate(_ id: Int, _ candidate: CandidateAttribute) { connections[id]?.addRemoteCandidate(candidate) }
    func addRemoteEndOfCandidates(_ id: Int) { connections[id]?.addRemoteEndOfCandidates() }
    func setAnswer(_ id: Int, _ answer: SessionDescription) throws(PeerConnectionError) {
        try connections[id]?.setRemoteAnswer(answer)
    }
    func close(_ id: Int) { connections[id]?.close() }
    /// Stops the connection's ICE transport only: no close_notify, no SCTP shutdown, the peer
    /// just stops hearing from it.
    func silence(_ id: Int) { connections[id]?.transport.close() }
    func closeAll() {
        for connection in connections.values { connection.close() }
        connections = [:]
        throughput = [:]
    }
    func drop(_ id: Int) {
        connections[id]?.close()
        connections[id] = nil
        logs.remove(id)
    }

    func log(_ id: Int) -> [PeerEntry] { logs[id] }
    func state(_ id: Int) -> PeerConnectionState? { connections[id]?.state }
    func failure(_ id: Int) -> PeerConnectionFailure? { connections[id]?.failure }
    func statistics(_ id: Int) -> PeerConnectionStatistics? { connections[id]?.statistics() }
    func timeline(_ id: Int) -> PeerConnectionTimeline? { connections[id]?.timeline }
    func localDescription(_ id: Int) -> SessionDescription? { connections[id]?.localDescription }
    func selectedPair(_ id: Int) -> ICESelectedPair? { connections[id]?.selectedPair }
    func loopResources() -> [Int] { [loop.registrationCount, loop.pendingTimerCount] }
    func sctpStatistics(_ id: Int) -> SCTPStatistics? { connections[id]?.sctpStatistics }
    func dataChannels(_ id: Int) -> [DataChannelInfo] { connections[id]?.dataChannels ?? [] }

    func open(_ id: Int, _ parameters: DataChannelParameters) throws(PeerConnectionError) -> UInt16 {
        guard let connection = connections[id] else { throw .closed }
        return try connection.openDataChannel(parameters)
    }

    func send(_ id: Int, _ data: [UInt8], on channel: UInt16, isBinary: Bool) throws(PeerConnectionError) {
        guard let connection = connections[id] else { throw .closed }
        try connection.send(data, on: channel, isBinary: isBinary)
    }

    func sendRTP(_ id: Int, _ packet: [UInt8]) throws(PeerConnectionError) {
        guard let connection = connections[id] else { throw .closed }
        try connection.sendRTP(packet)
    }

    func sendRTCP(_ id: Int, _ packet: [UInt8]) throws(PeerConnectionError) {
        guard let connection = connections[id] else { throw .closed }
        try connection.sendRTCP(packet)
    }

    /// Sends raw bytes on the connection's selected pair (bypassing SRTP): replays and forgeries.
    func sendRaw(_ id: Int, _ datagram: [UInt8]) throws(ICETransportError) {
        guard let connection = connections[id] else { throw .closed }
        try connection.transport.send(datagram)
    }

    /// Sends `total` bytes in `chunkSize` messages on `channel`, keeping at most ~2 MiB buffered,
    /// topping up from a loop timer so the loop keeps running in between.
    func startThroughput(_ id: Int, channel: UInt16, total: Int, chunkSize: Int) {
        throughput[id] = ThroughputJob(channel: channel, remaining: total, chunk: (0..<chunkSize).map { UInt8($0 & 0xFF) })
        topUp(id)
    }

    private func topUp(_ id: Int) {
        guard var job = throughput[id], let connection = connections[id] else { return }
        while job.remaining > 0, connection.bufferedAmount < 2 << 20 {
            let size = min(job.chunk.count, job.remaining)
            do throws(PeerConnectionError) {
                try connection.send(Array(job.chunk.prefix(size)), on: job.channel)
            } catch {
                break
            }
            job.remaining -= size
        }
        throughput[id] = job
        guard job.remaining > 0 else {
            throughput[id] = nil
            return
        }
        loop.schedule(after: .milliseconds(1)) { [weak self] _ in self?.assumeIsolated { $0.topUp(id) } }
    }

    /// Waits until `match` holds for the connection's log, or `timeout` passes; true when it matched.
    func wait(_ id: Int, timeout: Duration, until match: @escaping @Sendable ([PeerEntry]) -> Bool) async -> Bool {
        await logs.wait(id, timeout: timeout, until: match)
    }

    /// From now on, messages arriving at `id` are counted (``countedBytes(_:)``) instead of logged.
    func countMessagesOnly(_ id: Int) { countOnly.insert(id) }
    func countedBytes(_ id: Int) -> Int { countedBytes[id] ?? 0 }

    /// Waits until `id` has counted `total` message bytes; returns when (loop clock), or nil on timeout.
    func waitForCountedBytes(_ id: Int, total: Int, timeout: Duration) async -> Instant? {
        let deadline = loop.now + timeout
        while loop.now < deadline {
            if countedBytes(id) >= total { return loop.now }
            _ = await wait(id, timeout: .milliseconds(5)) { _ in false }
        }
        return nil
    }

    private func record(_ id: Int, _ kind: PeerEntry.Kind) {
        if countOnly.contains(id), case .event(.dataChannelMessage(_, let data, _)) = kind {
            countedBytes[id, default: 0] += data.count
            return
        }
        if case .event(let event) = kind, let peer = links[id] { forward(event, to: peer) }
        logs.append(PeerEntry(time: loop.now, kind: kind), to: id)
    }
}

// MARK: - Log predicates

extension [PeerEntry] {
    var events: [PeerConnectionEvent] { compactMap(\.event) }
    var states: [PeerConnectionState] {
        events.compactMap { if case .stateChanged(let s) = $0 { s } else { nil } }
    }
    var localDescription: SessionDescription? {
        events.lazy.compactMap { if case .localDescription(let d) = $0 { d } else { nil } }.first
    }
    var openedChannels: [DataChannelInfo] {
        events.compactMap { if case .dataChannelOpened(let info) = $0 { info } else { nil } }
    }
    func messages(on channel: UInt16) -> [(data: [UInt8], isBinary: Bool)] {
        events.compactMap {
            if case .dataChannelMessage(channel, let data, let isBinary) = $0 { (data, isBinary) } else { nil }
        }
    }
    var receivedBytes: Int {
        events.reduce(0) { total, event in
            if case .dataChannelMessage(_, let data, _) = event { total + data.count } else { total }
        }
    }
    var rtp: [[UInt8]] { compactMap { if case .rtp(let p) = $0.kind { p } else { nil } } }
    var rtcp: [[UInt8]] { compactMap { if case .rtcp(let p) = $0.kind { p } else { nil } } }
    var wire: [[UInt8]] { compactMap { if case .wire(let p) = $0.kind { p } else { nil } } }
    func time(of match: (PeerConnectionEvent) -> Bool) -> Instant? {
        first { $0.event.map(match) ?? false }?.time
    }
}

/// Suites here run one after another: they start peers and measure latency and memory.
@Suite(.serialized) struct PeerConnectionSuites {}

/// One certificate for tests that do not care whose it is.
enum DTLSCertificateCache {
    static let certificate: Result<DTLSCertificate, CertificateError> = Result { () throws(CertificateError) in
        try DTLSCertificate.generate()
    }

    static func shared() throws(CertificateError) -> DTLSCertificate { try certificate.get() }
}
