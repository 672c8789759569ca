import CKVSShims
import CWebSockets
import Glibc
import Synchronization

/// What the lws context's user pointer points at.
struct WebSocketContextUser {
    /// The owning service (unretained; it outlives the context), nil until its init is done.
    var service: UnsafeMutableRawPointer?
    /// Read by LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS during context creation.
    var caDirectory: UnsafeMutablePointer<CChar>?
}

/// The lws context and its service thread behind a ``WebSocketClient``.
///
/// Thread rules: `shared` is the only state other threads touch. Everything else
/// (`connections`, `draining`, all lws calls except `lws_cancel_service`) belongs to the
/// service thread, which is why the type is `@unchecked Sendable`.
final class WebSocketService: @unchecked Sendable {
    enum Command: Sendable {
        case connect(UInt64, WebSocketURL, @Sendable (WebSocketEvent) -> Void)
        case send(UInt64, WebSocketOutgoing)
        case close(UInt64, WebSocketClose)
        case stop
    }

    struct Shared: ~Copyable {
        enum Phase: Equatable {
            case idle
            case connecting(UInt64)
            case open(UInt64)
            case stopped
        }
        var phase = Phase.idle
        var nextID: UInt64 = 1
        var commands: [Command] = []
        var queuedBytes = 0
        var thread: pthread_t?
        var serviceThreadID: Int32 = 0
        /// Cleared (under the lock) before the service thread destroys the context, so no
        /// other thread calls lws_cancel_service on a freed context.
        var contextAlive = true
    }

    let configuration: WebSocketConfiguration
    let shared = Mutex(Shared())
    let context: OpaquePointer

    // Owned C memory that must outlive the context.
    private let protocols: UnsafeMutablePointer<lws_protocols>
    let protocolName: UnsafeMutablePointer<CChar>
    /// HTTP/1.1 only: the WebSocket upgrade of RFC 6455 is an HTTP/1.1 mechanism.
    let alpn: UnsafeMutablePointer<CChar>
    private let caFile: UnsafeMutablePointer<CChar>?
    let caDirectory: UnsafeMutablePointer<CChar>?
    private let retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>
    /// The context's user pointer: a slot filled with `self` once init is done (lws may call
    /// back while the context is being created, before `self` is complete).
    private let userSlot: UnsafeMutablePointer<WebSocketContextUser>

    // Service-thread state.
    var connections: [UnsafeMutableRawPointer: WebSocketConnection] = [:]
    var draining = false
    private var contextDestroyed = false

    static let protocolNameText = "kvs-signaling"
    /// lws' per-thread buffer, where it also builds the upgrade request.
    static let serviceBufferSize = 32 * 1024
    /// lws 4.1 cuts request lines at 2047 bytes; see `kvs_lws41_repair_request_line`.
    static let repairsRequestLine = String(cString: lws_get_library_version()).hasPrefix("4.1.")

    init(configuration: WebSocketConfiguration) throws(WebSocketError) {
        self.configuration = configuration
        protocolName = strdup(Self.protocolNameText)
        alpn = strdup("http/1.1")
        switch configuration.trust {
        case .systemStore:
            caFile = nil
            caDirectory = nil
        case .caFile(let path):
            caFile = strdup(path)
            caDirectory = nil
        case .caDirectory(let path):
            caFile = nil
            caDirectory = strdup(path)
        }
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = webSocketServiceCallback
        protocols[0].rx_buffer_size = 16 * 1024
        retryPolicy = .allocate(capacity: 1)
        retryPolicy.initialize(to: lws_retry_bo_t())
        // lws' own idle "validity" pings are replaced by ours (millisecond timers, pong
        // deadline); push its policy out of reach so it never hangs up on its own.
        retryPolicy.pointee.secs_since_valid_ping = 65_000
        retryPolicy.pointee.secs_since_valid_hangup = 65_535
        userSlot = .allocate(capacity: 1)
        userSlot.initialize(to: WebSocketContextUser(service: nil, caDirectory: caDirectory))

        WebSocketLibraryLog.adoptDefault(configuration.log)
        if case .caFile(let path) = configuration.trust, access(path, R_OK) != 0 {
            throw .contextCreationFailed(reason: "cannot read the CA file \(path)")
        }
        guard
            let created = Self.createContext(
                configuration: configuration, protocols: protocols, caFile: caFile,
                hasCADirectory: caDirectory != nil, retryPolicy: retryPolicy, user: UnsafeMutableRawPointer(userSlot))
        else {
            throw .contextCreationFailed(reason: "lws_create_context failed (see the lws log)")
        }
        context = created
        userSlot.pointee.service = Unmanaged.passUnretained(self).toOpaque()
        try startThread()
    }

    deinit {
        if !contextDestroyed { lws_context_destroy(context) }
        protocols.deinitialize(count: 2)
        protocols.deallocate()
        retryPolicy.deinitialize(count: 1)
        retryPolicy.deallocate()
        userSlot.deinitialize(count: 1)
        userSlot.deallocate()
        free(protocolName)
        free(alpn)
        free(caFile)
        free(caDirectory)
    }

