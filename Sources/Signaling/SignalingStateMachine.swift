import WireKit

/// Where the signaling client is on its way to, or on, the channel.
public enum SignalingState: Equatable, Sendable {
    /// Not started.
    case idle
    /// Waiting for the answer to a REST call of `step`.
    case calling(SignalingStep, SignalingCallID, deadline: Instant)
    /// Waiting for the ConnectAsMaster WebSocket to open.
    case opening(SignalingSocketID, deadline: Instant)
    /// On the channel.
    case connected(SignalingSocketID, since: Instant)
    /// Waiting before retrying `step` after a failure.
    case backingOff(SignalingStep, until: Instant)
    /// `stop` was called.
    case stopped
}

/// The background refresh of the ICE server configuration while connected.
public enum SignalingIceRefresh: Equatable, Sendable {
    case idle
    case fetchingCredentials(SignalingCallID, deadline: Instant)
    case fetching(SignalingCallID, deadline: Instant, startedAt: Instant)
    case backingOff(until: Instant)
}

/// The sans-IO KVS signaling client of a master (KVS developer guide, "How it works" and
/// "WebSocket endpoint APIs"): it walks credentials → DescribeSignalingChannel →
/// CreateSignalingChannel (when missing) → GetSignalingChannelEndpoint → GetIceServerConfig →
/// ConnectAsMaster, stays connected through GO_AWAY, closes, errors, TTL expiries and the
/// one-hour connection limit, and paces outgoing messages to the service quotas.
///
/// It never performs I/O or reads a clock: the driver feeds `handle(_:now:)` and
/// `handleTimeout(now:)`, performs what `pollOutput()` returns, and wakes at `pollTimeout()`.
/// Progress is derived from what is known: the next step is always the first missing piece
/// (credentials, channel ARN, endpoints, a fresh ICE configuration, a socket), so every
/// recovery is "forget the piece that went bad, then continue".
public struct SignalingStateMachine: Sendable {
    public let configuration: SignalingConfiguration
    public internal(set) var state: SignalingState = .idle
    public internal(set) var iceRefresh: SignalingIceRefresh = .idle
    /// Added to the local wall clock when signing requests.
    public internal(set) var clockOffset: Duration = .zero

    public internal(set) var channelARN: String?
    public internal(set) var endpoints: KVSChannelEndpoints?
    public internal(set) var iceConfiguration: KVSIceServerConfig?
    /// When the ICE configuration must next be fetched.
    public internal(set) var iceRefreshAt: Instant?

    enum CredentialStatus: Equatable, Sendable {
        case missing
        /// Usable until `refreshAt` (nil: they never expire).
        case valid(refreshAt: Instant?)
    }

    var credentials: CredentialStatus = .missing
    /// Set when DescribeSignalingChannel reported the channel missing.
    var channelMissing = false
    /// Consecutive failures since the last stable connection; drives the backoff.
    public internal(set) var failureCount = 0
    /// Clock corrections applied since the last success, to stop a correction loop.
    var clockCorrections = 0
    /// Consecutive failed background ICE refreshes; drives their backoff.
    var iceRefreshFailures = 0
    var everConnected = false
    var startedAt: Instant?
    var callStartedAt: Instant = .zero
    var nextID: UInt64 = 1
    var random: SplitMix64

    var outputs: [SignalingOutput] = []
    var outputHead = 0
    var pacer: SignalingSendPacer
    var candidates: SignalingCandidateBuffer
    var counters = SignalingMetrics()
    var controlPlaneLatency = SignalingLatencyAverage()
    var dataPlaneLatency = SignalingLatencyAverage()

    /// `seed` feeds the backoff jitter; the daemon passes a random one, tests a constant.
    public init(configuration: SignalingConfiguration, seed: UInt64) {
        self.configuration = configuration
        self.random = SplitMix64(seed: seed)
        self.pacer = SignalingSendPacer(limits: configuration.pacing)
        self.candidates = SignalingCandidateBuffer(lifetime: configuration.pendingCandidateLifetime)
    }

    // MARK: Driver interface

    /// Begins connecting.
    public mutating func start(now: Instant) {
        guard case .idle = state else { return }
        startedAt = now
        advance(now: now)
    }

    /// Closes the socket (if any) and stops for good.
    public mutating func stop(now: Instant) {
        switch state {
        case .opening(let socket, _):
            emit(.closeWebSocket(socket))
        case .connected(let socket, _):
            emit(.closeWebSocket(socket))
            emit(.event(.disconnected(.stopped)))
        case .stopped:
            return
        default:
            break
        }
        state = .stopped
        iceRefresh = .idle
    }

    /// Queues `message`; it leaves when connected and its quota allows.
    public mutating func send(_ message: SignalingOutgoingMessage, now: Instant) {
        pacer.enqueue(message)
        flush(now: now)
    }

    /// Messages queued and not yet handed to the socket.
    public var queuedMessageCount: Int { pacer.count }

    /// Candidates waiting for their viewer's offer.
    public var pendingCandidateCount: Int { candidates.pendingCount }

    /// The viewer's session is over: its next candidates wait for a new offer again.
    public mutating func viewerSessionEnded(clientId: String?) {
        candidates.sessionEnded(for: clientId)
    }

    /// The next instruction for the driver, in order, or nil when there is nothing to do.
    public mutating func pollOutput() -> SignalingOutput? {
        guard outputHead < outputs.count else { return nil }
        let output = outputs[outputHead]
        outputHead += 1
        if outputHead == outputs.count {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
        }
        return output
    }

