import Testing
import WireKit

@testable import EventLoop

/// Schedules timers on the loop and records when they fire.
actor TimerRig: LoopRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    var waiter: CheckedContinuation<Bool, Never>?
    var waitTimer: TimerID?
    var fired: [(label: String, deadline: Instant, at: Instant)] = []

    init(loop: EventLoop) { self.loop = loop }

    struct Outcome: Sendable {
        var order: [String]
        var lateOrEarly: [String]
        var cancelledPending: Bool
        var cancelledFired: Bool
        var pastDeadlineFiredSynchronously: Bool
        var signalled: Bool
        var pendingAfter: Int
    }

    func run() async -> Outcome {
        let base = loop.now
        let plan: [(String, Int)] = [("8ms", 8), ("2ms", 2), ("6ms", 6), ("4ms-a", 4), ("10ms", 10), ("4ms-b", 4)]
        for (label, ms) in plan {
            let deadline = base + .milliseconds(ms)
            loop.schedule(at: deadline) { [unowned self] now in
                self.assumeIsolated { rig in
                    rig.fired.append((label, deadline, now))
                    if label == "10ms" { rig.finishWait(true) }
                }
            }
        }
        let cancelled = loop.schedule(at: base + .milliseconds(5)) { [unowned self] now in
            self.assumeIsolated { $0.fired.append(("cancelled", base, now)) }
        }
        let cancelledPending = loop.cancel(cancelled)
        let cancelledTwice = loop.cancel(cancelled)
        // A deadline already in the past fires on a later iteration, never inside `schedule`.
        loop.schedule(at: base - .milliseconds(1)) { [unowned self] now in
            self.assumeIsolated { $0.fired.append(("past", base - .milliseconds(1), now)) }
        }
        let pastFiredSynchronously = fired.contains { $0.label == "past" }
        let signalled = await waitForSignal(timeout: .seconds(5))
        return Outcome(
            order: fired.map(\.label),
            lateOrEarly: fired.filter { $0.at < $0.deadline }.map(\.label),
            cancelledPending: cancelledPending, cancelledFired: cancelledTwice,
            pastDeadlineFiredSynchronously: pastFiredSynchronously, signalled: signalled,
            pendingAfter: loop.pendingTimerCount)
    }
}

extension EventLoopTests {
    @Suite struct Timers {
        @Test func timersFireInDeadlineOrderAndCancellationWorks() async throws {
            try await withEventLoop { loop in
                let start = monotonicNanoseconds()
                let outcome = await TimerRig(loop: loop).run()
                let elapsed = monotonicNanoseconds() - start
                #expect(outcome.signalled)
                #expect(outcome.order == ["past", "2ms", "4ms-a", "4ms-b", "6ms", "8ms", "10ms"])
                #expect(outcome.lateOrEarly.isEmpty, "fired before their deadline: \(outcome.lateOrEarly)")
                #expect(outcome.cancelledPending)
                #expect(!outcome.cancelledFired)
                #expect(!outcome.pastDeadlineFiredSynchronously)
                #expect(outcome.pendingAfter == 0)
                #expect(elapsed >= 10_000_000)
                #expect(elapsed < 2_000_000_000)
            }
        }

        @Test func heapPopsInDeadlineThenIdOrderAndCompacts() {
            var heap = TimerHeap()
            var generator = SplitMix64(seed: 42)
            var expected: [(Int64, UInt64)] = []
            for id in UInt64(1)...500 {
                let deadline = Int64(generator.next() % 50)
                heap.push(.init(deadline: Instant(nanoseconds: deadline), id: id))
                expected.append((deadline, id))
            }
            heap.compact { $0 % 3 != 0 }
            expected.removeAll { $0.1 % 3 == 0 }
            expected.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            var popped: [(Int64, UInt64)] = []
            while let entry = heap.pop() { popped.append((entry.deadline.nanoseconds, entry.id)) }
            #expect(popped.map(\.0) == expected.map(\.0))
            #expect(popped.map(\.1) == expected.map(\.1))
        }
    }
}
