extension RTCPTransportWideFeedback {
    /// Feedback for consecutive sequence numbers from `baseSequenceNumber`, given each one's
    /// arrival time in microseconds (nil: not received) on the receiver's clock.
    ///
    /// The reference time is the first arrival rounded down to 64 ms, wrapped to 24 bits as
    /// draft-holmer §3.1 allows; deltas are rounded to 250 µs ticks with the rounding error
    /// carried forward, so arrival times rebuilt from the deltas never drift by more than
    /// half a tick. Throws when a gap between arrivals does not fit a 16-bit delta
    /// (about ±8.19 s) or there are more than 65535 packets.
    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, feedbackPacketCount: UInt8,
        arrivalTimes: [Int64?]
    ) throws(RTCPError) {
        guard arrivalTimes.count <= 0xFFFF else {
            throw .notEncodable(.twccHeader, value: arrivalTimes.count, limit: 0xFFFF)
        }
        let firstArrival = arrivalTimes.lazy.compactMap { $0 }.first ?? 0
        let reference = Self.floorDivide(firstArrival, Self.referenceTimeUnitMicroseconds)
        // Ticks count from the unwrapped reference so deltas are right whatever the wrap.
        var previousTick = reference * (Self.referenceTimeUnitMicroseconds / Self.deltaTickMicroseconds)
        var statuses: [PacketStatus] = []
        statuses.reserveCapacity(arrivalTimes.count)
        for arrival in arrivalTimes {
            guard let arrival else {
                statuses.append(.notReceived)
                continue
            }
            let tick = Self.floorDivide(arrival &+ Self.deltaTickMicroseconds / 2, Self.deltaTickMicroseconds)
            let delta = tick - previousTick
            guard let small = Int16(exactly: delta) else {
                throw .notEncodable(.twccReceiveDelta, value: Int(truncatingIfNeeded: delta), limit: Int(Int16.max))
            }
            statuses.append(.received(delta: small))
            previousTick = tick
        }
        let wrapped = Int32(truncatingIfNeeded: (reference << 40) >> 40)
        self.init(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
            referenceTime: wrapped, feedbackPacketCount: feedbackPacketCount, packetStatuses: statuses)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }
}
