import WireKit

/// Identifies a timer scheduled on an ``EventLoop`` so that it can be cancelled.
public struct TimerID: Hashable, Sendable {
    let value: UInt64
}

/// A binary min-heap of timer deadlines. Ties are broken by id (= scheduling order), so timers
/// with equal deadlines fire in the order they were scheduled. Cancelled timers are removed
/// lazily (their handler is gone; the entry is skipped when it reaches the top) because ICE and
/// RTCP cancel and re-arm timers constantly and a heap cannot remove from the middle cheaply;
/// `compact` bounds the garbage.
struct TimerHeap {
    struct Entry {
        var deadline: Instant
        var id: UInt64
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }
    var top: Entry? { entries.first }

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let result = entries.removeLast()
        siftDown(from: 0)
        return result
    }

    /// Drops the entries `isLive` rejects and restores the heap order in O(n).
    mutating func compact(keeping isLive: (UInt64) -> Bool) {
        entries.removeAll { !isLive($0.id) }
        var index = entries.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            var best = left
            if left + 1 < entries.count, Self.precedes(entries[left + 1], entries[left]) { best = left + 1 }
            guard Self.precedes(entries[best], entries[parent]) else { return }
            entries.swapAt(best, parent)
            parent = best
        }
    }
}

/// Timers: one-shot deadlines on the monotonic clock, fired on the loop thread. Call these on
/// the loop thread only (from the owning actor or from handlers).
extension EventLoop {
    /// Runs `handler` on the loop thread once `deadline` has passed, with the loop's `now`.
    /// A deadline in the past fires on the next iteration, never re-entrantly.
    @discardableResult
    public func schedule(at deadline: Instant, _ handler: @escaping (Instant) -> Void) -> TimerID {
        assert(isOnLoopThread, "EventLoop.schedule called off the loop thread")
        let id = nextTimerID
        nextTimerID &+= 1
        // After shutdown the handler is dropped at once; the id stays valid for `cancel`.
        guard !isShutDown else { return TimerID(value: id) }
        timerHandlers[id] = handler
        timerHeap.push(.init(deadline: deadline, id: id))
        return TimerID(value: id)
    }

    /// Runs `handler` `delay` after the current iteration's `now`.
    @discardableResult
    public func schedule(after delay: Duration, _ handler: @escaping (Instant) -> Void) -> TimerID {
        schedule(at: cachedNow + delay, handler)
    }

    /// Cancels a pending timer. Returns false when it already fired or was cancelled.
    @discardableResult
    public func cancel(_ timer: TimerID) -> Bool {
        assert(isOnLoopThread, "EventLoop.cancel called off the loop thread")
        guard timerHandlers.removeValue(forKey: timer.value) != nil else { return false }
        if timerHeap.count > 64, timerHeap.count > 2 * timerHandlers.count {
            timerHeap.compact { timerHandlers[$0] != nil }
        }
        return true
    }

    /// The number of timers still pending (for tests and metrics).
    public var pendingTimerCount: Int {
        assert(isOnLoopThread)
        return timerHandlers.count
    }

    /// The nearest live deadline; cancelled entries on top are discarded on the way.
    func nextTimerDeadline() -> Instant? {
        while let top = timerHeap.top {
            if timerHandlers[top.id] != nil { return top.deadline }
            timerHeap.pop()
        }
        return nil
    }

    /// Fires the timers due at `cachedNow`, in deadline order. Timers scheduled by these handlers
    /// wait for the next iteration (their ids are past `limit`), so a handler re-arming itself
    /// at `now` cannot keep the loop from polling I/O.
    func fireDueTimers() {
        let now = cachedNow
        let limit = nextTimerID
        while let top = timerHeap.top, top.deadline <= now, top.id < limit {
            timerHeap.pop()
            guard let handler = timerHandlers.removeValue(forKey: top.id) else { continue }
            handler(now)
        }
    }
}
