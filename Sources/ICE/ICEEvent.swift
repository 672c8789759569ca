import SDP
import WireKit

/// The agent's role (RFC 8445 §6.1.1): the controlling agent nominates.
public enum ICERole: Hashable, Sendable {
    case controlling
    case controlled
}

/// The connection state reported to the application (W3C `RTCIceConnectionState`, built on the
/// checklist states of RFC 8445 §6.1.2.1 and consent of RFC 7675).
public enum ICEConnectionState: Hashable, Sendable {
    case new
    case checking
    case connected
    case completed
    case disconnected
    case failed
    case closed
}

/// The pair media flows on (RFC 8445 §8.1.1): send from `local.base` to `remote.address`,
/// through `local.relay` when the local candidate is relayed.
public struct ICESelectedPair: Hashable, Sendable, CustomStringConvertible {
    public var local: ICECandidate
    public var remote: ICECandidate
    public init(local: ICECandidate, remote: ICECandidate) {
        self.local = local
        self.remote = remote
    }
    public var description: String { "\(local) -> \(remote)" }
}

/// Something the application should learn about (RFC 8445, RFC 8838, RFC 7675).
public enum ICEEvent: Hashable, Sendable {
    /// A local candidate to signal to the peer (trickle, RFC 8838 §4).
    case localCandidate(ICECandidate)
    /// Gathering is over: signal end-of-candidates (RFC 8838 §4.3).
    case endOfLocalCandidates
    /// New local credentials after an ICE restart: signal them with the new candidates.
    case localCredentialsChanged(ICECredentials)
    /// A remote candidate that will not be checked, and why.
    case remoteCandidateIgnored(String, ICECandidateRejection)
    case connectionStateChanged(ICEConnectionState)
    case selectedPairChanged(ICESelectedPair)
    /// The role changed after a role conflict (RFC 8445 §7.3.1.1, §7.2.5.1).
    case roleChanged(ICERole)
}

/// A datagram to send through a relay allocation (RFC 8656 Send indication or ChannelData, the
/// I/O layer's choice) to `peer`.
public struct RelayTransmit: Hashable, Sendable {
    public var relay: RelayID
    public var peer: SocketAddress
    public var payload: [UInt8]
    public init(relay: RelayID, peer: SocketAddress, payload: [UInt8]) {
        self.relay = relay
        self.peer = peer
        self.payload = payload
    }
}

/// What ``ICEAgent/pollOutput()`` returns: datagrams for the checks and answers of RFC 8445 §7,
/// and events.
public enum ICEOutput: Sendable, Equatable {
    /// Send from `source` (a local socket) to `destination`.
    case transmit(Transmit)
    /// Send through a relay.
    case relayTransmit(RelayTransmit)
    case event(ICEEvent)
}
