import WireKit

/// The state of a candidate pair in the checklist (RFC 8445 §6.1.2.6).
public enum CandidatePairState: Hashable, Sendable {
    case frozen
    case waiting
    /// A check is outstanding.
    case inProgress
    case succeeded
    case failed
}

/// A local and a remote candidate checked together (RFC 8445 §6.1.2). Candidates are referred
/// to by their index in the agent's candidate lists.
public struct CandidatePair: Hashable, Sendable, Identifiable {
    public var id: Int
    public var localIndex: Int
    public var remoteIndex: Int
    public var priority: UInt64
    /// The pair foundation: local and remote foundations joined (§6.1.2.6).
    public var foundation: String
    public var state: CandidatePairState
    /// The pair's own check succeeded, so it is in the valid list (§7.2.5.3.2). The valid pair
    /// RFC 8445 builds from the mapped address has the same local base and remote address as
    /// the checked pair, and data always leaves from the base, so the checked pair stands for
    /// it; a mapped address that matches no local candidate still becomes a local
    /// peer-reflexive candidate (§7.2.5.3.1).
    public var isValid = false
    public var isNominated = false
    /// Controlled agent: the peer sent USE-CANDIDATE on this pair (§7.3.1.5); it is nominated
    /// once its own check succeeds.
    public var nominationRequested = false
    /// What the W3C `RTCIceCandidatePairStats` report for the pair.
    public var counters = CandidatePairCounters()

    public init(id: Int, localIndex: Int, remoteIndex: Int, priority: UInt64, foundation: String,
                state: CandidatePairState) {
        self.id = id
        self.localIndex = localIndex
        self.remoteIndex = remoteIndex
        self.priority = priority
        self.foundation = foundation
        self.state = state
    }

    /// RFC 8445 §6.1.2.3: `2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0)`, G the controlling
    /// agent's candidate priority and D the controlled agent's.
    public static func priority(controlling g: UInt32, controlled d: UInt32) -> UInt64 {
        let (low, high) = g < d ? (g, d) : (d, g)
        return UInt64(low) << 32 | UInt64(high) << 1 | (g > d ? 1 : 0)
    }

    /// The pair priority from the local agent's point of view.
    static func priority(local: UInt32, remote: UInt32, role: ICERole) -> UInt64 {
        role == .controlling ? priority(controlling: local, controlled: remote)
            : priority(controlling: remote, controlled: local)
    }
}

/// Request, response and round-trip counters of one candidate pair, as W3C webrtc-stats
/// `RTCIceCandidatePairStats` defines them (connectivity checks of RFC 8445 §7.2 and consent
/// checks of RFC 7675 §5.1 alike).
public struct CandidatePairCounters: Hashable, Sendable {
    /// Binding requests sent on the pair, checks and consent checks, retransmissions not counted.
    public var requestsSent = 0
    /// Of those, consent checks.
    public var consentRequestsSent = 0
    /// Authenticated success responses received for the pair's requests.
    public var responsesReceived = 0
    /// Authenticated Binding requests received on the pair, retransmissions included.
    public var requestsReceived = 0
    /// Success responses sent to those requests.
    public var responsesSent = 0
    /// The sum of the round trips of ``responsesReceived``, each measured from the latest
    /// transmission of its request.
    public var totalRoundTripTime = Duration.zero
    /// The latest round trip; nil before any response.
    public var currentRoundTripTime: Duration?

    public init() {}

    mutating func recordResponse(roundTrip: Duration) {
        responsesReceived += 1
        totalRoundTripTime += roundTrip
        currentRoundTripTime = roundTrip
    }
}
