import WireKit

/// How a ``TURNClient`` reaches its server and paces its requests (RFC 8656 §7–§11;
/// retransmission from RFC 8489 §6.2.1).
public struct TURNClientConfiguration: Sendable, CustomStringConvertible {
    /// The server's transport address (resolved by the caller).
    public var server: SocketAddress
    /// UDP, TCP or TLS. To the client TCP and TLS are the same byte stream: the I/O layer does
    /// the TLS. Streams get no retransmissions and padded ChannelData (RFC 8656 §12.5).
    public var transport: TransportProtocol
    /// The local address the I/O layer sends from; copied into every ``Transmit``.
    public var localAddress: SocketAddress
    public var credentials: TURNCredentials
    /// LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.1: the default is 600 s).
    public var requestedLifetime: UInt32 = 600
    /// Adds DONT-FRAGMENT to Allocate (RFC 8656 §7.1), asking the server to set DF on relayed
    /// UDP datagrams.
    public var dontFragment = false
    /// RTO: the first retransmission interval over UDP; doubled after each one (RFC 8489 §6.2.1).
    public var initialRTO: Duration = .milliseconds(500)
    /// Rc: how many times a request is sent over UDP in all.
    public var maxTransmissions = 7
    /// Rm: after the last transmission the client waits Rm × RTO for a response.
    public var finalWaitFactor = 16
    /// How often a permission is renewed. The server keeps one for 5 minutes (RFC 8656 §9);
    /// renewing at 3 leaves time for a second whole transaction (39.5 s) if the first is lost.
    public var permissionRefreshInterval: Duration = .seconds(180)
    /// How often a channel binding is renewed; the server keeps one for 10 minutes (§12).
    public var channelRefreshInterval: Duration = .seconds(480)
    /// How many times one request is re-signed after 401/438 before giving up.
    public var maxAuthenticationRetries = 3

    public init(
        server: SocketAddress, transport: TransportProtocol = .udp, localAddress: SocketAddress,
        credentials: TURNCredentials
    ) {
        self.server = server
        self.transport = transport
        self.localAddress = localAddress
        self.credentials = credentials
    }

    /// Whether the transport is a byte stream (TCP or TLS).
    public var isStream: Bool { transport != .udp }

    /// Ti: how long a transaction may wait for its response, the same over UDP (RFC 8489
    /// §6.2.1, 39.5 s by default) and over streams (§6.2.2).
    public var transactionTimeout: Duration {
        let count = max(1, min(maxTransmissions, 30))
        return initialRTO * ((1 << (count - 1)) - 1) + initialRTO * finalWaitFactor
    }

    public var description: String {
        "TURNClientConfiguration(\(transport.rawValue) \(server) from \(localAddress), \(credentials))"
    }
}

/// Counters of what a ``TURNClient`` dropped, for metrics and tests: RFC 8489 §6.3 and RFC 8656
/// §10.4/§12.6 tell a client to discard such messages silently, so counting is all that is left.
public struct TURNClientStatistics: Hashable, Sendable {
    /// Datagrams or stream messages that did not decode as STUN or ChannelData.
    public var malformed = 0
    /// Responses matching no outstanding transaction (late duplicates, strays).
    public var unmatchedResponses = 0
    /// Responses whose MESSAGE-INTEGRITY did not verify (RFC 8489 §9.2.5): ignored.
    public var integrityFailures = 0
    /// ChannelData on a channel number not bound by this client.
    public var unknownChannel = 0
    /// STUN messages of a method or class the client does not expect (e.g. requests).
    public var unexpectedMessages = 0
    /// Requests sent again after an RTO (UDP only).
    public var retransmissions = 0

    public init() {}
}
