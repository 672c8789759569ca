/// A media frame rebuilt from RTP payloads (RFC 3550 §5.1 timing): an access unit (H.264/H.265 in Annex-B form with
/// 4-byte start codes), a VP8 frame, or an audio frame (Opus packet, G.711 samples).
public struct DepacketizedFrame: Equatable, Sendable {
    /// RTP timestamp shared by the frame's packets (RFC 3550 §5.1).
    public var timestamp: UInt32
    public var data: [UInt8]
    /// Whether a sequence-number gap was seen while this frame was being assembled: parts of
    /// it may be missing even though what is present is well formed.
    public var hadLoss: Bool

    public init(timestamp: UInt32, data: [UInt8], hadLoss: Bool = false) {
        self.timestamp = timestamp
        self.data = data
        self.hadLoss = hadLoss
    }
}

/// What a depacketizer dropped and why (losses detected as in RFC 3550 §A.1). Malformed or out-of-order packets are counted here
/// rather than thrown, so one bad datagram never stops a stream.
public struct DepacketizerStatistics: Equatable, Sendable {
    /// Packets whose sequence numbers were skipped (RFC 3550 §A.1 style extended gap).
    public var packetsLost: Int = 0
    /// Duplicates and packets older than the last one accepted.
    public var packetsDiscarded: Int = 0
    /// Payloads that did not follow the payload format.
    public var malformedPackets: Int = 0
    /// NAL units (H.264/H.265) dropped because a fragment was missing or malformed.
    public var nalUnitsDropped: Int = 0
    /// Frames dropped because their end never arrived, a piece was lost, or they grew too big.
    public var framesDropped: Int = 0
    /// Frames handed out.
    public var framesEmitted: Int = 0

    public init() {}
}

/// Follows the sequence numbers of one RTP stream (RFC 3550 §A.1) to tell the next packet from
/// a gap, a duplicate or a late packet.
struct RTPSequenceTracker: Sendable {
    private(set) var last: UInt16?

    enum Verdict: Equatable {
        case next
        /// `lost` packets were skipped before this one.
        case gap(lost: Int)
        /// A duplicate or a packet older than the last accepted one.
        case stale
    }

    mutating func observe(_ sequenceNumber: UInt16) -> Verdict {
        guard let last else {
            self.last = sequenceNumber
            return .next
        }
        let delta = sequenceNumber &- last
        if delta == 0 || delta >= 0x8000 { return .stale }
        self.last = sequenceNumber
        return delta == 1 ? .next : .gap(lost: Int(delta) - 1)
    }

    /// Observes `sequenceNumber` and counts a gap as lost packets and a stale packet as
    /// discarded in `statistics`.
    mutating func observe(_ sequenceNumber: UInt16, counting statistics: inout DepacketizerStatistics) -> Verdict {
        let verdict = observe(sequenceNumber)
        switch verdict {
        case .next: break
        case .gap(let lost): statistics.packetsLost += lost
        case .stale: statistics.packetsDiscarded += 1
        }
        return verdict
    }

    mutating func reset() { last = nil }
}
