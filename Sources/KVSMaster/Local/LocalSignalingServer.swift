import CKVSShims
import CWebSockets
import EventLoop
import Glibc
import Logging
import Signaling
import Synchronization
import WireKit

/// Why the local signaling server could not start.
public enum LocalSignalingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// lws could not create the context or bind the address (in use, not a local address).
    case cannotListen(address: String)
    case cannotStartThread(code: Int32)

    public var description: String {
        switch self {
        case .cannotListen(let address):
            "cannot listen on \(address): the port is in use or the address is not one of this machine's (see --listen)"
        case .cannotStartThread(let code): "cannot start the local signaling thread (error \(code))"
        }
    }
}

/// `--local`: the master's signaling served by the daemon itself, over libwebsockets (HTTP and
/// WebSocket on one port), instead of Amazon KVS.
///
/// `GET /` is the viewer page; a WebSocket upgrade on any path is a viewer's signaling channel,
/// speaking the viewer side of the KVS signaling WebSocket API (KVS developer guide,
/// "WebSocket endpoint APIs", as for ConnectAsViewer): the viewer sends `SDP_OFFER` and
/// `ICE_CANDIDATE` actions with base64 payloads, the master's `SDP_ANSWER` and `ICE_CANDIDATE`
/// come back as `{"senderClientId","messageType","messagePayload"}`. The viewer's client id is
/// the `X-Amz-ClientId` query parameter (one is made up when absent).
///
/// Threads: lws runs on a service thread of its own; what it receives is handed to the loop
/// with ``EventLoop/execute(_:)`` and `onEvent`, and the loop's sends come back through a
/// locked command queue and `lws_cancel_service` (as ``WebSocketClient`` does).
public final class LocalSignalingServer: MasterSignaling, @unchecked Sendable {
    enum Command: Sendable {
        case send(clientId: String, frame: [UInt8])
        case stop(@Sendable () -> Void)
    }

    struct Shared: ~Copyable {
        var commands: [Command] = []
        var contextAlive = true
        var started = false
        var stopping = false
        var socketCount = 0
        var received = 0
        var sent = 0
        var refused = 0
    }

    public let settings: LocalSignalingSettings
    /// The port actually bound (the configured one, or the kernel's pick for port 0).
    public let port: Int
    let loop: EventLoop
    let logger: Logger
    let onEvent: @Sendable (SignalingEvent) -> Void
    let shared = Mutex(Shared())
    let context: OpaquePointer
    let page: LocalViewerPage

    // C memory that must outlive the context.
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let interface: UnsafeMutablePointer<CChar>
    private let userSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    // Service-thread state.
    var connections: [OpaquePointer: LocalConnection] = [:]
    /// Client id → its signaling socket.
    var viewers: [String: OpaquePointer] = [:]
    /// What FILTER_PROTOCOL_CONNECTION read from an upgrade request, for ESTABLISHED.
    var pendingClientIds: [OpaquePointer: String] = [:]
    var draining = false
    var stopCompletions: [@Sendable () -> Void] = []

    /// Creates the lws context (which binds the address, so a busy port fails here). `onEvent`
    /// runs on the loop.
    public init(
        settings: LocalSignalingSettings, loop: EventLoop, logger: Logger = Logger(label: "local-signaling"),
        onEvent: @escaping @Sendable (SignalingEvent) -> Void
    ) throws(LocalSignalingError) {
        self.settings = settings
        self.loop = loop
        self.logger = logger
        self.onEvent = onEvent
        page = LocalViewerPage()
        protocolName = strdup("kvs-local-signaling")
        interface = strdup("\(settings.listen.ip)")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = localSignalingCallback
        protocols[0].rx_buffer_size = 16 * 1024
        userSlot = .allocate(capacity: 1)
        userSlot.initialize(to: nil)

        var info = lws_context_creation_info()
        info.port = Int32(settings.listen.port)
        info.iface = UnsafePointer(interface)
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        if settings.listen.ip.isIPv4 { info.options |= kvs_lws_option_disable_ipv6() }
        info.user = UnsafeMutableRawPointer(userSlot)
        info.max_http_header_data = 4096
        info.max_http_header_pool = 16
        info.count_threads = 1
        info.timeout_secs = 20
        guard let created = lws_create_context(&info) else {
            Self.free(protocols: protocols, userSlot: userSlot, strings: [protocolName, interface])
            throw .cannotListen(address: "\(settings.listen)")
        }
        context = created
        let vhost = lws_get_vhost_by_name(created, "default")
        let bound = vhost.map { Int(lws_get_vhost_listen_port($0)) } ?? 0
        port = bound > 0 ? bound : Int(settings.listen.port)
        userSlot.pointee = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        let alive = shared.withLock { state in
            let alive = state.contextAlive
            state.contextAlive = false
            return alive
        }
        if alive { lws_context_destroy(context) }
        Self.free(protocols: protocols, userSlot: userSlot, strings: [protocolName, interface])
    }

