import EventLoop

/// Runs `body` with a fresh event loop called `name` that is stopped and joined afterwards.
public func withEventLoop<R>(name: String, _ body: (EventLoop) async throws -> R) async throws -> R {
    let loop = try EventLoop(name: name)
    defer {
        loop.stop()
        loop.join()
    }
    return try await body(loop)
}

/// What the objects a test rig owns reported (one log of entries per object id, in arrival
/// order), and the test's waits on those logs. A wait ends when its predicate holds for the
/// object's log (checked at once and after every new entry) or when its timer on the loop fires.
///
/// Loop thread only: the rig that owns it is an actor whose executor is the loop, and
/// ``wait(_:timeout:isolation:until:)`` runs on the caller's actor.
public final class LoopRigLog<Entry> {
    private let loop: EventLoop
    private var logs: [Int: [Entry]] = [:]
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0

    private struct Waiter {
        var object: Int
        var match: @Sendable ([Entry]) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
        var timer: TimerID
        var id: Int
    }

    public init(loop: EventLoop) { self.loop = loop }

    /// The log of `id` so far (empty for an unknown id).
    public subscript(id: Int) -> [Entry] { logs[id] ?? [] }

    /// Starts an empty log for `id`.
    public func open(_ id: Int) { logs[id] = [] }

    /// Forgets the log of `id`.
    public func remove(_ id: Int) { logs[id] = nil }

    /// Appends `entry` to the log of `id` and ends the waits on `id` that now match.
    public func append(_ entry: Entry, to id: Int) {
        logs[id, default: []].append(entry)
        guard waiters.contains(where: { $0.object == id }) else { return }
        let log = logs[id] ?? []
        for waiter in waiters where waiter.object == id && waiter.match(log) { finish(waiter.id, true) }
    }

    /// Waits until `match` holds for the log of `id`, or `timeout` passes; true when it matched.
    public func wait(
        _ id: Int, timeout: Duration, isolation: isolated (any Actor)? = #isolation,
        until match: @escaping @Sendable ([Entry]) -> Bool
    ) async -> Bool {
        if match(logs[id] ?? []) { return true }
        let waiterID = nextWaiterID
        nextWaiterID += 1
        return await withCheckedContinuation(isolation: isolation) { continuation in
            let timer = loop.schedule(after: timeout) { [weak self] _ in self?.finish(waiterID, false) }
            waiters.append(Waiter(object: id, match: match, continuation: continuation, timer: timer, id: waiterID))
        }
    }

    private func finish(_ waiterID: Int, _ matched: Bool) {
        guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return }
        let waiter = waiters.remove(at: index)
        loop.cancel(waiter.timer)
        waiter.continuation.resume(returning: matched)
    }
}
