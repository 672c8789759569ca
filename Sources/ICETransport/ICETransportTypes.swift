import EventLoop
import ICE
import SDP
import TURN
import WireKit

/// A TURN server an ``ICETransport`` allocates a relayed candidate on (RFC 8656 §3, RFC 8445
/// §5.1.1.2), with its address already resolved.
public struct ICETURNServer: Hashable, Sendable, CustomStringConvertible {
    public var address: SocketAddress
    /// `.udp` (a UDP socket of its own), `.tcp` (RFC 8656 §3.1 over a TCP connection with
    /// RFC 4571-style framing) or `.tls` (`turns:`, the same framing inside TLS over TCP).
    public var transport: TransportProtocol
    public var credentials: TURNCredentials
    /// The name the server's certificate must carry over TLS (and the SNI): the URI's host.
    /// Nil: the IP address of ``address``.
    public var serverName: String?

    public init(address: SocketAddress, transport: TransportProtocol = .udp, credentials: TURNCredentials,
                serverName: String? = nil) {
        self.address = address
        self.transport = transport
        self.credentials = credentials
        self.serverName = serverName
    }

    /// From a `turn:`/`turns:` URI whose host is an IP literal; nil for a DNS name, which the
    /// caller resolves first.
    public init?(url: TURNServerURL, credentials: TURNCredentials) {
        guard let address = url.socketAddress else { return nil }
        self.init(address: address, transport: url.transport, credentials: credentials, serverName: url.host)
    }

    /// Names the server and the user, never the password.
    public var description: String { "\(transport.rawValue) \(address) (\(credentials))" }
}

/// Settings of an ``ICETransport``.
public struct ICETransportConfiguration: Sendable {
    public var ice: ICEConfiguration
    /// The IP addresses to bind host sockets on, best first. Nil: every address of
    /// `NetworkInterface.list()` the agent accepts (``ICEAgent/acceptsLocalAddress(_:)``).
    public var localAddresses: [IPAddress]?
    public var turnServers: [ICETURNServer]
    /// Relayed datagrams waiting for their TURN permission, per peer IP, beyond which the oldest
    /// is dropped (checks are retransmitted, so a short queue is enough).
    public var maxQueuedPerPermission = 16
    /// The largest datagram a socket reads whole (each socket owns a buffer this big; longer
    /// datagrams are dropped as truncated). WebRTC keeps datagrams under the path MTU, and
    /// a TURN message adds at most 36 bytes, so 8 KiB leaves ample room at an eighth of the
    /// 64 KiB a UDP datagram may reach.
    public var maxDatagramSize = 8192
    /// The CAs a `turns:` server's certificate must chain to.
    public var tlsTrust = TLSTrustStore.system

    public init(ice: ICEConfiguration = ICEConfiguration(), localAddresses: [IPAddress]? = nil,
                turnServers: [ICETURNServer] = []) {
        self.ice = ice
        self.localAddresses = localAddresses
        self.turnServers = turnServers
    }
}

/// What an ``ICETransport`` tells its owner (RFC 8445, RFC 8838, RFC 8656 outcomes).
public enum ICETransportEvent: Sendable, Equatable {
    /// A local candidate to signal (trickle, RFC 8838 §4), in SDP form.
    case localCandidate(CandidateAttribute)
    /// Gathering is over: signal end-of-candidates (RFC 8838 §4.3).
    case endOfCandidates
    case connectionStateChanged(ICEConnectionState)
    /// The pair data now flows on (RFC 8445 §8.1.1).
    case selectedPairChanged(ICESelectedPair)
    /// Other agent events: role changes, ignored remote candidates, new credentials.
    case agent(ICEEvent)
    /// What a relay's TURN client reported (allocation, permissions, channels, refreshes);
    /// relayed data is not reported here.
    case relay(RelayID, TURNEvent)
    /// A relay could not be used at all (socket, connection, unsupported transport).
    case relayUnavailable(RelayID, ICETransportError)
}

/// Why an ``ICETransport`` operation failed.
public enum ICETransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// ``ICETransport/start()`` was already called.
    case alreadyStarted
    case closed
    /// Listing the network interfaces failed.
    case interfaces(SocketError)
    /// Opening, binding or registering a socket failed.
    case socket(SocketError)
    /// The TCP connection to a TURN server failed or ended.
    case connection(SocketError?)
    /// A transport this build cannot use for TURN.
    case unsupportedTransport(TransportProtocol)
    /// TLS to a `turns:` server failed (setup, certificate verification, handshake, records).
    case tls(TLSStreamError)
    /// No pair is selected yet (or consent was lost): nothing can be sent.
    case noSelectedPair
    /// The socket buffer is full; the datagram was dropped (real-time data is not queued).
    case wouldBlock
    case send(SocketError)
    case relay(TURNSendError)

    public var description: String {
        switch self {
        case .alreadyStarted: "already started"
        case .closed: "transport closed"
        case .interfaces(let error): "listing interfaces failed: \(error)"
        case .socket(let error): "socket: \(error)"
        case .connection(let error): "TURN connection ended" + (error.map { ": \($0)" } ?? "")
        case .unsupportedTransport(let transport): "TURN over \(transport.rawValue) is not supported"
        case .tls(let error): "TURN over TLS: \(error)"
        case .noSelectedPair: "no selected pair"
        case .wouldBlock: "socket buffer full"
        case .send(let error): "send: \(error)"
        case .relay(let error): "relay: \(error)"
        }
    }
}

/// Counters of an ``ICETransport``, for metrics and tests.
public struct ICETransportStatistics: Hashable, Sendable {
    /// Datagrams read from host sockets and data relayed to us by TURN.
    public var datagramsReceived = 0
    /// STUN messages handed to the agent (direct or relayed).
    public var stunReceived = 0
    /// Non-STUN data on a valid pair, handed to ``ICETransport/onData``.
    public var dataReceived = 0
    /// Non-STUN data from an address that is on no valid pair: dropped.
    public var unexpectedDatagrams = 0
    /// Datagrams from the network on a TURN socket that did not come from its server.
    public var strayRelayDatagrams = 0
    /// Datagrams longer than ``ICETransportConfiguration/maxDatagramSize``: dropped.
    public var truncatedDatagrams = 0
    /// Datagrams and stream writes that left.
    public var datagramsSent = 0
    /// Sends the kernel refused or could not take.
    public var sendFailures = 0
    /// Relayed datagrams that waited for a permission, and those dropped (permission refused,
    /// queue full, relay gone).
    public var relayQueued = 0
    public var relayDropped = 0

    public init() {}
}
