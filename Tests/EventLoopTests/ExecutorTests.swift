import CKVSShims
import Glibc
import Testing

@testable import EventLoop

/// An actor that runs on the loop: its methods must execute on the loop thread.
actor LoopBound {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    var log: [Int] = []
    var counter = 0

    init(loop: EventLoop) { self.loop = loop }

    func threadID() -> Int32 { kvs_gettid() }
    func onLoopThread() -> Bool { loop.isOnLoopThread }
    func append(_ value: Int) { log.append(value) }
    func bump() { counter += 1 }

    /// Calls into another actor on the same executor after an `await`, checking the thread on
    /// both sides of each suspension point.
    func callPeer(_ peer: LoopBound, times: Int) async -> Bool {
        var allOnLoop = true
        for _ in 0..<times {
            await peer.bump()
            allOnLoop = allOnLoop && kvs_gettid() == loop.threadID.load(ordering: .acquiring)
        }
        return allOnLoop
    }
}

/// Loop-thread-owned state for closures submitted with `execute`; `@unchecked Sendable` because
/// only the loop thread touches it after the threads that submit closures have started.
final class Recorder: @unchecked Sendable {
    var perThread: [[Int]]
    var total = 0
    let expected: Int
    var done: CheckedContinuation<Void, Never>?
    var threads: [pthread_t] = []

    init(threads: Int, expected: Int) {
        perThread = Array(repeating: [], count: threads)
        self.expected = expected
    }

    func record(thread: Int, sequence: Int) {
        perThread[thread].append(sequence)
        total += 1
        if total == expected { done?.resume() }
    }
}

extension EventLoopTests {
    @Suite struct Executor {
        @Test func actorMethodsRunOnTheLoopThread() async throws {
            try await withEventLoop { loop in
                let actor = LoopBound(loop: loop)
                let loopThread = await onLoop(loop) { kvs_gettid() }
                #expect(loopThread != kvs_gettid())
                #expect(loopThread == loop.threadID.load(ordering: .acquiring))
                #expect(await actor.threadID() == loopThread)
                #expect(await actor.onLoopThread())
                #expect(!loop.isOnLoopThread)
                let peer = LoopBound(loop: loop)
                #expect(await actor.callPeer(peer, times: 100))
                #expect(await peer.counter == 100)
                // The thread carries the loop's name (kernel keeps 15 bytes).
                #expect(threadName(loopThread) == "kvs-loop-test")
            }
        }

        @Test func jobsAndClosuresRunInSubmissionOrder() async throws {
            try await withEventLoop { loop in
                let actor = LoopBound(loop: loop)
                // Closures and actor jobs from one thread interleave in one FIFO.
                let recorder = Recorder(threads: 1, expected: 1_000)
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    recorder.done = done
                    for i in 0..<1_000 { loop.execute { recorder.record(thread: 0, sequence: i) } }
                }
                #expect(recorder.perThread[0] == Array(0..<1_000))
                for i in 0..<100 { await actor.append(i) }
                #expect(await actor.log == Array(0..<100))
            }
        }

        @Test func executeFromEightThreadsRunsEachClosureOnceInPerThreadOrder() async throws {
            let threads = 8
            let perThread = 10_000
            try await withEventLoop { loop in
                let recorder = Recorder(threads: threads, expected: threads * perThread)
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    recorder.done = done
                    for t in 0..<threads {
                        recorder.threads.append(spawnThread {
                            for i in 0..<perThread {
                                let accepted = loop.execute { recorder.record(thread: t, sequence: i) }
                                precondition(accepted)
                            }
                        })
                    }
                }
                for handle in recorder.threads { pthread_join(handle, nil) }
                #expect(recorder.total == threads * perThread)
                for t in 0..<threads {
                    #expect(recorder.perThread[t] == Array(0..<perThread), "thread \(t) out of order or incomplete")
                }
            }
        }

        @Test func assumeIsolatedWorksInsideLoopHandlers() async throws {
            try await withEventLoop { loop in
                let actor = LoopBound(loop: loop)
                let value = await onLoop(loop) { actor.assumeIsolated { $0.log.count + 7 } }
                #expect(value == 7)
            }
        }
    }
}
