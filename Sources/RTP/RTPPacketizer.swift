/// A packetizer that writes one RTP stream (RFC 3550 §5.1) through an ``RTPPacketWriter``.
/// Conforming gives it the accessors for the stream's constants and next sequence number.
public protocol RTPPacketizer {
    var writer: RTPPacketWriter { get }
}

extension RTPPacketizer {
    @inlinable
    public var ssrc: UInt32 { writer.ssrc }
    @inlinable
    public var payloadType: UInt8 { writer.payloadType }
    /// Sequence number the next packet will carry.
    @inlinable
    public var sequenceNumber: UInt16 { writer.sequenceNumber }
    @inlinable
    public var payloadBudget: Int { writer.payloadBudget }
}

/// A receiver that rebuilds frames from the RTP packets of one stream (RFC 3550 §5.1), counting
/// what it drops instead of failing.
public protocol RTPDepacketizer {
    var statistics: DepacketizerStatistics { get }

    /// Feeds one packet's payload and header fields; returns a frame when this packet completes
    /// one.
    mutating func push(
        payload: ArraySlice<UInt8>, sequenceNumber: UInt16, timestamp: UInt32, marker: Bool
    ) -> DepacketizedFrame?
}

extension RTPDepacketizer {
    /// Feeds one parsed packet.
    @inlinable
    public mutating func push(_ packet: RTPPacket) -> DepacketizedFrame? {
        push(
            payload: packet.payload, sequenceNumber: packet.header.sequenceNumber,
            timestamp: packet.header.timestamp, marker: packet.header.marker)
    }
}
