import Glibc

/// Failures of the event loop itself (creating its descriptors or thread, registering fds).
public enum EventLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call that failed.
    public enum Operation: String, Sendable {
        case epollCreate = "epoll_create1"
        case eventfd
        case epollControl = "epoll_ctl"
        case threadCreate = "pthread_create"
    }

    case system(Operation, errno: Int32)
    /// The loop has shut down; nothing can be registered any more.
    case stopped
    /// The registration was already removed.
    case notRegistered

    public var description: String {
        switch self {
        case .system(let operation, let code): "\(operation.rawValue) failed: \(errnoText(code))"
        case .stopped: "event loop stopped"
        case .notRegistered: "file descriptor not registered"
        }
    }
}

/// `strerror` text with the errno number, for error descriptions.
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