    private static func createContext(
        configuration: WebSocketConfiguration, protocols: UnsafeMutablePointer<lws_protocols>,
        caFile: UnsafeMutablePointer<CChar>?, hasCADirectory: Bool,
        retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>, user: UnsafeMutableRawPointer?
    ) -> OpaquePointer? {
        var info = lws_context_creation_info()
        info.port = kvs_lws_port_no_listen()
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        info.options = kvs_lws_option_ssl_global_init()
        if caFile != nil || hasCADirectory { info.options |= kvs_lws_option_disable_os_ca_certs() }
        info.client_ssl_ca_filepath = UnsafePointer(caFile)
        info.user = user
        // A presigned KVS URL is 1–2 KB and lws keeps the request target in its header table
        // and builds the request in the per-thread buffer: give both plenty of room.
        info.max_http_header_data = 16 * 1024
        info.max_http_header_pool = 4
        info.pt_serv_buf_size = UInt32(Self.serviceBufferSize)
        info.fd_limit_per_thread = 16
        info.count_threads = 1
        // Our own timers cut connects and closes; lws' second-granularity timeouts stay behind.
        let seconds = UInt32(clamping: configuration.connectTimeout.components.seconds + 5)
        info.timeout_secs = seconds
        info.connect_timeout_secs = seconds
        info.retry_and_idle_policy = UnsafePointer(retryPolicy)
        return lws_create_context(&info)
    }

    // MARK: The service thread

    private func startThread() throws(WebSocketError) {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let service = Unmanaged<WebSocketService>.fromOpaque(raw).takeRetainedValue()
            service.run()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<WebSocketService>.fromOpaque(box).release()
            throw .contextCreationFailed(reason: "cannot start the service thread (error \(status))")
        }
        shared.withLock { $0.thread = thread }
    }

    private func run() {
        shared.withLock { $0.serviceThreadID = kvs_gettid() }
        // A finished connection may still wait for lws to free its socket; the context's
        // destruction below takes care of that.
        while !(draining && connections.values.allSatisfy(\.isFinished)) {
            if lws_service(context, 0) < 0 { break }
        }
        // Whatever is still open (an lws failure above) is torn down with the context, which
        // must happen on the thread that serviced it.
        shared.withLock { state in
            state.contextAlive = false
            state.phase = .stopped
        }
        lws_context_destroy(context)
        contextDestroyed = true
        for connection in connections.values where !connection.isFinished {
            connection.wsi = nil
            finish(connection, with: .failed(.shutDown))
        }
        connections.removeAll()
    }

    // MARK: Commands from any thread

    func connect(url: WebSocketURL, events: @escaping @Sendable (WebSocketEvent) -> Void) throws(WebSocketError) {
        try submit { state throws(WebSocketError) in
            switch state.phase {
            case .stopped: throw .shutDown
            case .connecting, .open: throw .alreadyConnected
            case .idle: break
            }
            let id = state.nextID
            state.nextID &+= 1
            state.phase = .connecting(id)
            return .connect(id, url, events)
        }
    }

    func send(_ message: WebSocketOutgoing) throws(WebSocketError) {
        let limit = configuration.maxQueuedBytes
        try submit { state throws(WebSocketError) in
            guard case .open(let id) = state.phase else { throw state.phase == .stopped ? .shutDown : .notConnected }
            guard state.queuedBytes + message.bytes.count <= limit else { throw .sendQueueFull(limit: limit) }
            state.queuedBytes += message.bytes.count
            return .send(id, message)
        }
    }

    func close(_ close: WebSocketClose) throws(WebSocketError) {
        try submit { state throws(WebSocketError) in
            switch state.phase {
            case .stopped: throw .shutDown
            case .idle: throw .notConnected
            case .connecting(let id), .open(let id): return .close(id, close)
            }
        }
    }

    func shutdown() {
        let (thread, onServiceThread) = shared.withLock { state in
            if state.phase != .stopped {
                state.phase = .stopped
                state.commands.append(.stop)
                if state.commands.count == 1 && state.contextAlive { lws_cancel_service(context) }
            }
            let thread = state.thread
            state.thread = nil
            return (thread, state.serviceThreadID == kvs_gettid())
        }
        guard let thread else { return }
        if onServiceThread {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    /// Appends the command `body` builds and wakes the service thread if it had nothing queued
    /// (a non-empty queue means a wake-up is already on its way).
    private func submit(_ body: (inout Shared) throws(WebSocketError) -> Command) throws(WebSocketError) {
        try shared.withLock { state throws(WebSocketError) in
            let command = try body(&state)
            state.commands.append(command)
            // lws_cancel_service only writes to lws' wake-up pipe; doing it under the lock keeps
            // it from racing the context's destruction.
            if state.commands.count == 1 && state.contextAlive { lws_cancel_service(context) }
        }
    }

    // MARK: Logging

    func log(_ level: WebSocketLogLevel, _ message: @autoclosure () -> String) {
        guard let sink = configuration.log else { return }
        sink(level, WebSocketRedaction.redact(message()))
    }
}
