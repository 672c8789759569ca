/// Packetizes VP8 frames for RTP (RFC 7741 §4).
///
/// Each packet starts with the payload descriptor (§4.2): S set on the first packet of the
/// frame, partition index 0. Without a picture ID the descriptor is one byte; with one, X and
/// I are set and the 15-bit picture ID (M bit set) follows, incremented per frame. The frame
/// is split by the payload budget and the marker bit is set on its last packet (§4.1). The
/// caller passes the 90 kHz RTP timestamp of each frame.
public struct VP8Packetizer: RTPPacketizer, Sendable {
    public var writer: RTPPacketWriter
    /// Picture ID of the next frame (15 bits), or nil when no picture ID is sent.
    public var pictureID: UInt16?

    /// RTP clock rate of VP8 (RFC 7741 §6.1).
    public static let clockRate: UInt32 = 90_000
    /// Largest descriptor (4 bytes with a picture ID) plus one byte of frame data.
    public static let minimumBudget = 5

    public init(
        ssrc: UInt32, payloadType: UInt8 = 96, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, pictureID: UInt16? = nil,
        headerExtension: RTPHeaderExtension? = nil
    ) {
        writer = RTPPacketWriter(
            ssrc: ssrc, payloadType: payloadType, initialSequenceNumber: initialSequenceNumber,
            payloadBudget: payloadBudget, minimumBudget: Self.minimumBudget, headerExtension: headerExtension)
        self.pictureID = pictureID.map { $0 & 0x7FFF }
    }

    /// Packetizes one encoded VP8 frame.
    @inlinable
    public mutating func packetize(
        frame: UnsafeRawBufferPointer, rtpTimestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        guard !frame.isEmpty else { return }
        let descriptorLength = pictureID == nil ? 1 : 4
        let chunk = writer.payloadBudget - descriptorLength
        var offset = 0
        while offset < frame.count {
            let n = min(chunk, frame.count - offset)
            let isEnd = offset + n == frame.count
            writer.begin(timestamp: rtpTimestamp)
            if let id = pictureID {
                writer.append(offset == 0 ? 0x90 : 0x80)
                writer.append(0x80)
                writer.append(0x80 | UInt8(truncatingIfNeeded: id >> 8))
                writer.append(UInt8(truncatingIfNeeded: id))
            } else {
                writer.append(offset == 0 ? 0x10 : 0x00)
            }
            writer.append(UnsafeRawBufferPointer(rebasing: frame[offset..<offset + n]))
            writer.finish(marker: isEnd, emit: emit)
            offset += n
        }
        if let id = pictureID { pictureID = (id &+ 1) & 0x7FFF }
    }

    public mutating func packetize(frame: [UInt8], rtpTimestamp: UInt32, emit: (inout [UInt8]) -> Void) {
        frame.withUnsafeBytes { packetize(frame: $0, rtpTimestamp: rtpTimestamp, emit: emit) }
    }

    /// The packets of one frame as separate arrays (for tests and tools).
    public mutating func packets(frame: [UInt8], rtpTimestamp: UInt32) -> [[UInt8]] {
        var out: [[UInt8]] = []
        packetize(frame: frame, rtpTimestamp: rtpTimestamp) { out.append($0) }
        return out
    }
}
