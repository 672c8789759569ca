import EventLoop
import Logging
import Synchronization
import WireKit

/// What the signaling client looks like from outside its loop, refreshed after every step it
/// takes (readable from any thread: tests, metrics exporters, the daemon's status line).
public struct SignalingClientSnapshot: Sendable, Equatable {
    public var state: SignalingState = .idle
    public var metrics = SignalingMetrics()
    public var clockOffset: Duration = .zero
    /// Time from `start` to the first WebSocket connection.
    public var firstConnectTime: Duration?
    /// The channel endpoints came from the endpoint cache on the first connection.
    public var connectedFromCache = false
    /// The WEBRTC endpoint for JoinStorageSession, when asked for and known.
    public var webRTCEndpoint: String?
    public var channelARN: String?
    /// Times a WebSocket was opened (one per connection attempt).
    public var webSocketAttempts = 0

    public init() {}
}

/// The driver of `SignalingStateMachine` (KVS developer guide, "How it works"): it runs the
/// sans-IO machine on an `EventLoop`, performs its outputs — SigV4-signed REST calls through
/// `RESTKVSClient`, ConnectAsMaster WebSockets with URLs presigned by `SigV4Signer`, sends and
/// closes — and feeds the results back as inputs. It also resolves credentials (off the loop,
/// since the IoT provider blocks), refreshes expiring ones ahead of time, serves the first
/// DescribeSignalingChannel and GetSignalingChannelEndpoint from the endpoint cache, and logs
/// one line per event.
///
/// All state lives on the loop: the actor's executor is the loop, libcurl and libwebsockets
/// completions hop onto it with `EventLoop.execute`, and events reach the owner on it.
public actor SignalingClient {
    public nonisolated let loop: EventLoop
    public nonisolated let configuration: SignalingClientConfiguration
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    let http: RESTClient
    let rest: RESTKVSClient
    let webSocket: WebSocketClient
    let credentialProvider: SignalingCredentialProvider
    let onEvent: @Sendable (SignalingEvent) -> Void
    let wallClock: @Sendable () -> Int64
    let published = SnapshotBox()

    var machine: SignalingStateMachine
    var log: SignalingLog
    var credentials: AWSCredentials?
    var timer: (id: TimerID, deadline: Instant)?
    var credentialRefreshTimer: TimerID?
    var socket: SocketSlot = .none
    var cache: CacheUse = .unused
    var lifecycle: Lifecycle = .created
    var startedAt: Instant?
    /// Errors only the driver sees (frames the socket discarded, failed sends).
    var driverErrors: UInt64 = 0
    var snapshotValue = SignalingClientSnapshot()

    enum Lifecycle { case created, running, stopped }

    /// The lws connection (one at a time) and the open that waits for it to finish.
    enum SocketSlot {
        case none
        case live(SignalingSocketID)
        case closing(SignalingSocketID, next: PendingOpen?)
    }

    struct PendingOpen {
        var socket: SignalingSocketID
        var endpoint: String
        var channelARN: String
        var clockOffset: Duration
    }

    /// How the endpoint cache takes part in the first connection.
    enum CacheUse {
        case unused
        /// A fresh entry answers DescribeSignalingChannel, then GetSignalingChannelEndpoint.
        case serving(EndpointCacheEntry, describeAnswered: Bool)
        /// The cached endpoints are being tried; a failure drops the entry.
        case verifying(EndpointCacheEntry)
        case done
    }

    /// Creates the HTTPS and WebSocket clients (their service threads start here).
    /// `seed` feeds the backoff jitter; `onEvent` runs on the loop for every event.
    public init(
        configuration: SignalingClientConfiguration, credentials: SignalingCredentialProvider, loop: EventLoop,
        logger: Logger = Logger(label: SignalingLog.label), seed: UInt64 = UInt64.random(in: .min ... .max),
        wallClock: @escaping @Sendable () -> Int64 = RESTKVSClient.systemWallClock,
        onEvent: @escaping @Sendable (SignalingEvent) -> Void = { _ in }
    ) throws(SignalingClientError) {
        self.loop = loop
        self.configuration = configuration
        self.credentialProvider = credentials
        self.onEvent = onEvent
        self.wallClock = wallClock
        self.machine = SignalingStateMachine(configuration: configuration.machine, seed: seed)
        self.log = SignalingLog(logger: logger)
        let httpConfiguration = RESTClient.Configuration(
            trustStore: configuration.trust, connectTimeout: configuration.restConnectTimeout,
            totalTimeout: configuration.machine.callTimeout)
        do {
            http = try RESTClient(configuration: httpConfiguration)
        } catch {
            throw .http(error)
        }
        rest = RESTKVSClient(
            http: http, endpoints: configuration.endpoints, includeWebRTCEndpoint: configuration.includeWebRTCEndpoint,
            wallClock: wallClock)
        let libraryLogger = self.log.logger
        let socketConfiguration = WebSocketConfiguration(
            trust: configuration.webSocketTrust, connectTimeout: configuration.machine.connectTimeout,
            pingInterval: configuration.pingInterval, maxMessageSize: configuration.maximumFrameSize,
            log: { level, line in
                let mapped: Logger.Level =
                    switch level {
                    case .error: .error
                    case .warning: .warning
                    case .notice: .notice
                    case .info: .debug
                    case .debug: .trace
                    }
                libraryLogger.log(level: mapped, "libwebsockets: \(SignalingLog.redact(line))")
            })
        do {
            webSocket = try WebSocketClient(configuration: socketConfiguration)
        } catch {
            http.close()
            throw .webSocket(error)
        }
    }

    deinit {
        webSocket.shutdown()
        http.close()
    }

    // MARK: Owner interface (any thread)

    /// Starts connecting (hops onto the loop).
    public nonisolated func start() {
        hop { $0.startOnLoop() }
    }

    /// Closes the socket, stops the timers and the service threads; `completion` runs on the
    /// loop when everything is down.
    public nonisolated func stop(completion: @escaping @Sendable () -> Void = {}) {
        hop {
            $0.stopOnLoop()
            completion()
        }
    }

    /// Queues an answer, offer or candidate; it leaves when connected and its quota allows.
    public nonisolated func send(_ message: SignalingOutgoingMessage) {
        hop { client in
            client.machine.send(message, now: client.loop.now)
            client.process()
        }
    }

    /// The viewer's session is over: its next candidates wait for a new offer again.
    public nonisolated func viewerSessionEnded(clientId: String?) {
        hop { client in client.machine.viewerSessionEnded(clientId: clientId) }
    }

    /// The latest snapshot (state, metrics, clock offset, connect time).
    public nonisolated var snapshot: SignalingClientSnapshot { published.value }

    /// Metrics as of now (loop thread).
    public func metrics() -> SignalingMetrics { currentMetrics(now: loop.now) }

    /// Runs `work` isolated to this client on the loop, from any thread. The client is held
    /// weakly: work for a client that is gone is dropped.
    nonisolated func hop(_ work: @escaping @Sendable (isolated SignalingClient) -> Void) {
        loop.execute { [weak self] in
            guard let self else { return }
            self.assumeIsolated { work($0) }
        }
    }

    // MARK: Lifecycle

    func startOnLoop() {
        guard case .created = lifecycle else { return }
        lifecycle = .running
        let now = loop.now
        startedAt = now
        if let path = configuration.endpointCachePath,
            let entry = EndpointCache(path: path).lookup(configuration.endpointCacheKey, now: wallClock())
        {
            cache = .serving(entry, describeAnswered: false)
            log.log(.debug, "endpoint cache has \(configuration.machine.channelName); skipping describe and endpoint calls")
        }
        log.log(
            .info,
            "signaling client starting for channel \(configuration.machine.channelName) in \(configuration.endpoints.region) "
                + "via \(configuration.endpoints.controlPlane)")
        machine.start(now: now)
        process()
    }

    func stopOnLoop() {
        guard case .running = lifecycle else {
            lifecycle = .stopped
            return
        }
        machine.stop(now: loop.now)
        process()
        lifecycle = .stopped
        if let timer { loop.cancel(timer.id) }
        timer = nil
        if let credentialRefreshTimer { loop.cancel(credentialRefreshTimer) }
        credentialRefreshTimer = nil
        webSocket.shutdown()
        http.close()
        log.log(.info, "signaling client stopped")
        publishSnapshot()
    }

    // MARK: The drive loop

    /// Performs every pending output (which may feed inputs and produce more), re-arms the
    /// timer and publishes a snapshot.
    func process() {
        while let output = machine.pollOutput() {
            perform(output)
        }
        rearmTimer()
        publishSnapshot()
    }

    /// Feeds one input to the machine (the caller runs `process` afterwards).
    func feed(_ input: SignalingInput) {
        machine.handle(input, now: loop.now)
    }

    func perform(_ output: SignalingOutput) {
        switch output {
        case .call(let id, let request, let clockOffset):
            performCall(id, request, clockOffset: clockOffset)
        case .openWebSocket(let id, let endpoint, let arn, let clockOffset):
            openWebSocket(PendingOpen(socket: id, endpoint: endpoint, channelARN: arn, clockOffset: clockOffset))
        case .sendText(let id, let text):
            sendText(id, text)
        case .closeWebSocket(let id):
            closeWebSocket(id)
        case .event(let event):
            deliver(event)
        }
    }

    func deliver(_ event: SignalingEvent) {
        log.event(event)
        switch event {
        case .connected:
            if snapshotValue.firstConnectTime == nil, let startedAt {
                let elapsed = loop.now - startedAt
                snapshotValue.firstConnectTime = elapsed
                log.log(.info, "first connection took \(elapsed.milliseconds) ms")
            }
            if case .verifying = cache {
                snapshotValue.connectedFromCache = true
                cache = .done
            }
            // The owner may read the snapshot from its callback: make it current first.
            publishSnapshot()
            onEvent(event)
        case .iceServersUpdated(let config):
            // KVS_STUN_URI (or the region's STUN server) leads the list the owner gets.
            let stun = KVSIceServer(
                uris: [configuration.endpoints.stunURI], username: "", password: "",
                ttl: KVSIceServer.stun(region: configuration.endpoints.region).ttl)
            onEvent(.iceServersUpdated(KVSIceServerConfig(servers: [stun] + config.servers)))
        default:
            onEvent(event)
        }
    }

    func rearmTimer() {
        let deadline = lifecycle == .running ? machine.pollTimeout() : nil
        if let timer, timer.deadline == deadline { return }
        if let timer { loop.cancel(timer.id) }
        timer = nil
        guard let deadline else { return }
        let id = loop.schedule(at: deadline) { [weak self] now in
            guard let self else { return }
            self.assumeIsolated { $0.timerFired(now) }
        }
        timer = (id, deadline)
    }

    func timerFired(_ now: Instant) {
        timer = nil
        guard case .running = lifecycle else { return }
        machine.handleTimeout(now: now)
        process()
    }

    func currentMetrics(now: Instant) -> SignalingMetrics {
        var metrics = machine.metrics(now: now)
        metrics.numberOfErrors &+= driverErrors
        return metrics
    }

    func publishSnapshot() {
        snapshotValue.state = machine.state
        snapshotValue.metrics = currentMetrics(now: loop.now)
        snapshotValue.clockOffset = machine.clockOffset
        snapshotValue.channelARN = machine.channelARN
        published.value = snapshotValue
    }

}

/// The snapshot behind a lock, written on the loop and read anywhere.
final class SnapshotBox: Sendable {
    private let state = Mutex(SignalingClientSnapshot())

    var value: SignalingClientSnapshot {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// Why the signaling client could not be created.
public enum SignalingClientError: Error, Sendable, CustomStringConvertible {
    case http(HTTPError)
    case webSocket(WebSocketError)

    public var description: String {
        switch self {
        case .http(let error): "cannot start the HTTPS client: \(error)"
        case .webSocket(let error): "cannot start the WebSocket client: \(error)"
        }
    }
}