    private static func free(
        protocols: UnsafeMutablePointer<lws_protocols>, userSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
        strings: [UnsafeMutablePointer<CChar>]
    ) {
        protocols.deinitialize(count: 2)
        protocols.deallocate()
        userSlot.deinitialize(count: 1)
        userSlot.deallocate()
        for string in strings { Glibc.free(string) }
    }

    /// The URL to open (with the token when one is required).
    public var viewerURL: String { settings.viewerURL(port: port) }

    // MARK: MasterSignaling (the loop)

    public func start() {
        let first = shared.withLock { state -> Bool in
            guard !state.started, !state.stopping else { return false }
            state.started = true
            return true
        }
        guard first else { return }
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let server = Unmanaged<LocalSignalingServer>.fromOpaque(raw).takeRetainedValue()
            server.run()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<LocalSignalingServer>.fromOpaque(box).release()
            logger.critical("\(LocalSignalingError.cannotStartThread(code: status))")
            return
        }
        pthread_detach(thread)
        logger.notice("local signaling listening on \(settings.listen.ip) port \(port)")
        deliver(.connected)
    }

    public func stop(completion: @escaping @Sendable () -> Void) {
        let started = shared.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        guard started else {
            // No service thread: nobody else touches the context.
            let alive = shared.withLock { state in
                let alive = state.contextAlive
                state.contextAlive = false
                return alive
            }
            if alive { lws_context_destroy(context) }
            _ = loop.execute { completion() }
            return
        }
        submit(.stop(completion))
    }

    public func send(_ message: SignalingOutgoingMessage) {
        guard let clientId = message.recipientClientId else {
            logger.warning("local signaling: a message without a recipient (storage session) dropped")
            return
        }
        let frame: String
        do throws(SignalingCodecError) {
            frame = try Self.frame(for: message, from: settings.masterClientId)
        } catch {
            logger.error("local signaling: cannot build the \(message.action.rawValue) for \(clientId): \(error)")
            return
        }
        submit(.send(clientId: clientId, frame: Array(frame.utf8)))
    }

    public func viewerSessionEnded(clientId: String?) {}

    public func joinStorageSession(completion: @escaping @Sendable (Result<Void, KVSAPIError>) -> Void) {
        logger.error("JoinStorageSession is not available in local mode")
        completion(
            .failure(KVSAPIError.http(400, "InvalidArgumentException", message: "JoinStorageSession is not available in local mode")))
    }

    public var statusSummary: String {
        shared.withLock { state in
            "local signaling on \(settings.listen.ip):\(port): \(state.socketCount) viewer socket(s), "
                + "received \(state.received), sent \(state.sent), refused \(state.refused)"
        }
    }

    /// The master's message as the KVS service delivers it to a viewer.
    static func frame(for message: SignalingOutgoingMessage, from sender: String) throws(SignalingCodecError) -> String {
        switch message.action {
        case .sdpAnswer, .sdpOffer:
            let description = try message.sessionDescription()
            return description.kind == .answer
                ? SignalingIncomingMessage.answer(description, from: sender).json
                : SignalingIncomingMessage.offer(description, from: sender).json
        case .iceCandidate:
            return SignalingIncomingMessage.iceCandidate(try message.iceCandidate(), from: sender).json
        }
    }

    // MARK: Cross-thread plumbing

    func submit(_ command: Command) {
        shared.withLock { state in
            state.commands.append(command)
            if state.commands.count == 1 && state.contextAlive { lws_cancel_service(context) }
        }
    }

    /// Hands an event to the master, on the loop.
    func deliver(_ event: SignalingEvent) {
        let onEvent = self.onEvent
        _ = loop.execute { onEvent(event) }
    }

    // MARK: The service thread

    private func run() {
        while true {
            // Stopping waits for the sockets' close frames; each has a timer that cuts it at worst.
            if draining && !connections.values.contains(where: \.isWebSocket) { break }
            if lws_service(context, 0) < 0 { break }
        }
        shared.withLock { $0.contextAlive = false }
        lws_context_destroy(context)
        connections.removeAll()
        viewers.removeAll()
        logger.info("local signaling stopped")
        let completions = stopCompletions
        stopCompletions = []
        let onEvent = self.onEvent
        _ = loop.execute {
            onEvent(.disconnected(.stopped))
            for completion in completions { completion() }
        }
    }
}
