import ICETransport
import TestSupport
import WireKit

extension CoturnServer {
    /// The server to configure for `transport`; TLS names the certificate's DNS name
    /// (``TestPKI/serverName``).
    func server(_ transport: TransportProtocol, user: String) throws -> ICETURNServer {
        guard transport != .tls || tlsAddress != nil else {
            throw MissingPeer(description: "coturn was started without TLS")
        }
        return ICETURNServer(
            address: transport == .tls ? tlsAddress ?? address : address, transport: transport,
            credentials: try credentials(user: user), serverName: transport == .tls ? TestPKI.serverName : nil)
    }
}
