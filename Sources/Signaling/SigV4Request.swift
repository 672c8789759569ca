import WireKit

/// One HTTP header field of a request to sign (RFC 9110 §5). Names compare case-insensitively
/// when signing; values are signed after SigV4's whitespace trimming.
public struct SigV4Header: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, not yet percent-encoded (RFC 3986 §3.4). Order and repeats are kept
/// on the wire; the canonical query sorts them (AWS SigV4, "Create a canonical request").
public struct SigV4QueryItem: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value` with both parts RFC 3986 encoded (an empty value still gets its `=`).
    public var encoded: String {
        SigV4Encoding.uriEncode(name) + "=" + SigV4Encoding.uriEncode(value)
    }
}

/// An HTTP request to sign with SigV4 in the Authorization header (AWS SigV4, "Create a signed
/// AWS API request"), e.g. the KVS control plane's `POST /describeSignalingChannel` with a JSON
/// body.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    /// The authority the request goes to: `kinesisvideo.us-west-2.amazonaws.com`, with `:port`
    /// only when the port is not the scheme's default. Signed as the `host` header.
    public var host: String
    /// The path exactly as it appears in the request line (already percent-encoded where the
    /// HTTP layer needs it); the signer normalizes and encodes it once more, as AWS expects
    /// for every service but S3.
    public var path: String
    public var query: [SigV4QueryItem]
    public var headers: [SigV4Header]
    public var body: [UInt8]

    public init(
        method: String, host: String, path: String, query: [SigV4QueryItem] = [], headers: [SigV4Header] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The query string to send (`a=1&b=2`, in the given order, RFC 3986 encoded), empty when
    /// there are no parameters.
    public var encodedQuery: String {
        query.map(\.encoded).joined(separator: "&")
    }

    /// Path plus `?query` when there is one: what goes after the authority in the URL.
    public var target: String {
        let base = path.isEmpty ? "/" : path
        return query.isEmpty ? base : base + "?" + encodedQuery
    }
}

/// A request after signing: the headers to send (the caller's, plus `host`, `X-Amz-Date`,
/// `X-Amz-Security-Token` when the credentials have a session token, and `Authorization`).
///
/// The description hides the session token.
public struct SigV4SignedRequest: Sendable, Equatable, CustomStringConvertible {
    public var request: SigV4Request
    public var headers: [SigV4Header]
    public var authorization: String
    public var signature: String
    public var amzDate: String

    public var description: String {
        let shown = headers.map { header in
            header.name.lowercased() == "x-amz-security-token"
                ? "\(header.name): \(AWSCredentials.redacted)" : "\(header.name): \(header.value)"
        }
        return "\(request.method) \(request.target) [\(shown.joined(separator: "; "))]"
    }
}

/// A presigned URL (AWS SigV4, "Authentication with query parameters"), e.g. the signaling
/// channel's `wss://…?X-Amz-ChannelARN=…&X-Amz-Signature=…` for ConnectAsMaster.
///
/// The description hides the session token carried in `X-Amz-Security-Token`.
public struct SigV4PresignedURL: Sendable, Equatable, CustomStringConvertible {
    public var url: String
    public var signature: String
    public var amzDate: String
    /// Unix seconds at which the service stops accepting the URL.
    public var expiresAt: Int64

    public var description: String {
        guard let range = url.firstTextRange(of: "X-Amz-Security-Token=") else { return url }
        let tail = url[range.upperBound...]
        let end = tail.firstIndex(of: "&") ?? tail.endIndex
        return String(url[..<range.upperBound]) + AWSCredentials.redacted + String(tail[end...])
    }
}

/// Why a request could not be signed.
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// OpenSSL refused a digest or HMAC.
    case cryptoFailed(String)
    /// SigV4 presigned URLs live between 1 second and 7 days.
    case invalidExpiry(Int)
    /// An endpoint that is not `scheme://host[/path]`.
    case invalidEndpoint(String)

    public var description: String {
        switch self {
        case .cryptoFailed(let detail): "SigV4 signing failed in OpenSSL: \(detail)"
        case .invalidExpiry(let seconds): "presigned URL expiry \(seconds) s is outside 1…604800 s"
        case .invalidEndpoint(let endpoint): "endpoint '\(endpoint)' is not of the form scheme://host[/path]"
        }
    }
}
