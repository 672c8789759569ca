import WireKit

/// The packets sent on one stream, kept for retransmission on a NACK (RFC 4585 §6.2.1,
/// RFC 4588 §4), shared by every viewer: they are plaintext (SRTP protection happens per
/// viewer, outside), so the cache's memory does not grow with the number of viewers.
///
/// A ring indexed by sequence number: `capacity` is a power of two that divides 65536, so a
/// sequence number always maps to the same slot and a newer packet overwrites the one
/// `capacity` packets older. Entries older than `maxAge` are not answered (a retransmission
/// that late only stalls the receiver's jitter buffer).
public struct RetransmissionCache: Sendable {
    struct Slot: Sendable {
        var sequenceNumber: UInt16
        var sentAt: Instant
        var packet: [UInt8]
    }

    public let capacity: Int
    public let maxAge: Duration
    private var slots: [Slot?]

    /// `capacity` is rounded up to a power of two between 1 and 32768 (0 disables the cache).
    public init(capacity: Int, maxAge: Duration) {
        var size = 0
        if capacity > 0 {
            size = 1
            while size < min(capacity, 32_768) { size <<= 1 }
        }
        self.capacity = size
        self.maxAge = maxAge
        self.slots = Array(repeating: nil, count: size)
    }

    /// Stores a packet (a complete plaintext RTP packet) sent at `now`.
    public mutating func insert(sequenceNumber: UInt16, packet: [UInt8], now: Instant) {
        guard capacity > 0 else { return }
        slots[Int(sequenceNumber) & (capacity - 1)] = Slot(sequenceNumber: sequenceNumber, sentAt: now, packet: packet)
    }

    /// The packet with this sequence number, if still held and young enough.
    public func packet(sequenceNumber: UInt16, now: Instant) -> [UInt8]? {
        guard capacity > 0, let slot = slots[Int(sequenceNumber) & (capacity - 1)],
            slot.sequenceNumber == sequenceNumber, now - slot.sentAt <= maxAge
        else { return nil }
        return slot.packet
    }

    /// Packets currently held (aged ones included until overwritten).
    public var count: Int { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Bytes of packet data held.
    public var byteCount: Int { slots.reduce(0) { $0 + ($1?.packet.count ?? 0) } }
}
