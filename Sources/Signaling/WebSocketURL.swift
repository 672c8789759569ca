/// A `wss://host[:port]/path?query` URL split for libwebsockets (RFC 6455 §3 "WebSocket URIs").
///
/// The request target (path and query) is kept byte-for-byte as given: a SigV4 presigned query
/// is signed over its exact encoding, so nothing here decodes or re-encodes it. Bytes that would
/// break the HTTP request line (controls, spaces, non-ASCII) are refused instead.
public struct WebSocketURL: Sendable, Equatable {
    /// The host to resolve and to check the certificate against (IPv6 without brackets).
    public let host: String
    public let port: Int
    /// The `Host` header: the authority exactly as written in the URL (port only if given).
    public let hostHeader: String
    /// Path and query as sent on the request line, starting with "/".
    public let requestTarget: String

    /// Longest path + query accepted (KVS presigned URLs are 1–3 KB).
    public static let maximumRequestTarget = 8 * 1024
    /// Longest `host[:port]` accepted.
    public static let maximumAuthority = 110

    /// Parses `text`; only the `wss` scheme is accepted (TLS is never optional).
    public init(_ text: String) throws(WebSocketError) {
        let bytes = Array(text.utf8)
        let scheme = Array("wss://".utf8)
        guard bytes.count > scheme.count,
            zip(bytes.prefix(scheme.count), scheme).allSatisfy({ Self.lowercased($0) == $1 })
        else { throw .invalidURL(reason: "the URL must start with wss://") }
        let rest = bytes[scheme.count...]
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        let authority = Array(rest[rest.startIndex..<authorityEnd])
        var target = Array(rest[authorityEnd...])
        if target.first == UInt8(ascii: "?") { target.insert(UInt8(ascii: "/"), at: 0) }
        if target.isEmpty { target = [UInt8(ascii: "/")] }
        if let bad = target.first(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "#") }) {
            throw .invalidURL(reason: "the path or query contains byte 0x\(Self.hex(bad)), which must be percent-encoded")
        }
        // lws keeps the target in its header table and writes "Host: …" into a 128-byte window.
        guard target.count <= Self.maximumRequestTarget else {
            throw .invalidURL(reason: "the path and query are \(target.count) bytes; at most \(Self.maximumRequestTarget) are supported")
        }
        guard authority.count <= Self.maximumAuthority else {
            throw .invalidURL(reason: "the host and port are longer than \(Self.maximumAuthority) bytes")
        }
        let (host, port) = try Self.splitAuthority(authority)
        self.host = host
        self.port = port
        self.hostHeader = String(decoding: authority, as: UTF8.self)
        self.requestTarget = String(decoding: target, as: UTF8.self)
    }

    private static func splitAuthority(_ authority: [UInt8]) throws(WebSocketError) -> (String, Int) {
        guard !authority.isEmpty else { throw .invalidURL(reason: "the URL has no host") }
        if authority.contains(UInt8(ascii: "@")) { throw .invalidURL(reason: "user information in the URL is not supported") }
        var hostBytes = authority[...]
        var portBytes: ArraySlice<UInt8>? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw .invalidURL(reason: "unterminated IPv6 address")
            }
            hostBytes = authority[1..<close]
            let after = authority[(close + 1)...]
            if let colon = after.first {
                guard colon == UInt8(ascii: ":") else { throw .invalidURL(reason: "unexpected text after the IPv6 address") }
                portBytes = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            hostBytes = authority[..<colon]
            portBytes = authority[(colon + 1)...]
        }
        guard !hostBytes.isEmpty,
            hostBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") })
        else { throw .invalidURL(reason: "the host name is empty or has invalid characters") }
        var port = 443
        if let portBytes {
            guard !portBytes.isEmpty, portBytes.count <= 5,
                portBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { throw .invalidURL(reason: "the port is not a number") }
            port = portBytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(port) else { throw .invalidURL(reason: "the port \(port) is out of range") }
        }
        return (String(decoding: hostBytes, as: UTF8.self), port)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}

extension WebSocketURL: CustomStringConvertible {
    /// The URL with its signature, session token and credential masked.
    public var description: String {
        WebSocketRedaction.redact("wss://\(hostHeader)\(requestTarget)")
    }
}
