import CKVSShims
import Testing

@testable import EventLoop

extension LoopBound {
    /// `times` awaited calls into `peer` (same executor), timed on the loop thread.
    func timedPeerCalls(_ peer: LoopBound, times: Int) async -> Int64 {
        let start = monotonicNanoseconds()
        for _ in 0..<times { await peer.bump() }
        return monotonicNanoseconds() - start
    }
}

/// Numbers, not pass/fail thresholds (DESIGN.md: speed targets live in benchmarks that print).
/// The assertions only check that the work was done.
extension EventLoopTests {
    @Suite struct Measurements {
        @Test func sameExecutorActorCallCost() async throws {
            try await withEventLoop { loop in
                let a = LoopBound(loop: loop)
                let b = LoopBound(loop: loop)
                let calls = 200_000
                _ = await a.timedPeerCalls(b, times: 1_000)  // warm up
                let nanoseconds = await a.timedPeerCalls(b, times: calls)
                #expect(await b.counter == calls + 1_000)
                print("[measure] same-executor actor call: \(Double(nanoseconds) / Double(calls)) ns/call")
            }
        }

        @Test func crossThreadExecuteLatency() async throws {
            try await withEventLoop { loop in
                var samples: [Int64] = []
                for _ in 0..<2_000 {
                    let sent = monotonicNanoseconds()
                    let ran = await onLoop(loop) { monotonicNanoseconds() }
                    samples.append(ran - sent)
                }
                samples.sort()
                #expect(samples.count == 2_000)
                #expect(samples.allSatisfy { $0 >= 0 })
                let median = Double(samples[samples.count / 2]) / 1_000
                let p99 = Double(samples[samples.count * 99 / 100]) / 1_000
                print("[measure] execute from another thread to an idle loop: median \(median) µs, p99 \(p99) µs")

                let actor = LoopBound(loop: loop)
                let hops = 2_000
                let start = monotonicNanoseconds()
                for _ in 0..<hops { await actor.bump() }
                let perHop = Double(monotonicNanoseconds() - start) / Double(hops) / 1_000
                #expect(await actor.counter == hops)
                print("[measure] actor call from a task off the loop (hop there and back): \(perHop) µs")
            }
        }
    }
}
