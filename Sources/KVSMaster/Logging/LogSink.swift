#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where log lines go: stderr and optionally an append-only file. Each line is one write(2)
/// per descriptor, so lines from different threads never interleave (O_APPEND and pipes up to
/// PIPE_BUF keep a single write whole). Owns the file descriptor it opened.
public final class LogSink: Sendable {
    /// Why the log file could not be opened.
    public struct OpenError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot open log file \(path): \(reason)" }
    }

    let descriptors: [Int32]
    let ownedDescriptor: Int32?

    /// Lines to `descriptor` (not closed by the sink) and, when given, appended to `filePath`.
    public init(descriptor: Int32 = STDERR_FILENO, filePath: String? = nil) throws(OpenError) {
        guard let filePath else {
            descriptors = [descriptor]
            ownedDescriptor = nil
            return
        }
        let fd = open(filePath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw OpenError(path: filePath, reason: String(cString: strerror(errno))) }
        descriptors = [descriptor, fd]
        ownedDescriptor = fd
    }

    deinit {
        if let ownedDescriptor { close(ownedDescriptor) }
    }

    /// Writes `line` (which ends in a newline) to every descriptor; errors are ignored, since
    /// there is nowhere left to report them.
    public func write(_ line: String) {
        let bytes = Array(line.utf8)
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            for fd in descriptors {
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(fd, base + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { break }
                    offset += written
                }
            }
        }
    }
}
