import Glibc

/// Socket failures as values: the errno cases callers act on (ICE treats a refused TCP
/// connection differently from an unreachable network) get their own case; the rest keep the
/// failing operation and errno.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call that failed, for the `.system` case.
    public enum Operation: String, Sendable {
        case socket, bind, connect, listen, accept, send, receive
        case setOption = "setsockopt"
        case getOption = "getsockopt"
        case localAddress = "getsockname"
        case interfaces = "getifaddrs"
        case register = "epoll_ctl"
    }

    case connectionRefused
    case connectionReset
    case connectionAborted
    case brokenPipe
    case timedOut
    case networkUnreachable
    case hostUnreachable
    case addressInUse
    case addressNotAvailable
    case permissionDenied
    /// The address family does not match the socket, or the kernel returned one we do not know.
    case unsupportedAddress
    /// The socket was closed before or during the operation.
    case closed
    /// The event loop the socket is registered with has stopped.
    case loopStopped
    case system(Operation, errno: Int32)

    /// Maps an errno from `operation` to a case.
    public init(errno code: Int32, operation: Operation) {
        switch code {
        case ECONNREFUSED: self = .connectionRefused
        case ECONNRESET: self = .connectionReset
        case ECONNABORTED: self = .connectionAborted
        case EPIPE: self = .brokenPipe
        case ETIMEDOUT: self = .timedOut
        case ENETUNREACH: self = .networkUnreachable
        case EHOSTUNREACH: self = .hostUnreachable
        case EADDRINUSE: self = .addressInUse
        case EADDRNOTAVAIL: self = .addressNotAvailable
        case EACCES, EPERM: self = .permissionDenied
        case EAFNOSUPPORT: self = .unsupportedAddress
        case EBADF: self = .closed
        default: self = .system(operation, errno: code)
        }
    }

    init(_ error: EventLoopError) {
        switch error {
        case .stopped: self = .loopStopped
        case .notRegistered: self = .closed
        case .system(_, let code): self = .system(.register, errno: code)
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset by peer"
        case .connectionAborted: "connection aborted"
        case .brokenPipe: "broken pipe"
        case .timedOut: "timed out"
        case .networkUnreachable: "network unreachable"
        case .hostUnreachable: "host unreachable"
        case .addressInUse: "address in use"
        case .addressNotAvailable: "address not available"
        case .permissionDenied: "permission denied"
        case .unsupportedAddress: "unsupported address family"
        case .closed: "socket closed"
        case .loopStopped: "event loop stopped"
        case .system(let operation, let code): "\(operation.rawValue) failed: \(errnoText(code))"
        }
    }
}
