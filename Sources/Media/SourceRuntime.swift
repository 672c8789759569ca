#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EventLoop
import Synchronization

/// The consumer's callbacks, closed exactly once: after ``close()`` or the first ``end(_:)``
/// returns, no callback runs (an in-flight one finishes first, since both hold the lock).
final class CallbackGate: Sendable {
    private struct Callbacks: Sendable {
        var deliver: @Sendable (MediaFrame) -> Void
        var onEnd: @Sendable (MediaSourceEnd) -> Void
    }

    private let callbacks = Mutex<Callbacks?>(nil)

    func open(deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void) {
        callbacks.withLock { $0 = Callbacks(deliver: deliver, onEnd: onEnd) }
    }

    var isOpen: Bool { callbacks.withLock { $0 != nil } }

    func deliver(_ frame: MediaFrame) {
        callbacks.withLock { $0?.deliver(frame) }
    }

    func end(_ end: MediaSourceEnd) {
        callbacks.withLock { state in
            guard let current = state else { return }
            state = nil
            current.onEnd(end)
        }
    }

    func close() { callbacks.withLock { $0 = nil } }
}

/// A self-pipe that interrupts a source thread's waits (for `stop()` and state changes), and a
/// wait on it plus an optional file descriptor with a monotonic deadline.
final class Wakeup: Sendable {
    enum Event { case woken, readable, timeout }

    private let readFD: Int32
    private let writeFD: Int32

    init() throws(MediaSourceError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .io("cannot create a wakeup pipe: \(SystemError.text(errno))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Waits until `deadline` (nil: no deadline), a ``wake()``, or `fd` becoming readable
    /// (or hung up). Wakeups are consumed.
    func wait(fd: Int32? = nil, until deadline: ContinuousClock.Instant?) -> Event {
        var fds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]
        if let fd { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        var timeoutMs: Int32 = -1
        if let deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return .timeout }
            let (s, atto) = left.components
            let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
            timeoutMs = Int32(clamping: ms)
        }
        let n = poll(&fds, nfds_t(fds.count), timeoutMs)
        if n <= 0 { return n == 0 ? .timeout : .woken }
        if fds[0].revents != 0 {
            var sink = [UInt8](repeating: 0, count: 64)
            while read(readFD, &sink, sink.count) > 0 {}
            return .woken
        }
        return .readable
    }

    deinit {
        close(readFD)
        close(writeFD)
    }
}

/// A joinable POSIX thread for a source's loop.
struct SourceThread: @unchecked Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let thread: pthread_t

    init(_ run: @escaping @Sendable () -> Void) throws(MediaSourceError) {
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw .io("cannot start a media source thread: \(SystemError.text(rc))")
        }
        self.thread = thread
    }

    /// Waits for the thread to finish; from the thread itself it only detaches.
    func join() {
        if pthread_equal(pthread_self(), thread) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

/// The part of a file-reading source's locked state that starting and stopping its thread use.
protocol SourceThreadState: Sendable {
    var stopping: Bool { get set }
    var thread: SourceThread? { get set }
}

extension Mutex where Value: SourceThreadState {
    /// A source starts once: not while its thread runs, nor after `stop()`.
    var isStartedOrStopping: Bool { withLock { $0.thread != nil || $0.stopping } }

    /// Marks the source stopping, closes its callbacks, wakes its thread and joins it, so no
    /// callback runs after this returns.
    func stopThread(gate: CallbackGate, wakeup: Wakeup) {
        let thread = withLock { state -> SourceThread? in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        gate.close()
        wakeup.wake()
        thread?.join()
    }
}

enum SystemError {
    static func text(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(cString: s)
    }
}

/// Small POSIX file helpers (no Foundation in this module).
enum FileIO {
    enum Kind { case regular, fifo, directory, other }

    static func kind(_ path: String) -> Kind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFIFO: return .fifo
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Names in a directory, hidden files excluded.
    static func list(_ path: String) throws(MediaSourceError) -> [String] {
        guard let dir = opendir(path) else { throw .io("cannot open folder \(path): \(SystemError.text(errno))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }

    static func readAll(_ path: String, maxBytes: Int) throws(MediaSourceError) -> [UInt8] {
        switch FileBytes.read(path, limit: maxBytes) {
        case .success(let bytes): return bytes
        case .failure(.cannotOpen(let code)): throw .io("cannot open \(path): \(SystemError.text(code))")
        case .failure(.cannotRead(let code)): throw .io("cannot read \(path): \(SystemError.text(code))")
        case .failure(.tooLarge): throw .invalidConfiguration("\(path) is larger than \(maxBytes) bytes")
        }
    }
}

extension Duration {
    /// `count` periods of 1/`rate` s, computed without accumulating rounding error.
    static func frames(_ count: Int64, rate: Int) -> Duration {
        let r = Int64(max(rate, 1))
        return .seconds(count / r) + .nanoseconds((count % r) * 1_000_000_000 / r)
    }
}
