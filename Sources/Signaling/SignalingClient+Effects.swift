import EventLoop
import Logging
import WireKit

/// The driver's side effects: REST calls, credentials, the endpoint cache and the WebSocket.
extension SignalingClient {
    // MARK: REST

    func performCall(_ id: SignalingCallID, _ request: KVSRequest, clockOffset: Duration) {
        if case .credentials = request { return fetchCredentials(for: id) }
        if let cached = cachedAnswer(for: request) {
            log.log(.debug, "\(Self.name(of: request)) answered from the endpoint cache")
            feed(.callSucceeded(id, cached))
            return
        }
        guard let credentials else {
            feed(.callFailed(id, KVSAPIError(kind: .http(status: 401), errorType: "MissingCredentials", message: "no credentials yet")))
            return
        }
        log.log(.debug, "calling \(Self.name(of: request))")
        let started = loop.now
        if case .getSignalingChannelEndpoint(let arn) = request, configuration.includeWebRTCEndpoint {
            rest.getEndpoints(channelARN: arn, includeWebRTC: true, credentials: credentials, clockOffset: clockOffset) {
                [weak self] result in
                let mapped = result.map { RESTKVSReply(value: $0.value, serverClockOffset: $0.serverClockOffset) }
                self?.hop { client in
                    if case .success(let reply) = mapped { client.snapshotValue.webRTCEndpoint = reply.value.webRTC }
                    client.callFinished(
                        id, request, mapped.map { RESTKVSReply(value: KVSResponse.endpoints($0.value.signaling), serverClockOffset: $0.serverClockOffset) },
                        started: started)
                }
            }
            return
        }
        rest.call(request, credentials: credentials, clockOffset: clockOffset) { [weak self] result in
            self?.hop { client in client.callFinished(id, request, result, started: started) }
        }
    }

    func callFinished(
        _ id: SignalingCallID, _ request: KVSRequest, _ result: Result<RESTKVSReply<KVSResponse>, KVSAPIError>,
        started: Instant
    ) {
        guard case .running = lifecycle else { return }
        let elapsed = (loop.now - started).milliseconds
        switch result {
        case .success(let reply):
            log.log(.debug, "\(Self.name(of: request)) succeeded in \(elapsed) ms")
            if let offset = reply.serverClockOffset { feed(.serverClockObserved(offset: offset)) }
            remember(request, reply.value)
            feed(.callSucceeded(id, reply.value))
        case .failure(let error):
            log.log(.debug, "\(Self.name(of: request)) failed after \(elapsed) ms: \(error)")
            if error.status == 404 { forgetCachedEndpoints(reason: "the channel was not found") }
            feed(.callFailed(id, error))
        }
        process()
    }

    static func name(of request: KVSRequest) -> String {
        switch request {
        case .credentials: "credentials"
        case .describeChannel: "DescribeSignalingChannel"
        case .createChannel: "CreateSignalingChannel"
        case .getSignalingChannelEndpoint: "GetSignalingChannelEndpoint"
        case .getIceServerConfig: "GetIceServerConfig"
        }
    }

    // MARK: Endpoint cache

    /// The cached answer to the first describe and endpoint calls, when the cache is warm.
    func cachedAnswer(for request: KVSRequest) -> KVSResponse? {
        switch (cache, request) {
        case (.serving(let entry, false), .describeChannel(let name)) where name == configuration.machine.channelName:
            cache = .serving(entry, describeAnswered: true)
            return .channelDescribed(
                KVSChannelInfo(name: name, arn: entry.channelARN, status: "ACTIVE", type: "SINGLE_MASTER"))
        case (.serving(let entry, true), .getSignalingChannelEndpoint(let arn)) where arn == entry.channelARN:
            cache = .verifying(entry)
            snapshotValue.webRTCEndpoint = entry.webRTCEndpoint
            return .endpoints(entry.endpoints)
        case (.serving, _):
            cache = .done
            return nil
        default:
            return nil
        }
    }

    /// Stores fresh endpoints so that the next start skips two calls.
    func remember(_ request: KVSRequest, _ response: KVSResponse) {
        guard case .getSignalingChannelEndpoint(let arn) = request, case .endpoints(let endpoints) = response,
            let path = configuration.endpointCachePath
        else { return }
        let now = wallClock()
        let entry = EndpointCacheEntry(
            key: configuration.endpointCacheKey, channelARN: arn, endpoints: endpoints,
            webRTCEndpoint: snapshotValue.webRTCEndpoint, storedAt: now)
        do {
            try EndpointCache(path: path).store(entry, now: now)
        } catch {
            log.log(.warning, "cannot write the endpoint cache: \(error)")
        }
    }

