/// Writes outgoing RTP packets (RFC 3550 §5.1) of one stream into a single reusable buffer.
///
/// It keeps what stays constant for a stream (SSRC, payload type, an optional header
/// extension block) and the next sequence number, which increments by one per packet and wraps
/// at 65535. The buffer's capacity is reserved once for the largest packet plus
/// ``trailerRoom`` bytes, so writing a packet and letting the caller append an SRTP
/// authentication tag never allocates while the caller does not keep the array.
public struct RTPPacketWriter: Sendable {
    public var ssrc: UInt32
    public var payloadType: UInt8
    /// Sequence number of the next packet written.
    public var sequenceNumber: UInt16
    /// Maximum RTP payload bytes per packet.
    public let payloadBudget: Int
    /// Extension block written into every packet (e.g. a `mid` element), if any.
    public private(set) var headerExtension: RTPHeaderExtension?
    /// The packet being built; its `count` is the packet length.
    @usableFromInline internal var buffer: [UInt8]
    /// Index in ``buffer`` where the payload of the current packet begins.
    @usableFromInline internal var payloadStart: Int

    /// Room kept after the largest packet for an SRTP authentication tag or similar trailer.
    public static let trailerRoom = 16
    /// Room reserved for header extensions beyond a configured block, so a caller can add
    /// per-packet elements without reallocating.
    public static let extensionRoom = 64
    /// Budget used when none is configured: fits a 1280-byte IPv6 minimum MTU path with room for
    /// IP, UDP, TURN and SRTP overhead.
    public static let defaultPayloadBudget = 1200

    public init(
        ssrc: UInt32, payloadType: UInt8, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, minimumBudget: Int = 1,
        headerExtension: RTPHeaderExtension? = nil
    ) {
        self.ssrc = ssrc
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = initialSequenceNumber
        self.payloadBudget = max(payloadBudget, minimumBudget)
        self.payloadStart = RTPHeader.fixedLength
        // An extension longer than the 16-bit word count allows is left out rather than
        // producing a packet whose length field lies.
        if let ext = headerExtension, ext.paddedDataLength / 4 <= Int(UInt16.max) {
            self.headerExtension = ext
        } else {
            self.headerExtension = nil
        }
        let extensionBytes = max(self.headerExtension?.encodedLength ?? 0, Self.extensionRoom)
        buffer = []
        buffer.reserveCapacity(RTPHeader.fixedLength + extensionBytes + self.payloadBudget + Self.trailerRoom)
    }

    /// Bytes of payload written into the current packet so far.
    @inlinable
    public var payloadCount: Int { buffer.count - payloadStart }

    /// Payload bytes still free in the current packet.
    @inlinable
    public var remainingBudget: Int { payloadBudget - payloadCount }

    /// Starts a packet: empties the buffer (keeping its storage) and writes the header with the
    /// marker clear.
    @inlinable
    public mutating func begin(timestamp: UInt32) {
        buffer.removeAll(keepingCapacity: true)
        RTPHeader.writeFixed(
            into: &buffer, marker: false, payloadType: payloadType, sequenceNumber: sequenceNumber,
            timestamp: timestamp, ssrc: ssrc, hasExtension: headerExtension != nil)
        if let ext = headerExtension { RTPHeader.writeExtension(ext, into: &buffer) }
        payloadStart = buffer.count
    }

    @inlinable
    public mutating func append(_ byte: UInt8) { buffer.append(byte) }

    @inlinable
    public mutating func appendU16(_ value: UInt16) {
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends bytes with one copy (the raw buffer exposes contiguous storage).
    @inlinable
    public mutating func append(_ bytes: UnsafeRawBufferPointer) { buffer.append(contentsOf: bytes) }

    /// Sets a payload byte already written, `offset` counted from the payload start.
    @inlinable
    mutating func setPayloadByte(_ value: UInt8, at offset: Int) { buffer[payloadStart + offset] = value }

    /// Removes `count` payload bytes at `offset` (moving the rest down; no allocation).
    @inlinable
    mutating func removePayloadBytes(at offset: Int, count: Int) {
        buffer.removeSubrange(payloadStart + offset..<payloadStart + offset + count)
    }

    /// Completes the packet: sets the marker, hands the buffer to `emit`, advances the sequence
    /// number. `emit` may append up to ``trailerRoom`` bytes and must not keep the array.
    @inlinable
    public mutating func finish(marker: Bool, emit: (inout [UInt8]) -> Void) {
        if marker { buffer[1] |= 0x80 }
        emit(&buffer)
        sequenceNumber &+= 1
    }
}
