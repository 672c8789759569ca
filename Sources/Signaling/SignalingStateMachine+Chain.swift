import WireKit

/// The connect chain: every transition towards `.connected` happens here.
extension SignalingStateMachine {
    /// The first missing piece on the way to a connection.
    func nextStep(now: Instant) -> SignalingStep {
        if !credentialsUsable(now: now) { return .credentials }
        if channelARN == nil { return channelMissing ? .create : .describe }
        if endpoints == nil { return .endpoint }
        if iceConfiguration == nil { return .iceConfig }
        if let refreshAt = iceRefreshAt, refreshAt <= now { return .iceConfig }
        return .connect
    }

    /// Starts the next step.
    mutating func advance(now: Instant) {
        let step = nextStep(now: now)
        switch step {
        case .credentials:
            call(step, .credentials, now: now)
        case .describe:
            call(step, .describeChannel(name: configuration.channelName), now: now)
        case .create:
            call(
                step, .createChannel(name: configuration.channelName, messageTtlSeconds: configuration.messageTtlSeconds),
                now: now)
        case .endpoint:
            guard let arn = channelARN else { return }
            call(step, .getSignalingChannelEndpoint(channelARN: arn), now: now)
        case .iceConfig:
            guard let request = iceConfigRequest() else { return }
            counters.iceRefreshCount &+= 1
            call(step, request, now: now)
        case .connect:
            guard let arn = channelARN, let endpoints else { return }
            let socket = SignalingSocketID(makeID())
            state = .opening(socket, deadline: now + configuration.connectTimeout)
            emit(.openWebSocket(socket, endpoint: endpoints.webSocket, channelARN: arn, clockOffset: clockOffset))
        }
    }

    func iceConfigRequest() -> KVSRequest? {
        guard let arn = channelARN, let endpoints else { return nil }
        return .getIceServerConfig(channelARN: arn, httpsEndpoint: endpoints.https, clientId: configuration.clientId)
    }

    private mutating func call(_ step: SignalingStep, _ request: KVSRequest, now: Instant) {
        let id = SignalingCallID(makeID())
        callStartedAt = now
        state = .calling(step, id, deadline: now + configuration.callTimeout)
        emit(.call(id, request, clockOffset: clockOffset))
    }

    mutating func chainSucceeded(_ step: SignalingStep, _ response: KVSResponse, now: Instant) {
        let latency = now - callStartedAt
        switch (step, response) {
        case (.credentials, .credentials(let expiresAt)):
            credentialsArrived(expiresAt: expiresAt, now: now)
        case (.describe, .channelDescribed(let info)):
            controlPlaneLatency.add(latency)
            clockCorrections = 0
            // A channel still being created (or updated) cannot be joined yet: ask again shortly.
            guard info.isActive else { return backOff(.describe, now: now) }
            channelARN = info.arn
            channelMissing = false
        case (.create, .channelCreated):
            controlPlaneLatency.add(latency)
            channelMissing = false
        case (.endpoint, .endpoints(let found)):
            controlPlaneLatency.add(latency)
            endpoints = found
        case (.iceConfig, .iceServerConfig(let config)):
            dataPlaneLatency.add(latency)
            installIceConfiguration(config, now: now)
        default:
            // The driver answered a different question than was asked: treat it as a failure.
            return chainFailed(step, KVSAPIError(kind: .transport, message: "unexpected response"), now: now)
        }
        advance(now: now)
    }

    mutating func installIceConfiguration(_ config: KVSIceServerConfig, now: Instant) {
        iceConfiguration = config
        iceRefreshAt = now + iceRefreshDelay(config)
        emit(.event(.iceServersUpdated(config)))
    }

    /// How long until the configuration must be fetched again: the shortest TTL minus the
    /// grace period, but never less than half the TTL (so a short TTL cannot cause a storm).
    func iceRefreshDelay(_ config: KVSIceServerConfig) -> Duration {
        guard let ttl = config.minimumTTL else { return configuration.iceRefreshGrace }
        let early = ttl - configuration.iceRefreshGrace
        let half = ttl / 2
        return max(early, half, .seconds(1))
    }

    /// Recovers from a failed step: forget the piece that went bad, then continue — at once
    /// the first time for failures a retry can fix (credentials, 404, clock), else after backoff.
    mutating func chainFailed(_ step: SignalingStep, _ error: KVSAPIError, now: Instant) {
        countError()
        emit(.event(.requestFailed(step, error)))
        if correctClock(for: error) {
            // A correction that keeps changing is not converging: slow down rather than spin.
            clockCorrections += 1
            return clockCorrections <= 3 ? advance(now: now) : backOff(step, now: now)
        }
        let immediate = failureCount == 0
        switch error.status {
        case 401, 403:
            credentials = .missing
            if step == .connect {
                // An upgrade refusal carries no server time, so a skewed clock could never be
                // learned from it; asking for the endpoint again over REST both re-validates a
                // cached endpoint and brings the server's Date / "Signature expired" reply.
                endpoints = nil
            }
        case 404 where step == .describe && !configuration.createChannelIfMissing:
            // Nothing here can make the channel appear; someone else has to create it.
            return backOff(step, now: now)
        case 404:
            channelMissing = step == .describe
            channelARN = nil
            endpoints = nil
        default:
            return backOff(step, now: now)
        }
        if immediate, step != .credentials {
            failureCount += 1
            advance(now: now)
        } else {
            backOff(step, now: now)
        }
    }

    /// Applies the clock correction a SigV4 rejection carries; returns whether it changed anything.
    mutating func correctClock(for error: KVSAPIError) -> Bool {
        if let offset = error.serverClockOffset, adoptServerClock(offset) { return true }
        guard error.isClockSkew, let message = error.message,
            let correction = KVSClockSkew.correction(fromMessage: message), correction != .zero
        else { return false }
        clockOffset += correction
        emit(.event(.clockOffsetChanged(clockOffset)))
        return true
    }

    mutating func backOff(_ step: SignalingStep, now: Instant) {
        let delay = configuration.backoff.delay(attempt: failureCount, using: &random)
        failureCount += 1
        state = .backingOff(step, until: now + delay)
    }
}
