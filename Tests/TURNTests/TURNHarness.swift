import STUN
import TURN
import WireKit

/// A client and a simulated server joined by a lossy link under a virtual clock.
struct TURNHarness {
    var client: TURNClient
    var server: SimulatedTURNServer
    var now = Instant.zero
    var events: [TURNEvent] = []
    /// Everything the client sent, with when it was sent.
    var sent: [(at: Instant, payload: [UInt8])] = []
    /// Chance (0–1) that a message is lost, each direction.
    var lossRate = 0.0
    /// Drop this many next client → server messages, whatever `lossRate` says.
    var dropFromClient = 0
    var serverSilent = false
    var rng = SplitMix64(seed: 42)
    /// Over streams, server bytes reach the client in chunks of random sizes.
    var streamChunking = false
    private var streamBacklog: [UInt8] = []

    static let peerA = SocketAddress("203.0.113.5:6000")!
    static let peerB = SocketAddress("203.0.113.6:7000")!
    static let privatePeer = SocketAddress("10.0.0.9:5000")!

    init(transport: TransportProtocol = .udp, configure: (inout SimulatedTURNServer) -> Void = { _ in }) {
        var server = SimulatedTURNServer()
        server.stream = transport != .udp
        configure(&server)
        let configuration = TURNClientConfiguration(
            server: server.address, transport: transport, localAddress: SocketAddress("192.168.1.20:50123")!,
            credentials: TURNCredentials(username: server.username, password: server.password))
        self.server = server
        client = TURNClient(configuration: configuration, random: SplitMix64(seed: 7))
    }

    private mutating func lost() -> Bool {
        lossRate > 0 && Double(rng.next() % 1_000_000) / 1_000_000 < lossRate
    }

    /// Moves messages both ways until nothing is in flight at `now`.
    mutating func pump() {
        var moved = true
        while moved {
            moved = false
            while let transmit = client.pollTransmit() {
                moved = true
                sent.append((now, transmit.payload))
                if dropFromClient > 0 {
                    dropFromClient -= 1
                    continue
                }
                if serverSilent || (!server.stream && lost()) { continue }
                for reply in server.receive(transmit.payload, now: now) where server.stream || !lost() {
                    deliver(reply)
                }
            }
            if !streamBacklog.isEmpty {
                moved = true
                flushStream()
            }
        }
        while let event = client.pollEvent() { events.append(event) }
    }

    mutating func deliver(_ bytes: [UInt8]) {
        guard server.stream, streamChunking else {
            client.handleReceived(bytes, now: now)
            return
        }
        streamBacklog += bytes
    }

    private mutating func flushStream() {
        while !streamBacklog.isEmpty {
            let size = min(streamBacklog.count, Int(rng.next() % 40) + 1)
            let chunk = Array(streamBacklog.prefix(size))
            streamBacklog.removeFirst(size)
            client.handleReceived(chunk, now: now)
        }
    }

    /// Runs the client's timers and the link until `now + duration`.
    mutating func run(for duration: Duration) {
        let end = now + duration
        pump()
        while let deadline = client.pollTimeout(), deadline <= end {
            now = max(now, deadline)
            client.handleTimeout(now: now)
            pump()
        }
        now = end
    }

    /// Starts the client and runs until it settles.
    mutating func allocate() {
        client.start(now: now)
        run(for: .seconds(1))
    }

    /// A peer sends to the relayed address; the server relays it to the client if allowed.
    @discardableResult
    mutating func peerSends(_ data: [UInt8], from peer: SocketAddress) -> Bool {
        guard let message = server.peerSends(data, from: peer, now: now) else { return false }
        deliver(message)
        pump()
        return true
    }

    mutating func takeEvents() -> [TURNEvent] {
        defer { events = [] }
        return events
    }
}
