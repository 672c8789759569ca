import CKVSShims
import Glibc
import WireKit

/// The loop thread's body: run queued work, fire due timers, wait for I/O, dispatch it.
extension EventLoop {
    func runLoop() {
        threadID.store(kvs_gettid(), ordering: .releasing)
        kvs_set_thread_name(name)
        cachedNow = Self.readClock()
        while runQueuedBatch() == .running {
            fireDueTimers()
            let n = kvs_epoll_wait(epollFD, events, Self.maxEvents, waitTimeout())
            cachedNow = Self.readClock()
            if n < 0 {
                // EINTR is a signal landing on this thread; anything else means the epoll fd itself
                // is unusable, and the only safe reaction is to shut down rather than spin.
                if n != -EINTR { queue.withLock { if $0.phase == .running { $0.phase = .stopping } } }
                continue
            }
            dispatch(count: Int(n))
        }
        shutDown()
        // The kernel may give this tid to a new thread once this one exits; forget it so that
        // thread is never mistaken for the loop.
        threadID.store(0, ordering: .releasing)
    }

    /// Runs, once each and in submission order, the work submitted before this call. Work that
    /// the batch submits waits for the next iteration, so a job that re-enqueues itself cannot
    /// starve I/O. Returns the phase seen when the batch was taken.
    func runQueuedBatch() -> Phase {
        let phase = queue.withLock { q in
            swap(&q.items, &batch)
            q.wakePending = false
            return q.phase
        }
        if batch.isEmpty { return phase }
        let executor = asUnownedSerialExecutor()
        for item in batch {
            switch item {
            case .job(let job): job.runSynchronously(on: executor)
            case .closure(let work): work()
            }
        }
        batch.removeAll(keepingCapacity: true)
        return phase
    }

    /// Zero when work is queued, the time to the nearest timer otherwise, or -1 (wait forever).
    /// The clock is read again here because the batch and timers just run may have taken time.
    func waitTimeout() -> Int64 {
        let busy = queue.withLock { !$0.items.isEmpty || $0.phase != .running }
        if busy { return 0 }
        guard let deadline = nextTimerDeadline() else { return -1 }
        return max(0, deadline.nanoseconds &- Self.readClock().nanoseconds)
    }

    func dispatch(count: Int) {
        for i in 0..<count {
            let event = events[i]
            let token = event.data.u64
            if token == Self.wakeToken {
                var value: UInt64 = 0
                _ = Glibc.read(eventFD, &value, 8)
                continue
            }
            // A handler earlier in this batch may have deregistered this token; the token (not the
            // fd number, which the kernel reuses) is what tells a stale event apart.
            guard let registration = registrations[token] else { continue }
            registration.handler(IOEvents(rawValue: event.events))
        }
    }

    /// Runs what was queued before `stop()` (at most `shutdownRounds` rounds), drops timers and
    /// registrations without firing them, then closes the eventfd (under the queue lock, so no
    /// writer can race with the close) and the epoll fd.
    func shutDown() {
        var rounds = 0
        while rounds < Self.shutdownRounds, queue.withLock({ !$0.items.isEmpty }) {
            _ = runQueuedBatch()
            rounds += 1
        }
        isShutDown = true
        // Handlers are released here, on the loop thread; their captures' deinits may call
        // `deregister`/`cancel`, which find nothing and touch no fd.
        do {
            let droppedRegistrations = registrations
            let droppedTimers = timerHandlers
            registrations = [:]
            tokenByFD = [:]
            timerHandlers = [:]
            timerHeap = TimerHeap()
            _ = (droppedRegistrations, droppedTimers)
        }
        let leftover: [Work] = queue.withLock { q in
            q.phase = .stopped
            Glibc.close(eventFD)
            let items = q.items
            q.items = []
            return items
        }
        // Closures are dropped. Executor jobs submitted after shutdown cannot run anywhere; their
        // tasks never resume (submitting to a stopped loop is a programming error).
        _ = leftover
        batch = []
        Glibc.close(epollFD)
    }
}
