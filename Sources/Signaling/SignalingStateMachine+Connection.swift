import WireKit

/// The live connection: socket events, received messages, pacing, and the background ICE
/// configuration refresh.
extension SignalingStateMachine {
    mutating func webSocketOpened(_ socket: SignalingSocketID, now: Instant) {
        guard case .opening(socket, _) = state else { return }
        state = .connected(socket, since: now)
        everConnected = true
        clockCorrections = 0
        iceRefresh = .idle
        emit(.event(.connected))
        flush(now: now)
    }

    mutating func webSocketEnded(
        _ socket: SignalingSocketID, reason: SignalingDisconnectReason, error: KVSAPIError?, now: Instant
    ) {
        switch state {
        case .opening(socket, _):
            chainFailed(.connect, error ?? KVSAPIError(kind: .transport, message: "closed while opening"), now: now)
        case .connected(socket, let since):
            if error != nil { countError() }
            if now - since >= configuration.stableConnectionDuration { failureCount = 0 }
            counters.numberOfReconnects &+= 1
            iceRefresh = .idle
            emit(.event(.disconnected(reason)))
            backOff(.connect, now: now)
        default:
            break
        }
    }

    /// Leaves the current connection on purpose and starts a new one at once.
    mutating func reconnect(reason: SignalingDisconnectReason, now: Instant) {
        guard case .connected(let socket, _) = state else { return }
        emit(.closeWebSocket(socket))
        counters.numberOfReconnects &+= 1
        iceRefresh = .idle
        emit(.event(.disconnected(reason)))
        if case .goAway = reason {
            // The service is moving this channel: ask where to connect now.
            endpoints = nil
        }
        advance(now: now)
    }

    mutating func received(_ bytes: [UInt8], now: Instant) {
        let message: SignalingIncomingMessage
        do {
            message = try SignalingIncomingMessage.decode(bytes)
        } catch {
            countError()
            emit(.event(.messageRejected(error)))
            return
        }
        counters.numberOfMessagesReceived &+= 1
        switch message {
        case .offer(let description, let sender):
            emit(.event(.offerReceived(description, from: sender)))
            releaseCandidates(of: sender, now: now)
        case .answer(let description, let sender):
            emit(.event(.answerReceived(description, from: sender)))
            releaseCandidates(of: sender, now: now)
        case .iceCandidate(let candidate, let sender):
            let (deliver, dropped) = candidates.candidateArrived(candidate, from: sender, now: now)
            if dropped > 0 { emit(.event(.candidatesDropped(count: dropped))) }
            if let deliver { emit(.event(.candidateReceived(deliver, from: sender))) }
        case .goAway:
            reconnect(reason: .goAway, now: now)
        case .reconnectICEServer:
            startIceRefresh(now: now)
        case .statusResponse(let status):
            countError()
            emit(.event(.statusResponse(status)))
        }
    }

    private mutating func releaseCandidates(of sender: String?, now: Instant) {
        for candidate in candidates.offerArrived(from: sender, now: now) {
            emit(.event(.candidateReceived(candidate, from: sender)))
        }
    }

    /// Hands every message its quota allows to the socket.
    mutating func flush(now: Instant) {
        guard case .connected(let socket, _) = state else { return }
        for message in pacer.release(now: now) {
            counters.numberOfMessagesSent &+= 1
            emit(.sendText(socket, message.json))
        }
    }

    // MARK: ICE configuration refresh while connected

    /// Fetches a new ICE configuration now, unless a fetch is already under way.
    mutating func startIceRefresh(now: Instant) {
        guard case .connected = state else { return }
        switch iceRefresh {
        case .fetching, .fetchingCredentials: return
        case .idle, .backingOff: break
        }
        let id = SignalingCallID(makeID())
        if !credentialsUsable(now: now) {
            iceRefresh = .fetchingCredentials(id, deadline: now + configuration.callTimeout)
            emit(.call(id, .credentials, clockOffset: clockOffset))
            return
        }
        guard let request = iceConfigRequest() else { return }
        counters.iceRefreshCount &+= 1
        iceRefresh = .fetching(id, deadline: now + configuration.callTimeout, startedAt: now)
        emit(.call(id, request, clockOffset: clockOffset))
    }

    mutating func iceRefreshTimeout(now: Instant) {
        switch iceRefresh {
        case .idle:
            if let at = iceRefreshAt, at <= now { startIceRefresh(now: now) }
        case .fetchingCredentials(let id, let deadline) where deadline <= now:
            iceRefreshFailed(id, KVSAPIError(kind: .timeout), now: now)
        case .fetching(let id, let deadline, _) where deadline <= now:
            iceRefreshFailed(id, KVSAPIError(kind: .timeout), now: now)
        case .backingOff(let until) where until <= now:
            startIceRefresh(now: now)
        default:
            break
        }
    }

    mutating func iceRefreshSucceeded(_ id: SignalingCallID, _ response: KVSResponse, now: Instant) {
        switch (iceRefresh, response) {
        case (.fetchingCredentials(id, _), .credentials(let expiresAt)):
            credentialsArrived(expiresAt: expiresAt, now: now)
            iceRefresh = .idle
            startIceRefresh(now: now)
        case (.fetching(id, _, let startedAt), .iceServerConfig(let config)):
            dataPlaneLatency.add(now - startedAt)
            iceRefreshFailures = 0
            iceRefresh = .idle
            installIceConfiguration(config, now: now)
        case (.fetchingCredentials(id, _), _), (.fetching(id, _, _), _):
            iceRefreshFailed(id, KVSAPIError(kind: .transport, message: "unexpected response"), now: now)
        default:
            break  // A late answer to an abandoned call.
        }
    }

    mutating func iceRefreshFailed(_ id: SignalingCallID, _ error: KVSAPIError, now: Instant) {
        switch iceRefresh {
        case .fetchingCredentials(id, _): break
        case .fetching(id, _, _): break
        default: return
        }
        countError()
        emit(.event(.requestFailed(.iceConfig, error)))
        if correctClock(for: error) {
            iceRefresh = .idle
            return startIceRefresh(now: now)
        }
        switch error.status {
        case 401, 403: credentials = .missing
        default: break
        }
        // The current servers stay in use until a refresh succeeds; retry on the backoff curve.
        let delay = configuration.backoff.delay(attempt: iceRefreshFailures, using: &random)
        iceRefreshFailures += 1
        iceRefresh = .backingOff(until: now + delay)
        if error.status == 404 {
            // The channel went away under a live connection: start over from describe.
            channelARN = nil
            endpoints = nil
            reconnect(reason: .failed(error), now: now)
        }
    }
}
