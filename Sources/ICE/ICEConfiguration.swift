import WireKit

/// Which local candidates the agent may use (W3C `RTCIceTransportPolicy`, RFC 8445 §5.1.1).
public enum ICETransportPolicy: Hashable, Sendable {
    /// Host, server-reflexive and relayed candidates.
    case all
    /// Relayed candidates only: the peer never learns a host or reflexive address.
    case relay
}

/// The retransmission schedule of one STUN transaction over UDP (RFC 8489 §6.2.1): the first
/// request, then retransmissions after RTO, 2·RTO, … (capped at `maxRTO`), `requestCount` sends
/// in all, then a last wait of `finalWaitFactor` × the initial RTO before the transaction fails.
public struct STUNRetransmission: Hashable, Sendable {
    public var initialRTO: Duration
    public var maxRTO: Duration
    /// Rc: the number of requests sent, the first included.
    public var requestCount: Int
    /// Rm: the final wait, in multiples of the initial RTO.
    public var finalWaitFactor: Int

    public init(initialRTO: Duration, maxRTO: Duration, requestCount: Int, finalWaitFactor: Int) {
        self.initialRTO = initialRTO
        self.maxRTO = maxRTO
        self.requestCount = max(1, requestCount)
        self.finalWaitFactor = max(1, finalWaitFactor)
    }

    /// RFC 8489 §6.2.1 defaults: RTO 500 ms doubling, Rc 7, Rm 16 (39.5 s in all).
    public static let rfc8489 = STUNRetransmission(
        initialRTO: .milliseconds(500), maxRTO: .seconds(3600), requestCount: 7, finalWaitFactor: 16)

    /// Connectivity checks: the same start, but the interval stops doubling at 1.6 s so a lost
    /// check is repeated while the 12 s connectivity-check budget still runs (RFC 8445 §14.3
    /// lets the agent pick RTO ≥ 500 ms).
    public static let connectivityCheck = STUNRetransmission(
        initialRTO: .milliseconds(500), maxRTO: .milliseconds(1600), requestCount: 7, finalWaitFactor: 3)

    /// The wait after send number `index` (0-based) before the next send or the failure.
    public func interval(after index: Int) -> Duration {
        if index + 1 >= requestCount {
            let wait = initialRTO * finalWaitFactor
            return wait < maxRTO ? wait : maxRTO
        }
        var rto = initialRTO
        for _ in 0..<index {
            rto = rto * 2
            if rto >= maxRTO { return maxRTO }
        }
        return rto
    }
}

/// Settings of an ``ICEAgent``. Defaults follow RFC 8445 and the timeouts of the KVS WebRTC C
/// SDK (10 s gathering, 12 s connectivity checks, 12 s nomination).
public struct ICEConfiguration: Sendable {
    public var policy: ICETransportPolicy = .all
    /// STUN servers for server-reflexive candidates (RFC 8445 §5.1.1.2).
    public var stunServers: [SocketAddress] = []
    /// Loopback addresses are useless to a remote peer; tests on one machine turn this on.
    public var includeLoopback = false
    /// Link-local addresses (169.254/16, fe80::/10) rarely reach a WebRTC peer.
    public var includeLinkLocal = false
    public var includeIPv6 = true
    /// After this long, gathering ends (end-of-candidates) even with transactions still open.
    public var gatheringTimeout: Duration = .seconds(10)
    /// How long checks may run without producing a valid pair before the agent fails.
    public var connectivityCheckTimeout: Duration = .seconds(12)
    /// How long after the first valid pair a pair must be selected before the agent fails.
    public var nominationTimeout: Duration = .seconds(12)
    /// Ta, the pacing of new checks (RFC 8445 §14.2).
    public var pacing: Duration = .milliseconds(50)
    /// Controlling agent: how long to wait, after the first valid pair, for higher-priority
    /// pairs still being checked before nominating the best valid pair.
    public var nominationDelay: Duration = .milliseconds(500)
    public var checkRetransmission: STUNRetransmission = .connectivityCheck
    public var gatheringRetransmission: STUNRetransmission = .rfc8489
    /// RFC 7675 §5.1: consent checks every 5 s, randomized to 0.8–1.2 × that.
    public var consentInterval: Duration = .seconds(5)
    /// RFC 7675 §5.1: consent expires 30 s after the last authenticated response.
    public var consentTimeout: Duration = .seconds(30)
    /// Without a consent response for this long, the state is `disconnected` (it recovers
    /// when responses come back, until ``consentTimeout``).
    public var disconnectedTimeout: Duration = .seconds(10)
    /// RFC 8445 §6.1.2.5: the largest checklist; lower-priority pairs beyond it are dropped.
    public var maxPairs = 100
    /// SOFTWARE attribute for requests to STUN servers (nil: none).
    public var software: String?

    public init() {}
}
