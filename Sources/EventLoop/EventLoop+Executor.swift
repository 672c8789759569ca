import CKVSShims
import Glibc

/// The loop as the serial executor of the actors that own protocol state (DESIGN.md: "Actors on
/// a custom executor work"). An actor adopts it with
/// `nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }`.
extension EventLoop: SerialExecutor {
    /// Queues a job to run on the loop thread, after everything submitted before it. Safe from
    /// any thread (this is how a task hops onto the loop).
    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Identity equality is enough: one loop is one thread, so two executors are the same
    /// exclusive context exactly when they are the same loop.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets `assumeIsolated` and the runtime's isolation checks succeed when code runs on the
    /// loop thread outside a job (e.g. in an fd or timer handler registered by the actor).
    public func checkIsolated() {
        precondition(isOnLoopThread, "expected to run on event loop '\(name)'")
    }

    public func isIsolatingCurrentContext() -> Bool? {
        isOnLoopThread
    }

    /// Runs `work` on the loop thread after everything submitted before it: how threads that C
    /// libraries own (GStreamer, libwebsockets) hand data to the loop without touching its state.
    /// `sending` lets them hand over non-`Sendable` values they no longer use.
    /// - Returns: false when the loop has already stopped (the closure is dropped).
    @discardableResult
    public func execute(_ work: sending @escaping () -> Void) -> Bool {
        submit(.closure(work))
    }

    @discardableResult
    func submit(_ work: Work) -> Bool {
        queue.withLock { q in
            guard q.phase != .stopped else { return false }
            q.items.append(work)
            wakeLocked(&q)
            return true
        }
    }
}
