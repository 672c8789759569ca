import WireKit

/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Equatable, Sendable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed point fraction of 256.
    public var fractionLost: UInt8
    /// Cumulative number of packets lost: a signed 24-bit value (duplicates can make it
    /// negative), kept within -0x800000...0x7FFFFF when written.
    public var cumulativeLost: Int32
    /// Extended highest sequence number received (cycles in the high 16 bits).
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source (LSR), or 0.
    public var lastSenderReport: UInt32
    /// Delay since that SR was received, in 1/65536 s (DLSR).
    public var delaySinceLastSenderReport: UInt32

    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequence: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let size = 24
    static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    init(parsing reader: inout RTCPReader) throws(RTCPError) {
        try reader.require(Self.size, .reportBlock)
        ssrc = try reader.u32(.reportBlock)
        fractionLost = try reader.u8(.reportBlock)
        let lost = try reader.u24(.reportBlock)
        // Sign-extend the 24-bit field.
        cumulativeLost = Int32(bitPattern: lost << 8) >> 8
        extendedHighestSequence = try reader.u32(.reportBlock)
        jitter = try reader.u32(.reportBlock)
        lastSenderReport = try reader.u32(.reportBlock)
        delaySinceLastSenderReport = try reader.u32(.reportBlock)
    }

    func write(to writer: inout ByteWriter) {
        writer.writeU32(ssrc)
        writer.writeU8(fractionLost)
        let clamped = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        writer.writeU24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        writer.writeU32(extendedHighestSequence)
        writer.writeU32(jitter)
        writer.writeU32(lastSenderReport)
        writer.writeU32(delaySinceLastSenderReport)
    }

    /// Round-trip time in 1/65536 s (RFC 3550 §6.4.1: A - LSR - DLSR), where `arrival` is
    /// when the packet carrying this block arrived. Nil when the sender has not received an SR
    /// yet (LSR = 0); 0 when clock error makes the difference negative.
    public func roundTripTime(arrival: NTPTimestamp) -> UInt32? {
        guard lastSenderReport != 0 else { return nil }
        // Compact NTP wraps every 18 hours, so the subtraction is modular.
        let sinceReport = arrival.compact &- lastSenderReport
        guard sinceReport >= delaySinceLastSenderReport else { return 0 }
        return sinceReport - delaySinceLastSenderReport
    }

    /// ``roundTripTime(arrival:)`` as a `Duration`.
    public func roundTripDuration(arrival: NTPTimestamp) -> Duration? {
        guard let compact = roundTripTime(arrival: arrival) else { return nil }
        return .nanoseconds(NTPTimestamp.nanoseconds(compact: compact))
    }
}
