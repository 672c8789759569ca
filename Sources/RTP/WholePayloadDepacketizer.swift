/// Takes frames back out of RTP for payload formats that put exactly one frame in each
/// payload: Opus (RFC 7587 §4, one Opus packet) and G.711 (RFC 3551 §4.5.14, a run of samples
/// starting at the packet's timestamp). Use it as ``OpusDepacketizer`` or ``G711Depacketizer``.
public struct WholePayloadDepacketizer: RTPDepacketizer, Sendable {
    public private(set) var statistics = DepacketizerStatistics()
    var sequence = RTPSequenceTracker()

    public init() {}

    /// The frame in `payload`, or nil for a duplicate, late or empty packet.
    public mutating func push(
        payload: ArraySlice<UInt8>, sequenceNumber: UInt16, timestamp: UInt32, marker: Bool
    ) -> DepacketizedFrame? {
        let verdict = sequence.observe(sequenceNumber, counting: &statistics)
        guard verdict != .stale else { return nil }
        guard !payload.isEmpty else {
            statistics.malformedPackets += 1
            return nil
        }
        statistics.framesEmitted += 1
        return DepacketizedFrame(timestamp: timestamp, data: Array(payload), hadLoss: verdict != .next)
    }
}
