import TURN
import WireKit

extension ICETURNServer {
    /// The servers one `GetIceServerConfig` URI stands for (RFC 7065 §3), once the caller has
    /// resolved its host: `turn:` with no transport means UDP, then TCP as a second relay for
    /// networks that block UDP; `turn:...?transport=` is that transport only; `turns:` is TLS,
    /// verified against the URI's host. Empty for a URI that does not parse or a host that is
    /// neither resolved nor an IP literal.
    ///
    /// - Parameter address: what the host resolved to; nil when the host is an IP literal.
    public static func servers(uri: String, address: IPAddress? = nil, credentials: TURNCredentials) -> [ICETURNServer] {
        guard let url = TURNServerURL(uri), let ip = address ?? url.ipAddress else { return [] }
        let socketAddress = SocketAddress(ip: ip, port: url.port)
        let explicitTransport = uri.lowercased().containsText("transport=")
        let transports: [TransportProtocol] =
            url.scheme == .turns ? [.tls] : (explicitTransport ? [url.transport] : [.udp, .tcp])
        return transports.map {
            ICETURNServer(
                address: socketAddress, transport: $0, credentials: credentials,
                serverName: $0 == .tls ? url.host : nil)
        }
    }
}
