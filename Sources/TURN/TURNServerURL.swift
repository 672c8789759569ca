import WireKit

/// A TURN server URI (RFC 7065 §3): `turn:host[:port][?transport=udp|tcp]` or
/// `turns:host[:port][?transport=tcp]`, the form KVS `GetIceServerConfig` returns.
///
/// `turn:` defaults to port 3478 and `turns:` to 5349 (RFC 8656 §4). A `turn:` URI without a
/// transport means UDP; falling back to TCP when UDP is blocked is the caller's choice. The
/// host is kept as text: resolving a name is the I/O layer's job.
public struct TURNServerURL: Hashable, Sendable, CustomStringConvertible {
    /// `turn` (plain) or `turns` (over TLS).
    public enum Scheme: String, Hashable, Sendable {
        case turn
        case turns
    }

    public var scheme: Scheme
    /// A DNS name or an IP literal (IPv6 without the brackets).
    public var host: String
    public var port: UInt16
    /// How the client reaches the server: UDP, TCP, or TLS over TCP for `turns:`.
    public var transport: TransportProtocol

    public static let defaultPort: UInt16 = 3478
    public static let defaultTLSPort: UInt16 = 5349

    public init(scheme: Scheme, host: String, port: UInt16? = nil, transport: TransportProtocol? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == .turns ? TURNServerURL.defaultTLSPort : TURNServerURL.defaultPort)
        self.transport = scheme == .turns ? .tls : (transport ?? .udp)
    }

    /// Parses a URI; nil when the scheme, host, port or transport is not acceptable
    /// (`turns:` with `transport=udp` would be DTLS, which this client does not speak).
    public init?(_ text: some StringProtocol) {
        let text = Substring(text)
        guard let colon = text.firstIndex(of: ":"),
            let scheme = Scheme(rawValue: text[..<colon].lowercased())
        else { return nil }
        var rest = text[text.index(after: colon)...]
        var transport: TransportProtocol?
        if let question = rest.firstIndex(of: "?") {
            guard let parsed = TURNServerURL.parseQuery(rest[rest.index(after: question)...]) else { return nil }
            transport = parsed
            rest = rest[..<question]
        }
        guard let (host, port) = TURNServerURL.parseHostPort(rest) else { return nil }
        switch (scheme, transport) {
        case (.turns, .udp?), (_, .tls?): return nil
        case (.turns, _): transport = .tls
        default: break
        }
        self.init(scheme: scheme, host: host, port: port, transport: transport)
    }

    /// The IP address when the host is a literal.
    public var ipAddress: IPAddress? { IPAddress(host) }

    /// The server address when the host is an IP literal (no resolution needed).
    public var socketAddress: SocketAddress? { ipAddress.map { SocketAddress(ip: $0, port: port) } }

    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let query = scheme == .turns ? "?transport=tcp" : "?transport=\(transport.rawValue)"
        return "\(scheme.rawValue):\(hostText):\(port)\(query)"
    }

    /// `transport=udp` or `transport=tcp`; other keys are ignored, other values refused.
    private static func parseQuery(_ query: Substring) -> TransportProtocol?? {
        var transport: TransportProtocol?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].lowercased() == "transport" else { continue }
            switch parts[1].lowercased() {
            case "udp": transport = .udp
            case "tcp": transport = .tcp
            default: return nil
            }
        }
        return .some(transport)
    }

    private static func parseHostPort(_ text: Substring) -> (String, UInt16?)? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            guard case .v6? = IPAddress(host) else { return nil }
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else {
            guard !text.contains("[") else { return nil }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
        }
        guard !host.isEmpty, host.allSatisfy(isHostCharacter) else { return nil }
        guard let portText else { return (String(host), nil) }
        guard let port = UInt16(portText), port != 0 else { return nil }
        return (String(host), port)
    }

    private static func isHostCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == ":" || c == "_")
    }
}
