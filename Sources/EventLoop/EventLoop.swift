import CKVSShims
import Glibc
import Synchronization
import WireKit

/// The single-threaded epoll event loop that owns all protocol state (DESIGN.md, "One owner of state").
///
/// One dedicated pthread runs `epoll_wait` over the registered sockets and an eventfd, with the
/// nearest timer deadline as the timeout. The loop is also a `SerialExecutor`, so the `Master`
/// actor (and every actor it talks to) runs its methods on this thread and same-executor calls
/// need no hop. Other threads (GStreamer, libwebsockets) hand data over with ``execute(_:)``.
///
/// ## Using it from an actor
/// ```swift
/// actor Master {
///     nonisolated let loop: EventLoop
///     nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
///     func open() throws {
///         try socket.startReceiving(on: loop) { datagram in self.handle(datagram) }
///     }
/// }
/// ```
/// A handler closure written inside the actor that captures `self` (strongly) is isolated to the
/// actor and may call its methods synchronously: the loop calls it on the actor's own executor
/// thread. With `[weak self]` the closure is not isolated; use `self?.assumeIsolated { … }`
/// (which the loop's `checkIsolated` lets through) for `Sendable` arguments. A strong capture is
/// a cycle through the loop that `close()`/`stopReceiving()` (or loop shutdown) breaks.
///
/// ## Why `@unchecked Sendable` is sound
/// - `queue` (a `Mutex`) is the only mutable state other threads touch: `execute`, `enqueue`,
///   `stop` and `join` go through it. The eventfd is written while holding that lock, so it can
///   never be written after the loop thread closed it (the write happens at most once per wake-up,
///   so holding the lock across it costs nothing measurable).
/// - Every other `var` (registrations, timers, the cached clock) is read and written only on the
///   loop thread. Public methods that touch them (`register`, `schedule`, `now`…) must be called
///   on the loop thread; debug builds assert it (release builds skip the `gettid` syscall).
/// - `epollFD` and `eventFD` are `let`; the loop thread closes them when its run loop returns,
///   after which no code path uses them (`execute` sees `phase == .stopped` under the lock).
/// - `threadID` is an atomic published by the loop thread when it starts (and reset when it ends).
///
/// ## Shutdown
/// `stop()` is bounded: queued work gets a fixed number of rounds, handlers are dropped without
/// being called, and no system call can block. An executor job enqueued after shutdown cannot run
/// anywhere, so the task awaiting it never resumes: stop the loop only after the tasks that use
/// its actors are done (the daemon stops it last).
public final class EventLoop: @unchecked Sendable {
    /// Work waiting for the loop thread: executor jobs and plain closures, in one FIFO so that
    /// their relative order is the order in which they were submitted. `@unchecked Sendable`
    /// because a closure is handed over with `sending` (its captures belong to nobody else) and
    /// then only moves through the lock to the loop thread.
    enum Work: @unchecked Sendable {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    enum Phase {
        case running
        case stopping
        case stopped
    }

    /// The cross-thread part of the loop. `wakePending` coalesces eventfd writes: only the first
    /// submission after the loop took its batch writes to the eventfd.
    struct Queue: ~Copyable {
        var items: [Work] = []
        var wakePending = false
        var phase = Phase.running
        var joined = false
    }

    /// What the loop knows about one registered file descriptor.
    struct Registration {
        var fd: Int32
        var interest: IOEvents
        var handler: (IOEvents) -> Void
    }

    /// The name given to the loop thread (visible in `top -H`, gdb and core dumps).
    public let name: String
    let queue = Mutex(Queue())
    let epollFD: Int32
    let eventFD: Int32
    let threadID = Atomic<Int32>(0)
    private(set) var thread: pthread_t = 0