    func forgetCachedEndpoints(reason: String) {
        guard let path = configuration.endpointCachePath else { return }
        switch cache {
        case .serving, .verifying: cache = .done
        default: break
        }
        do {
            try EndpointCache(path: path).remove(configuration.endpointCacheKey)
            log.log(.info, "dropped the cached endpoints of \(configuration.machine.channelName): \(reason)")
        } catch {
            log.log(.warning, "cannot update the endpoint cache: \(error)")
        }
    }

    // MARK: Credentials

    /// Resolves credentials off the loop (the chain may read files or call AWS IoT).
    func fetchCredentials(for id: SignalingCallID) {
        let provider = credentialProvider
        let started = BlockingWork.run { [weak self] in
            let result = provider.resolve()
            self?.hop { client in client.credentialsResolved(id, result) }
        }
        if !started {
            feed(.callFailed(id, KVSAPIError(kind: .transport, errorType: "CredentialsUnavailable", message: "cannot start a thread")))
        }
    }

    func credentialsResolved(_ id: SignalingCallID, _ result: Result<SignalingCredentials, CredentialError>) {
        guard case .running = lifecycle else { return }
        switch result {
        case .success(let resolved):
            install(resolved)
            feed(.callSucceeded(id, .credentials(expiresAt: expiry(of: resolved.credentials))))
        case .failure(let error):
            log.log(.error, "no usable AWS credentials: \(error)")
            feed(.callFailed(id, KVSAPIError(kind: .transport, errorType: "CredentialsUnavailable", message: "\(error)")))
        }
        process()
    }

    /// When `credentials` expire, on the loop's clock.
    func expiry(of credentials: AWSCredentials) -> Instant? {
        credentials.expiration.map { loop.now + .seconds($0 &- wallClock()) }
    }

    func install(_ resolved: SignalingCredentials) {
        log.protect(resolved.credentials)
        if credentials?.accessKeyID != resolved.credentials.accessKeyID || credentials == nil {
            log.log(.info, "using AWS credentials from \(resolved.source) (access key \(resolved.credentials.accessKeyID))")
        } else {
            log.log(.debug, "AWS credentials refreshed from \(resolved.source)")
        }
        credentials = resolved.credentials
        scheduleCredentialRefresh(resolved.credentials)
    }

    /// Temporary credentials (AWS IoT, STS) are fetched again before they expire, so a
    /// reconnect never has to wait for them.
    func scheduleCredentialRefresh(_ credentials: AWSCredentials) {
        if let credentialRefreshTimer { loop.cancel(credentialRefreshTimer) }
        credentialRefreshTimer = nil
        guard let expiration = credentials.expiration else { return }
        let now = wallClock()
        let refreshAt = IoTCredentialRefresher.refreshTime(expiration: expiration, fetchedAt: now, margin: 300)
        let delay = Duration.seconds(max(refreshAt &- now, 1))
        credentialRefreshTimer = loop.schedule(after: delay) { [weak self] _ in
            guard let self else { return }
            self.assumeIsolated { $0.refreshCredentialsInBackground() }
        }
    }

    func refreshCredentialsInBackground() {
        credentialRefreshTimer = nil
        guard case .running = lifecycle else { return }
        let provider = credentialProvider
        BlockingWork.run { [weak self] in
            let result = provider.resolve()
            self?.hop { client in
                guard case .running = client.lifecycle else { return }
                switch result {
                case .success(let resolved):
                    client.install(resolved)
                    // The machine must know, or it fetches again itself when the old ones near expiry.
                    client.feed(.credentialsRefreshed(expiresAt: client.expiry(of: resolved.credentials)))
                    client.process()
                case .failure(let error):
                    client.log.log(.warning, "refreshing AWS credentials failed (retrying in 30 s): \(error)")
                    client.credentialRefreshTimer = client.loop.schedule(after: .seconds(30)) { [weak client] _ in
                        guard let client else { return }
                        client.assumeIsolated { $0.refreshCredentialsInBackground() }
                    }
                }
            }
        }
    }

    // MARK: WebSocket

    func openWebSocket(_ open: PendingOpen) {
        switch socket {
        case .none:
            connect(open)
        case .live(let old):
            // The machine always closes first; be safe if it did not.
            closeWebSocket(old)
            socket = .closing(old, next: open)
        case .closing(let old, _):
            socket = .closing(old, next: open)
        }
    }

