import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An HTTPS/1.1 client over one libcurl multi handle (RFC 9112 with persistent connections,
/// §9.3; RFC 9110 §4.3.4 https with certificate and host verification always on), for the
/// KVS control-plane and signaling REST calls.
///
/// libcurl gets a thread of its own (DESIGN.md: C libraries that need threads only hand data
/// over): one service thread runs `curl_multi_poll`/`curl_multi_perform`; `send` from any thread
/// queues the request and wakes it with `curl_multi_wakeup`. Completions run on the service
/// thread, so the caller hops to its own event loop. Connections stay open between requests
/// and are reused. `close()` (or `deinit`) cancels what is queued or in flight, completing each
/// with `HTTPError.cancelled`, and joins the thread.
public final class RESTClient: Sendable {
    /// Settings shared by every request.
    public struct Configuration: Sendable, Equatable {
        public var trustStore: CATrustStore
        public var connectTimeout: Duration
        public var totalTimeout: Duration
        /// Bodies larger than this abort the transfer with `.responseTooLarge`.
        public var maximumResponseSize: Int
        /// Open connections per host; more concurrent requests wait for one of them.
        public var maximumConnectionsPerHost: Int
        public var userAgent: String

        public init(
            trustStore: CATrustStore, connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(15),
            maximumResponseSize: Int = 1 << 20, maximumConnectionsPerHost: Int = 8, userAgent: String = "kvsmaster"
        ) {
            self.trustStore = trustStore
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maximumResponseSize = maximumResponseSize
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration
    private let loop: RESTServiceLoop
    /// The service thread, until joined (or detached when the last reference goes away on it).
    private let thread: Mutex<pthread_t?>

    public init(configuration: Configuration) throws(HTTPError) {
        self.configuration = configuration
        guard NetworkLibraries.initialize() else { throw .invalidRequest("curl_global_init failed") }
        guard let loop = RESTServiceLoop(configuration: configuration) else {
            throw .invalidRequest("curl_multi_init failed")
        }
        self.loop = loop
        var thread = pthread_t()
        let context = Unmanaged.passRetained(loop).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                let loop = Unmanaged<RESTServiceLoop>.fromOpaque(context).takeRetainedValue()
                loop.run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<RESTServiceLoop>.fromOpaque(context).release()
            loop.abandon()
            throw .invalidRequest("pthread_create failed (\(status))")
        }
        self.thread = Mutex(thread)
    }

    deinit { close() }

    /// Queues `request`; `completion` runs once on the service thread with the response (any
    /// status) or the reason there is none. After `close()` it runs at once, on the caller's
    /// thread, with `.cancelled`.
    public func send(
        _ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, HTTPError>) -> Void
    ) {
        let transfer = RESTTransfer(request: request, configuration: configuration, completion: completion)
        if !loop.enqueue(transfer) {
            transfer.finish(.failure(.cancelled))
        }
    }

    /// Requests waiting for or using a connection.
    public var pendingCount: Int { loop.pendingCount }

    /// Cancels queued and in-flight requests (each completes with `.cancelled`) and joins the
    /// service thread. Safe to call more than once and from a completion (then the thread is
    /// detached instead of joined, and finishes right after that completion returns).
    public func close() {
        loop.requestClose()
        let taken = thread.withLock { thread -> pthread_t? in
            defer { thread = nil }
            return thread
        }
        guard let taken else { return }
        if pthread_equal(taken, pthread_self()) != 0 {
            pthread_detach(taken)
        } else {
            pthread_join(taken, nil)
        }
    }
}

/// The service thread's side: the multi handle, the queue filled by other threads, and the
/// transfers in flight (owned by the thread alone).
final class RESTServiceLoop: @unchecked Sendable {
    private struct Shared {
        var queued: [RESTTransfer] = []
        var closing = false
        /// The loop has stopped and freed the multi handle: nothing may be queued or woken.
        var stopped = false
        var inFlight = 0
    }

    private let multi: UnsafeMutableRawPointer
    private let shared = Mutex(Shared())
    /// Service thread only.
    private var active: [UnsafeMutableRawPointer: RESTTransfer] = [:]
    /// How long one `curl_multi_poll` may wait when libcurl has no earlier timer.
    static let idleWaitMilliseconds: Int32 = 1000

    init?(configuration: RESTClient.Configuration) {
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        _ = kvs_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maximumConnectionsPerHost))
        _ = kvs_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(4, configuration.maximumConnectionsPerHost * 2))
    }

    /// Frees the multi handle of a loop whose thread never started.
    func abandon() {
        shared.withLock { $0.stopped = true }
        curl_multi_cleanup(multi)
    }

    var pendingCount: Int { shared.withLock { $0.queued.count + $0.inFlight } }

    /// Adds `transfer` to the queue and wakes the thread; false once the loop is closing.
    func enqueue(_ transfer: RESTTransfer) -> Bool {
        shared.withLock { state in
            guard !state.closing, !state.stopped else { return false }
            state.queued.append(transfer)
            // Woken under the lock: the thread frees the multi handle only after setting
            // `stopped` under this same lock.
            curl_multi_wakeup(multi)
            return true
        }
    }

    func requestClose() {
        shared.withLock { state in
            guard !state.closing, !state.stopped else { return }
            state.closing = true
            curl_multi_wakeup(multi)
        }
    }

    func run() {
        var running: Int32 = 0
        while true {
            let (incoming, closing) = shared.withLock { state in
                defer {
                    state.inFlight += state.queued.count
                    state.queued.removeAll()
                }
                return (state.queued, state.closing)
            }
            for transfer in incoming { start(transfer) }
            if closing { break }
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            _ = curl_multi_poll(multi, nil, 0, Self.idleWaitMilliseconds, nil)
        }
        shutDown()
    }

    private func start(_ transfer: RESTTransfer) {
        if let failure = transfer.setupFailure {
            complete(transfer, .failure(failure))
            return
        }
        guard let easy = transfer.easy, curl_multi_add_handle(multi, easy.handle) == CURLM_OK else {
            complete(transfer, .failure(.invalidRequest("curl_multi_add_handle failed")))
            return
        }
        active[easy.handle] = transfer
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard kvs_curl_msg_is_done(message) != 0, let handle = message.pointee.easy_handle,
                let transfer = active.removeValue(forKey: handle)
            else { continue }
            let code = kvs_curl_msg_result(message)
            curl_multi_remove_handle(multi, handle)
            complete(transfer, transfer.outcome(code))
        }
    }

    /// Counts the transfer out before its completion runs, so `pendingCount` read from a
    /// completion (or after it) is exact.
    private func complete(_ transfer: RESTTransfer, _ result: Result<HTTPResponse, HTTPError>) {
        shared.withLock { $0.inFlight -= 1 }
        transfer.finish(result)
    }

    private func shutDown() {
        for (handle, transfer) in active {
            curl_multi_remove_handle(multi, handle)
            complete(transfer, .failure(.cancelled))
        }
        active.removeAll()
        let late = shared.withLock { state in
            defer {
                state.queued.removeAll()
                state.stopped = true
                state.inFlight = 0
            }
            return state.queued
        }
        for transfer in late { transfer.finish(.failure(.cancelled)) }
        curl_multi_cleanup(multi)
    }
}
