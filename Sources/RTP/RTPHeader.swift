import WireKit

/// The fixed RTP header, its contributing sources and its optional extension block
/// (RFC 3550 §5.1, §5.3.1). The version is always 2; the padding bit is carried by
/// ``RTPPacket/paddingLength``.
public struct RTPHeader: Equatable, Sendable {
    public var marker: Bool
    /// 7-bit payload type.
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Contributing sources, at most 15.
    public var csrcs: [UInt32]
    public var headerExtension: RTPHeaderExtension?

    /// Length of the fixed header.
    public static let fixedLength = 12

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32,
        ssrc: UInt32, csrcs: [UInt32] = [], headerExtension: RTPHeaderExtension? = nil
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
    }

    /// Bytes this header takes on the wire.
    public var encodedLength: Int {
        Self.fixedLength + 4 * csrcs.count + (headerExtension?.encodedLength ?? 0)
    }

    /// Appends the fixed 12-byte header to `buffer` (no CSRCs). The hot path of the packetizers:
    /// with capacity reserved it never allocates.
    @inlinable
    public static func writeFixed(
        into buffer: inout [UInt8], marker: Bool, payloadType: UInt8, sequenceNumber: UInt16,
        timestamp: UInt32, ssrc: UInt32, hasExtension: Bool = false, hasPadding: Bool = false,
        csrcCount: Int = 0
    ) {
        let first: UInt8 =
            0x80 | (hasPadding ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | UInt8(truncatingIfNeeded: csrcCount & 0x0F)
        buffer.append(first)
        buffer.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        buffer.append(UInt8(truncatingIfNeeded: sequenceNumber >> 8))
        buffer.append(UInt8(truncatingIfNeeded: sequenceNumber))
        buffer.append(UInt8(truncatingIfNeeded: timestamp >> 24))
        buffer.append(UInt8(truncatingIfNeeded: timestamp >> 16))
        buffer.append(UInt8(truncatingIfNeeded: timestamp >> 8))
        buffer.append(UInt8(truncatingIfNeeded: timestamp))
        buffer.append(UInt8(truncatingIfNeeded: ssrc >> 24))
        buffer.append(UInt8(truncatingIfNeeded: ssrc >> 16))
        buffer.append(UInt8(truncatingIfNeeded: ssrc >> 8))
        buffer.append(UInt8(truncatingIfNeeded: ssrc))
    }

    /// Appends an extension block (its 4-byte header, the data, zero padding to a word).
    public static func writeExtension(_ ext: RTPHeaderExtension, into buffer: inout [UInt8]) {
        let words = ext.paddedDataLength / 4
        buffer.append(UInt8(truncatingIfNeeded: ext.profile >> 8))
        buffer.append(UInt8(truncatingIfNeeded: ext.profile))
        buffer.append(UInt8(truncatingIfNeeded: words >> 8))
        buffer.append(UInt8(truncatingIfNeeded: words))
        buffer.append(contentsOf: ext.data)
        for _ in ext.data.count..<ext.paddedDataLength { buffer.append(0) }
    }

    /// Appends the whole header. Throws if it cannot be expressed on the wire (more than 15
    /// CSRCs, an extension longer than 65535 words).
    public func write(into buffer: inout [UInt8], hasPadding: Bool = false) throws(RTPError) {
        guard csrcs.count <= 15 else { throw .tooManyCSRCs(csrcs.count) }
        if let ext = headerExtension, ext.paddedDataLength / 4 > Int(UInt16.max) {
            throw .extensionTooLong(ext.data.count)
        }
        Self.writeFixed(
            into: &buffer, marker: marker, payloadType: payloadType, sequenceNumber: sequenceNumber,
            timestamp: timestamp, ssrc: ssrc, hasExtension: headerExtension != nil,
            hasPadding: hasPadding, csrcCount: csrcs.count)
        for csrc in csrcs {
            buffer.append(UInt8(truncatingIfNeeded: csrc >> 24))
            buffer.append(UInt8(truncatingIfNeeded: csrc >> 16))
            buffer.append(UInt8(truncatingIfNeeded: csrc >> 8))
            buffer.append(UInt8(truncatingIfNeeded: csrc))
        }
        if let ext = headerExtension { Self.writeExtension(ext, into: &buffer) }
    }

    /// Reads a header; returns it with the padding flag. The reader ends at the payload.
    static func read(from reader: inout ByteReader) throws(RTPError) -> (RTPHeader, hasPadding: Bool) {
        let first = try reader.rtpU8()
        let version = first >> 6
        guard version == 2 else { throw .unsupportedVersion(version) }
        let second = try reader.rtpU8()
        var header = RTPHeader(
            marker: second & 0x80 != 0, payloadType: second & 0x7F,
            sequenceNumber: try reader.rtpU16(), timestamp: try reader.rtpU32(),
            ssrc: try reader.rtpU32())
        let csrcCount = Int(first & 0x0F)
        if csrcCount > 0 {
            guard reader.remaining >= 4 * csrcCount else {
                throw .truncated(needed: 4 * csrcCount, available: reader.remaining)
            }
            header.csrcs.reserveCapacity(csrcCount)
            for _ in 0..<csrcCount { header.csrcs.append(try reader.rtpU32()) }
        }
        if first & 0x10 != 0 {
            let profile = try reader.rtpU16()
            let words = Int(try reader.rtpU16())
            header.headerExtension = RTPHeaderExtension(profile: profile, data: try reader.rtpBytes(4 * words))
        }
        return (header, first & 0x20 != 0)
    }
}

/// ByteReader reads with their errors mapped into ``RTPError``.
extension ByteReader {
    mutating func rtpU8() throws(RTPError) -> UInt8 {
        do { return try readU8() } catch { throw RTPError(error) }
    }

    mutating func rtpU16() throws(RTPError) -> UInt16 {
        do { return try readU16() } catch { throw RTPError(error) }
    }

    mutating func rtpU32() throws(RTPError) -> UInt32 {
        do { return try readU32() } catch { throw RTPError(error) }
    }

    mutating func rtpBytes(_ count: Int) throws(RTPError) -> ArraySlice<UInt8> {
        do { return try readBytes(count) } catch { throw RTPError(error) }
    }
}
