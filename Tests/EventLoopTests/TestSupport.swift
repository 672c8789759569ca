import CKVSShims
import Glibc
import Testing
import WireKit

@testable import EventLoop

/// All event loop tests run one after another: they count file descriptors and measure
/// latencies, which concurrent tests in the same suite would disturb.
@Suite(.serialized) struct EventLoopTests {}

/// Runs `body` with a fresh loop that is stopped and joined afterwards, whatever happens.
func withEventLoop<R>(_ body: (EventLoop) async throws -> R) async throws -> R {
    let loop = try EventLoop(name: "kvs-loop-test")
    defer {
        loop.stop()
        loop.join()
    }
    return try await body(loop)
}

/// Runs `body` on the loop thread and returns its result.
func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let accepted = loop.execute { continuation.resume(returning: body()) }
        precondition(accepted, "loop stopped")
    }
}

/// An actor whose executor is the loop, with a one-shot signal that a handler (or a timeout
/// timer) resumes: the pattern the daemon's `Master` actor follows.
protocol LoopRig: Actor {
    nonisolated var loop: EventLoop { get }
    var waiter: CheckedContinuation<Bool, Never>? { get set }
    var waitTimer: TimerID? { get set }
}

extension LoopRig {
    /// Suspends until `signal()` is called or `timeout` passes; true when signalled.
    func waitForSignal(timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            waiter = continuation
            // Handlers run on the loop thread, which is this actor's executor: `assumeIsolated`
            // checks that (through the loop's `checkIsolated`) instead of hopping.
            waitTimer = loop.schedule(after: timeout) { [weak self] _ in
                self?.assumeIsolated { $0.finishWait(false) }
            }
        }
    }

    func finishWait(_ signalled: Bool) {
        if let waitTimer { loop.cancel(waitTimer) }
        waitTimer = nil
        waiter?.resume(returning: signalled)
        waiter = nil
    }
}

/// Starts a plain pthread running `body` (the stand-in for a GStreamer streaming thread).
func spawnThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var handle = pthread_t()
    let rc = pthread_create(&handle, nil, { raw in
        guard let raw else { return nil }
        Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, context)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return handle
}

func monotonicNanoseconds() -> Int64 { Int64(kvs_monotonic_nanoseconds()) }

/// The open descriptors of this process and what they point at (`socket:[inode]`,
/// `anon_inode:[eventpoll]`…), from /proc/self/fd.
func openFileDescriptors() -> [Int32: String] {
    var result: [Int32: String] = [:]
    guard let directory = opendir("/proc/self/fd") else { return result }
    defer { closedir(directory) }
    let ownFD = dirfd(directory)
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard let fd = Int32(name), fd != ownFD else { continue }
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/self/fd/\(name)", &buffer, buffer.count - 1)
        result[fd] = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
    return result
}

/// Deterministic bytes for payloads.
func patternBytes(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    return generator.bytes(count)
}

/// The name of thread `tid` of this process, from /proc.
func threadName(_ tid: Int32) -> String {
    let fd = open("/proc/self/task/\(tid)/comm", O_RDONLY)
    guard fd >= 0 else { return "?" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return "?" }
    return String(decoding: buffer[0..<n].prefix(while: { $0 != 10 }), as: UTF8.self)
}
