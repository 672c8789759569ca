import Testing
import WireKit

@testable import Signaling

/// A virtual-clock driver for the signaling state machine: it records every output, answers
/// the machine's calls on demand, and fires timers as time is advanced by hand.
struct SignalingHarness {
    var machine: SignalingStateMachine
    var now: Instant = .zero
    /// Every output since creation, in order.
    var log: [SignalingOutput] = []
    /// Index into `log` where the outputs of the latest step begin.
    var mark = 0

    static let arn = "arn:aws:kinesisvideo:us-west-2:123456789012:channel/cam/1"
    static let activeChannel = KVSChannelInfo(name: "cam", arn: arn, status: "ACTIVE", type: "SINGLE_MASTER")
    static let endpoints = KVSChannelEndpoints(webSocket: "wss://m-1.kvs", https: "https://r-1.kvs")
    static func iceConfig(ttl: Int64 = 300, password: String = "turn-pass") -> KVSIceServerConfig {
        KVSIceServerConfig(servers: [
            KVSIceServer(uris: ["turn:t1:443?transport=udp"], username: "u1", password: password, ttl: .seconds(ttl))
        ])
    }

    init(configuration: SignalingConfiguration = SignalingConfiguration(channelName: "cam"), seed: UInt64 = 7) {
        machine = SignalingStateMachine(configuration: configuration, seed: seed)
    }

    mutating func pump() {
        while let output = machine.pollOutput() { log.append(output) }
    }

    /// Outputs since the last `beginStep`.
    var recent: [SignalingOutput] { Array(log[mark...]) }
    var recentEvents: [SignalingEvent] {
        recent.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }
    var allEvents: [SignalingEvent] {
        log.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }
    var recentSends: [String] {
        recent.compactMap { if case .sendText(_, let text) = $0 { text } else { nil } }
    }

    mutating func beginStep() { mark = log.count }

    mutating func start() {
        beginStep()
        machine.start(now: now)
        pump()
    }

    mutating func input(_ input: SignalingInput) {
        beginStep()
        machine.handle(input, now: now)
        pump()
    }

    /// Moves the clock to `target`, firing every timer that falls due on the way.
    mutating func advance(to target: Instant) {
        beginStep()
        while let deadline = machine.pollTimeout(), deadline <= target {
            if deadline > now { now = deadline }
            machine.handleTimeout(now: now)
            pump()
        }
        if target > now { now = target }
    }

    mutating func advance(by duration: Duration) { advance(to: now + duration) }

    /// The chain call in flight and what it asks for.
    var chainCall: (id: SignalingCallID, step: SignalingStep, request: KVSRequest)? {
        guard case .calling(let step, let id, _) = machine.state else { return nil }
        for output in log.reversed() {
            if case .call(id, let request, _) = output { return (id, step, request) }
        }
        return nil
    }

    var refreshCallID: SignalingCallID? {
        switch machine.iceRefresh {
        case .fetching(let id, _, _), .fetchingCredentials(let id, _): id
        default: nil
        }
    }

    var openingSocket: SignalingSocketID? {
        if case .opening(let socket, _) = machine.state { return socket }
        return nil
    }

    var connectedSocket: SignalingSocketID? {
        if case .connected(let socket, _) = machine.state { return socket }
        return nil
    }

    var isConnected: Bool { connectedSocket != nil }

    /// Answers the chain call in flight with the normal success for its step.
    mutating func succeedChain(iceTTL: Int64 = 300, latency: Duration = .zero) {
        guard let call = chainCall else {
            Issue.record("no chain call in flight (state \(machine.state))")
            return
        }
        now += latency
        let response: KVSResponse
        switch call.step {
        case .credentials: response = .credentials(expiresAt: nil)
        case .describe: response = .channelDescribed(Self.activeChannel)
        case .create: response = .channelCreated(channelARN: Self.arn)
        case .endpoint: response = .endpoints(Self.endpoints)
        case .iceConfig: response = .iceServerConfig(Self.iceConfig(ttl: iceTTL))
        case .connect: return
        }
        input(.callSucceeded(call.id, response))
    }

    mutating func failChain(_ error: KVSAPIError) {
        guard let call = chainCall else {
            Issue.record("no chain call in flight (state \(machine.state))")
            return
        }
        input(.callFailed(call.id, error))
    }

    /// Answers calls until a socket is requested, then opens it.
    mutating func connect(iceTTL: Int64 = 300) {
        if let socket = reachSocket(iceTTL: iceTTL) { input(.webSocketOpened(socket)) }
    }

    /// Answers calls (and waits out backoffs) until a socket is requested; returns it.
    @discardableResult
    mutating func reachSocket(iceTTL: Int64 = 300) -> SignalingSocketID? {
        for _ in 0..<12 {
            if let socket = openingSocket { return socket }
            if chainCall != nil {
                succeedChain(iceTTL: iceTTL)
            } else if case .backingOff = machine.state {
                advance(to: machine.pollTimeout() ?? now)
            } else {
                break
            }
        }
        Issue.record("did not reach a socket (state \(machine.state))")
        return nil
    }

    /// Requests issued (in order) since creation.
    var requests: [KVSRequest] {
        log.compactMap { if case .call(_, let request, _) = $0 { request } else { nil } }
    }

    var closedSockets: [SignalingSocketID] {
        log.compactMap { if case .closeWebSocket(let socket) = $0 { socket } else { nil } }
    }

    var openedEndpoints: [String] {
        log.compactMap { if case .openWebSocket(_, let endpoint, _, _) = $0 { endpoint } else { nil } }
    }
}

extension Instant {
    static func seconds(_ value: Double) -> Instant { Instant(nanoseconds: Int64(value * 1e9)) }
}
