import WireKit

/// Holds remote ICE candidates that arrive before their viewer's offer.
///
/// Signaling delivery is asynchronous, so a viewer's candidates can overtake its offer (KVS
/// developer guide, "Review ICE candidate queuing logic"). They wait here, per sender, until the
/// offer arrives or `lifetime` passes. Storage-session messages have no sender id and are keyed
/// by nil. Every bound below exists so a misbehaving peer cannot grow memory without limit.
public struct SignalingCandidateBuffer: Sendable {
    public var lifetime: Duration
    public var maximumPerSender: Int
    public var maximumSenders: Int
    /// How many senders with a delivered offer are remembered (oldest forgotten first).
    public var maximumKnownSenders: Int

    private var pending: [String?: [(candidate: SignalingIceCandidate, expires: Instant)]] = [:]
    private var known: [String?: Instant] = [:]

    public init(
        lifetime: Duration = .seconds(20), maximumPerSender: Int = 64, maximumSenders: Int = 32,
        maximumKnownSenders: Int = 256
    ) {
        self.lifetime = lifetime
        self.maximumPerSender = maximumPerSender
        self.maximumSenders = maximumSenders
        self.maximumKnownSenders = maximumKnownSenders
    }

    /// Candidates waiting for an offer, over all senders.
    public var pendingCount: Int { pending.values.reduce(0) { $0 + $1.count } }

    /// Returns the candidate when its sender's offer has been seen; otherwise buffers it and
    /// returns nil. `dropped` counts candidates discarded to stay within the bounds.
    public mutating func candidateArrived(
        _ candidate: SignalingIceCandidate, from sender: String?, now: Instant
    ) -> (deliver: SignalingIceCandidate?, dropped: Int) {
        if known[sender] != nil { return (candidate, 0) }
        var dropped = 0
        if pending[sender] == nil, pending.count >= maximumSenders,
            let oldest = pending.min(by: { ($0.value.first?.expires ?? now) < ($1.value.first?.expires ?? now) })
        {
            dropped += oldest.value.count
            pending[oldest.key] = nil
        }
        var list = pending[sender] ?? []
        if list.count >= maximumPerSender {
            list.removeFirst()
            dropped += 1
        }
        list.append((candidate, now + lifetime))
        pending[sender] = list
        return (nil, dropped)
    }

    /// Marks `sender` as having a session and returns its unexpired buffered candidates, in
    /// arrival order.
    public mutating func offerArrived(from sender: String?, now: Instant) -> [SignalingIceCandidate] {
        if known[sender] == nil, known.count >= maximumKnownSenders,
            let oldest = known.min(by: { $0.value < $1.value })
        {
            known[oldest.key] = nil
        }
        known[sender] = now
        let list = pending.removeValue(forKey: sender) ?? []
        return list.filter { $0.expires > now }.map(\.candidate)
    }

    /// Forgets `sender`'s session, so its next candidates wait for a new offer again.
    public mutating func sessionEnded(for sender: String?) {
        known[sender] = nil
        pending[sender] = nil
    }

    /// Drops expired candidates; returns how many.
    @discardableResult
    public mutating func expire(now: Instant) -> Int {
        var expired = 0
        for (sender, list) in pending {
            let kept = list.filter { $0.expires > now }
            expired += list.count - kept.count
            pending[sender] = kept.isEmpty ? nil : kept
        }
        return expired
    }

    /// When the oldest buffered candidate expires.
    public var nextExpiry: Instant? {
        pending.values.compactMap { $0.first?.expires }.min()
    }
}