    /// Every pending instruction, in order.
    public mutating func drainOutputs() -> [SignalingOutput] {
        var result: [SignalingOutput] = []
        while let output = pollOutput() { result.append(output) }
        return result
    }

    /// When `handleTimeout` must next be called, or nil when nothing is timed.
    public func pollTimeout() -> Instant? {
        var deadlines: [Instant] = []
        switch state {
        case .calling(_, _, let deadline), .opening(_, let deadline): deadlines.append(deadline)
        case .backingOff(_, let until): deadlines.append(until)
        case .connected(_, let since):
            deadlines.append(since + configuration.maximumConnectionDuration - configuration.reconnectMargin)
            if let release = pacer.nextReleaseTime { deadlines.append(release) }
            switch iceRefresh {
            case .idle: if let at = iceRefreshAt { deadlines.append(at) }
            case .fetchingCredentials(_, let deadline), .fetching(_, let deadline, _): deadlines.append(deadline)
            case .backingOff(let until): deadlines.append(until)
            }
        case .idle, .stopped: break
        }
        if let expiry = candidates.nextExpiry { deadlines.append(expiry) }
        return deadlines.min()
    }

    /// Fires every timer due at `now`.
    public mutating func handleTimeout(now: Instant) {
        let expired = candidates.expire(now: now)
        if expired > 0 { emit(.event(.candidatesDropped(count: expired))) }
        switch state {
        case .calling(let step, _, let deadline) where deadline <= now:
            chainFailed(step, KVSAPIError(kind: .timeout), now: now)
        case .opening(let socket, let deadline) where deadline <= now:
            emit(.closeWebSocket(socket))
            chainFailed(.connect, KVSAPIError(kind: .timeout), now: now)
        case .backingOff(_, let until) where until <= now:
            advance(now: now)
        case .connected(_, let since):
            if now >= since + configuration.maximumConnectionDuration - configuration.reconnectMargin {
                reconnect(reason: .maximumDurationReached, now: now)
            } else {
                iceRefreshTimeout(now: now)
                flush(now: now)
            }
        default:
            break
        }
    }

    /// Feeds one driver report.
    public mutating func handle(_ input: SignalingInput, now: Instant) {
        switch input {
        case .callSucceeded(let id, let response):
            if case .calling(let step, id, _) = state {
                chainSucceeded(step, response, now: now)
            } else {
                iceRefreshSucceeded(id, response, now: now)
            }
        case .callFailed(let id, let error):
            if case .calling(let step, id, _) = state {
                chainFailed(step, error, now: now)
            } else {
                iceRefreshFailed(id, error, now: now)
            }
        case .webSocketOpened(let socket):
            webSocketOpened(socket, now: now)
        case .webSocketFailed(let socket, let error):
            webSocketEnded(socket, reason: .failed(error), error: error, now: now)
        case .webSocketClosed(let socket, let code):
            webSocketEnded(socket, reason: .closed(code: code), error: nil, now: now)
        case .webSocketMessage(let socket, let bytes):
            guard case .connected(socket, _) = state else { return }
            received(bytes, now: now)
        case .serverClockObserved(let offset):
            adoptServerClock(offset)
        case .credentialsRefreshed(let expiresAt):
            // Only replaces valid credentials: a missing set (say, after a 403) is fetched anew
            // by the step that needs it.
            if case .valid = credentials { credentialsArrived(expiresAt: expiresAt, now: now) }
        }
    }

    /// The metrics as of `now`.
    public func metrics(now: Instant) -> SignalingMetrics {
        var metrics = counters
        metrics.cpApiCallLatency = controlPlaneLatency.value
        metrics.dpApiCallLatency = dataPlaneLatency.value
        metrics.signalingClientUptime = startedAt.map { now - $0 } ?? .zero
        if case .connected(_, let since) = state { metrics.connectionDuration = now - since }
        return metrics
    }

    // MARK: Helpers shared by the extensions

    mutating func emit(_ output: SignalingOutput) { outputs.append(output) }

    mutating func makeID() -> UInt64 {
        defer { nextID &+= 1 }
        return nextID
    }

    mutating func countError() {
        counters.numberOfErrors &+= 1
        if everConnected { counters.numberOfRuntimeErrors &+= 1 }
    }

    func credentialsUsable(now: Instant) -> Bool {
        switch credentials {
        case .missing: return false
        case .valid(let refreshAt):
            guard let refreshAt else { return true }
            return now < refreshAt
        }
    }

    /// Records credentials that arrived at `now`. They are fetched again
    /// `credentialRefreshGrace` before they expire, or halfway through their remaining lifetime
    /// when that is shorter, so credentials that live less than the grace period (or that a
    /// wrong local clock makes look expired) are still used rather than fetched in a loop.
    mutating func credentialsArrived(expiresAt: Instant?, now: Instant) {
        guard let expiresAt else {
            credentials = .valid(refreshAt: nil)
            return
        }
        let lead = min(configuration.credentialRefreshGrace, (expiresAt - now) / 2)
        credentials = .valid(refreshAt: max(expiresAt - lead, now + .seconds(1)))
    }

    /// Adopts a server clock offset when it differs from ours by more than SigV4 tolerates.
    /// Returns whether the offset changed.
    @discardableResult
    mutating func adoptServerClock(_ offset: Duration) -> Bool {
        let difference = offset - clockOffset
        guard difference > configuration.clockSkewThreshold || difference < .zero - configuration.clockSkewThreshold
        else { return false }
        clockOffset = offset
        emit(.event(.clockOffsetChanged(offset)))
        return true
    }
}
