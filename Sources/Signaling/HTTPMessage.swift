/// One header field (RFC 9110 §5): the name compares case-insensitively, the value is kept as
/// received (RFC 9110 §5.5 whitespace around it already removed).
public struct HTTPHeader: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTPS request handed to `RESTClient` (RFC 9110 §9.3 methods, RFC 9112 §3 request line).
///
/// `url` must be `https://…`: the client refuses every other scheme. The timeouts override the
/// client's defaults for this one request.
///
/// `description` shows the method, URL and header names, with the values of credential-bearing
/// headers (`Authorization`, `X-Amz-Security-Token`, …) masked, and never the body.
public struct HTTPRequest: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// Time allowed for DNS, TCP and the TLS handshake.
    public var connectTimeout: Duration?
    /// Time allowed for the whole exchange, connect included.
    public var totalTimeout: Duration?

    public init(
        method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
        connectTimeout: Duration? = nil, totalTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }

    /// Headers whose values are secrets or derived from them.
    static let maskedHeaders: Set<String> = ["authorization", "x-amz-security-token", "proxy-authorization", "cookie"]

    public var description: String {
        let shown = headers.map { header in
            Self.maskedHeaders.contains(header.name.lowercased())
                ? "\(header.name): \(AWSCredentials.redacted)" : "\(header.name): \(header.value)"
        }
        return "\(method) \(url) [\(shown.joined(separator: "; "))] (\(body.count)-byte body)"
    }

    public var debugDescription: String { description }
}

/// A complete HTTP response (RFC 9112 §4 status line, §5 fields, §6 body) as `RESTClient`
/// received it. Headers are those of the final response (interim 1xx answers are dropped).
///
/// `description` shows the status, header names and the body's size only: a body can hold
/// TURN passwords (GetIceServerConfig) or a whole HTML page.
public struct HTTPResponse: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, compared case-insensitively (RFC 9110 §5.1).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The `Date` header (RFC 9110 §6.6.1) as Unix seconds, when present and well formed.
    public var date: Int64? { header("date").flatMap { HTTPDate.parse($0) } }

    /// `Content-Type` without parameters, lowercased: `application/json`, `text/html`.
    public var mediaType: String? {
        guard let value = header("content-type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first ?? ""
        return type.trimmingASCIIWhitespace().lowercased()
    }

    public var description: String {
        "HTTP \(status) [\(headers.map(\.name).joined(separator: ", "))] (\(body.count)-byte body)"
    }

    public var debugDescription: String { description }
}

/// Why `RESTClient` has no response to give (RFC 9110 §15 statuses are not errors here: any
/// complete response, 5xx included, is a success of the transport).
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `close()` ran while the request was queued or in flight.
    case cancelled
    /// The connect or total timeout ran out (libcurl's message says which).
    case timedOut(String)
    /// DNS resolution or the TCP connection failed (refused, unreachable).
    case connectionFailed(String)
    /// The server's certificate chain or name did not verify against the trust store.
    case certificateUntrusted(String)
    /// The TLS handshake failed, or the trust store could not be loaded.
    case tlsFailed(String)
    /// The body grew past the client's size cap; the transfer was aborted.
    case responseTooLarge(limit: Int)
    /// The request could not be started: not `https://`, or libcurl refused an option.
    case invalidRequest(String)
    /// Any other libcurl failure (connection reset, truncated response, …).
    case transport(code: Int, message: String)

    public var description: String {
        switch self {
        case .cancelled: "request cancelled: the HTTP client was closed"
        case .timedOut(let detail): "timed out: \(detail)"
        case .connectionFailed(let detail): "connection failed: \(detail)"
        case .certificateUntrusted(let detail): "server certificate not trusted: \(detail)"
        case .tlsFailed(let detail): "TLS failed: \(detail)"
        case .responseTooLarge(let limit): "response larger than \(limit) bytes"
        case .invalidRequest(let detail): "invalid request: \(detail)"
        case .transport(let code, let message): "transport error (curl \(code)): \(message)"
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF (RFC 9110 §5.6.3 OWS).
    func trimmingASCIIWhitespace() -> String {
        let isSpace = { (c: Character) in c == " " || c == "\t" || c == "\r" || c == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