    func connect(_ open: PendingOpen) {
        guard let credentials else {
            feed(.webSocketFailed(open.socket, KVSAPIError(kind: .http(status: 401), message: "no credentials yet")))
            return
        }
        let signer = SigV4Signer(
            credentials: credentials, region: configuration.endpoints.region, clockOffset: open.clockOffset.components.seconds)
        let url: SigV4PresignedURL
        do {
            url = try signer.connectAsMasterURL(endpoint: open.endpoint, channelARN: open.channelARN, now: wallClock())
        } catch {
            feed(.webSocketFailed(open.socket, KVSAPIError(kind: .transport, errorType: "SigningFailed", message: "\(error)")))
            return
        }
        let id = open.socket
        do {
            try webSocket.connect(url: url.url) { [weak self] event in
                self?.hop { client in client.socketEvent(id, event) }
            }
        } catch {
            feed(.webSocketFailed(id, KVSAPIError(kind: .transport, message: "\(error)")))
            return
        }
        socket = .live(id)
        snapshotValue.webSocketAttempts += 1
        log.log(.debug, "opening the signaling WebSocket to \(Self.host(of: open.endpoint)) (\(id))")
    }

    func sendText(_ id: SignalingSocketID, _ text: String) {
        guard case .live(id) = socket else { return }
        do {
            try webSocket.send(text: text)
            log.log(.trace, "sent a \(text.utf8.count)-byte signaling message")
        } catch {
            driverErrors &+= 1
            log.log(.warning, "cannot send a signaling message: \(error)")
        }
    }

    func closeWebSocket(_ id: SignalingSocketID) {
        guard case .live(id) = socket else { return }
        socket = .closing(id, next: nil)
        do {
            try webSocket.close()
        } catch {
            // Already ending: its terminal event is on its way.
            log.log(.trace, "closing \(id): \(error)")
        }
    }

    func socketEvent(_ id: SignalingSocketID, _ event: WebSocketEvent) {
        guard case .running = lifecycle else { return }
        switch event {
        case .opened:
            log.log(.debug, "signaling WebSocket open (\(id))")
            feed(.webSocketOpened(id))
        case .textReceived(let text):
            log.log(.trace, "received a \(text.utf8.count)-byte signaling message")
            feed(.webSocketMessage(id, Array(text.utf8)))
        case .binaryReceived(let bytes):
            log.log(.warning, "the service sent a binary frame of \(bytes.count) bytes; signaling is text")
            feed(.webSocketMessage(id, bytes))
        case .pongReceived:
            log.log(.trace, "keepalive pong")
        case .messageDiscarded(let error):
            driverErrors &+= 1
            log.log(.warning, "dropped a signaling message from the service: oversized or invalid frame (\(error))")
        case .closed(let close):
            socketEnded(id)
            feed(.webSocketClosed(id, code: Int(close.code)))
        case .failed(let error):
            socketEnded(id)
            let mapped = Self.apiError(for: error)
            if case .verifying = cache { forgetCachedEndpoints(reason: "the cached endpoint failed (\(error))") }
            feed(.webSocketFailed(id, mapped))
        }
        process()
    }

    /// The connection behind `id` is gone: start the open that waited for it, if any.
    func socketEnded(_ id: SignalingSocketID) {
        switch socket {
        case .live(id):
            socket = .none
        case .closing(id, let next):
            socket = .none
            if let next { connect(next) }
        default:
            break
        }
    }

    static func apiError(for error: WebSocketError) -> KVSAPIError {
        switch error {
        case .upgradeRejected(let status): KVSAPIError(kind: .http(status: status), message: error.description)
        case .connectTimeout: KVSAPIError(kind: .timeout, message: error.description)
        case .tlsHandshakeFailed: KVSAPIError(kind: .transport, errorType: "TLSFailed", message: error.description)
        case .tlsVerificationFailed:
            KVSAPIError(kind: .transport, errorType: "CertificateUntrusted", message: error.description)
        default: KVSAPIError(kind: .transport, message: error.description)
        }
    }

    /// `wss://host:port/path` → `host:port`, for logs (never the query).
    static func host(of endpoint: String) -> String {
        let rest = endpoint.firstTextRange(of: "://").map { endpoint[$0.upperBound...] } ?? endpoint[...]
        return String(rest.prefix { $0 != "/" && $0 != "?" })
    }
}
