/// Who started the closing handshake of RFC 6455 §7.
public enum WebSocketCloseInitiator: Sendable, Equatable {
    case local
    case remote
}

/// A completed closing handshake (RFC 6455 §7.1.5–7.1.6): the status code and reason from the
/// close frame (the peer's when it started, ours when we did).
public struct WebSocketClose: Sendable, Equatable {
    public let code: UInt16
    public let reason: String
    public let initiator: WebSocketCloseInitiator

    public init(code: UInt16, reason: String, initiator: WebSocketCloseInitiator) {
        self.code = code
        self.reason = reason
        self.initiator = initiator
    }

    /// RFC 6455 §7.4.1 "1000 indicates a normal closure".
    public static let normalClosure: UInt16 = 1000
    /// §7.4.1 "1001 indicates that an endpoint is going away" (used by `shutdown()`).
    public static let goingAway: UInt16 = 1001
    /// §7.4.1 "1005 … no status code was actually present" (never sent on the wire).
    public static let noStatusReceived: UInt16 = 1005
}

/// What one connection reports, in order, on the client's service thread (RFC 6455 §6.2 and
/// §7). Every connection ends with exactly one `closed` or `failed`.
public enum WebSocketEvent: Sendable, Equatable {
    /// The opening handshake completed (HTTP 101).
    case opened
    /// A complete text message (fragments reassembled, RFC 6455 §5.4).
    case textReceived(String)
    /// A complete binary message.
    case binaryReceived([UInt8])
    /// A pong answered one of our keepalive pings.
    case pongReceived
    /// A message was discarded (too large, bad UTF-8); the connection stays open.
    case messageDiscarded(WebSocketError)
    /// The closing handshake finished; the connection is gone.
    case closed(WebSocketClose)
    /// The connection could not be opened, or broke; it is gone.
    case failed(WebSocketError)

    /// True for the last event of a connection.
    public var isTerminal: Bool {
        switch self {
        case .closed, .failed: true
        default: false
        }
    }
}

/// Severity of a WebSocket log line, from libwebsockets or from the client itself.
public enum WebSocketLogLevel: Int, Sendable, Comparable, CaseIterable {
    case error = 0
    case warning
    case notice
    case info
    case debug

    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }
}

/// Receives log lines; every line is already redacted by ``WebSocketRedaction``.
public typealias WebSocketLogSink = @Sendable (WebSocketLogLevel, String) -> Void
