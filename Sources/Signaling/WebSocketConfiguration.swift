import Glibc

/// Which certificate authorities a TLS client trusts (RFC 5280 path validation, done by OpenSSL).
/// Verification itself is never optional.
public enum WebSocketTrust: Sendable, Equatable {
    /// OpenSSL's default verify paths (Debian: /etc/ssl/certs).
    case systemStore
    /// A PEM bundle; only these CAs are trusted.
    case caFile(String)
    /// A hashed CA directory (`openssl rehash` layout); only these CAs are trusted.
    case caDirectory(String)

    /// `.caDirectory` when `path` is a directory, else `.caFile` (the AWS_KVS_CACERT_PATH rule).
    public static func path(_ path: String) -> WebSocketTrust {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return .caDirectory(path) }
        return .caFile(path)
    }
}

/// Settings of a ``WebSocketClient``, fixed for its lifetime (they configure its libwebsockets
/// context and the TLS context built from it).
public struct WebSocketConfiguration: Sendable {
    public var trust: WebSocketTrust
    /// TCP connect + TLS handshake + HTTP upgrade must finish within this.
    public var connectTimeout: Duration
    /// A ping goes out this long after the previous one (KVS drops connections idle for 10 minutes).
    public var pingInterval: Duration
    /// The connection is declared dead when a ping stays unanswered this long.
    public var pongTimeout: Duration
    /// How long our close frame may wait for the peer's before the socket is cut.
    public var closeTimeout: Duration
    /// Incoming messages larger than this are discarded and reported.
    public var maxMessageSize: Int
    /// `send` refuses new messages while this many bytes wait to be written.
    public var maxQueuedBytes: Int
    /// Where the client's own log lines go (already redacted); nil drops them.
    public var log: WebSocketLogSink?

    public init(
        trust: WebSocketTrust = .systemStore,
        connectTimeout: Duration = .seconds(10),
        pingInterval: Duration = .seconds(30),
        pongTimeout: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(2),
        maxMessageSize: Int = 256 * 1024,
        maxQueuedBytes: Int = 1 << 20,
        log: WebSocketLogSink? = nil
    ) {
        self.trust = trust
        self.connectTimeout = connectTimeout
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.closeTimeout = closeTimeout
        self.maxMessageSize = maxMessageSize
        self.maxQueuedBytes = maxQueuedBytes
        self.log = log
    }
}

extension Duration {
    /// Whole microseconds, at least 1 (lws timers take microseconds; 0 would cancel them).
    var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds &* 1_000_000 &+ attoseconds / 1_000_000_000_000)
    }

    var wholeMilliseconds: Int { Int(wholeMicroseconds / 1000) }
}