    // Loop-thread-only state (see the type's documentation).
    var registrations: [UInt64: Registration] = [:]
    var tokenByFD: [Int32: UInt64] = [:]
    var nextToken: UInt64 = 1
    var timerHeap = TimerHeap()
    var timerHandlers: [UInt64: (Instant) -> Void] = [:]
    var nextTimerID: UInt64 = 1
    var cachedNow: Instant
    /// Set once the run loop has returned: registering or scheduling afterwards fails.
    var isShutDown = false
    /// The batch being run; swapped with `queue.items` so that steady state allocates nothing.
    var batch: [Work] = []
    let events: UnsafeMutablePointer<epoll_event>
    static let maxEvents: Int32 = 64
    /// The epoll token of the eventfd; registration tokens start at 1.
    static let wakeToken: UInt64 = 0
    /// Rounds of queued work run after `stop()` before the loop gives up on work that keeps
    /// re-submitting itself; this is what makes shutdown bounded.
    static let shutdownRounds = 64

    /// Creates the loop and starts its thread.
    /// - Parameter name: the thread name (at most 15 bytes are kept by the kernel).
    public init(name: String = "kvs-loop") throws(EventLoopError) {
        self.name = name
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw .system(.epollCreate, errno: kvs_errno()) }
        let ev = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard ev >= 0 else {
            let code = kvs_errno()
            Glibc.close(ep)
            throw .system(.eventfd, errno: code)
        }
        var wake = epoll_event()
        wake.events = EPOLLIN.rawValue
        wake.data.u64 = Self.wakeToken
        guard epoll_ctl(ep, EPOLL_CTL_ADD, ev, &wake) == 0 else {
            let code = kvs_errno()
            Glibc.close(ep)
            Glibc.close(ev)
            throw .system(.epollControl, errno: code)
        }
        epollFD = ep
        eventFD = ev
        events = .allocate(capacity: Int(Self.maxEvents))
        cachedNow = Self.readClock()
        try startThread()
    }

    deinit {
        events.deallocate()
        // The thread held a reference while it ran, so it has returned; detach if nobody joined
        // so that its resources are reclaimed (pthread_detach is safe from the thread itself).
        let joined = queue.withLock { $0.joined }
        if !joined { pthread_detach(thread) }
    }

    /// The only clock read in the program (DESIGN.md style #4): CLOCK_MONOTONIC.
    static func readClock() -> Instant {
        Instant(nanoseconds: Int64(truncatingIfNeeded: kvs_monotonic_nanoseconds()))
    }

    /// True on the loop thread. Uses `gettid` rather than `pthread_self()`, which glibc marks
    /// `const` so the optimizer may reuse its value across an `await` that changed threads.
    public var isOnLoopThread: Bool {
        kvs_gettid() == threadID.load(ordering: .acquiring)
    }

    /// The time at the start of the current loop iteration (loop thread only). Handlers see one
    /// consistent `now` per iteration, which is what sans-IO cores expect as their input.
    public var now: Instant {
        assert(isOnLoopThread, "EventLoop.now read off the loop thread")
        return cachedNow
    }

    /// Asks the loop to stop, from any thread. The loop runs the work already queued, drops its
    /// timers and registrations (releasing their handlers), closes its epoll fd and eventfd, and
    /// its thread returns. Calling it again does nothing.
    public func stop() {
        queue.withLock { q in
            guard case .running = q.phase else { return }
            q.phase = .stopping
            wakeLocked(&q)
        }
    }

    /// Waits for the loop thread to return (after ``stop()``). Must not be called on the loop
    /// thread itself (it would wait for itself); calling it twice is harmless.
    public func join() {
        precondition(!isOnLoopThread, "EventLoop.join() called on the loop thread")
        let first = queue.withLock { q in
            defer { q.joined = true }
            return !q.joined
        }
        if first { pthread_join(thread, nil) }
    }

    /// Writes the eventfd if no wake-up is pending. Called with the queue lock held.
    func wakeLocked(_ q: inout Queue) {
        guard !q.wakePending, q.phase != .stopped else { return }
        q.wakePending = true
        var one: UInt64 = 1
        _ = Glibc.write(eventFD, &one, 8)
    }

    private func startThread() throws(EventLoopError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, &attributes, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeRetainedValue()
            loop.runLoop()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<EventLoop>.fromOpaque(context).release()
            queue.withLock { $0.phase = .stopped; $0.joined = true }
            Glibc.close(epollFD)
            Glibc.close(eventFD)
            throw .system(.threadCreate, errno: rc)
        }
        thread = handle
    }
}
