import WireKit

/// RTCP packet type numbers (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2.1) and the
/// feedback message types this module understands (RFC 4585 §6.2–6.3, RFC 5104 §4.3,
/// draft-alvestrand-rmcat-remb §2.2, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let bye: UInt8 = 203
    public static let app: UInt8 = 204
    /// Transport layer feedback (RTPFB).
    public static let transportLayerFeedback: UInt8 = 205
    /// Payload-specific feedback (PSFB).
    public static let payloadSpecificFeedback: UInt8 = 206
    /// Extended reports (RFC 3611); kept as ``RTCPPacket/unknown(type:count:payload:)``.
    public static let extendedReport: UInt8 = 207

    /// RTPFB FMT 1: generic NACK.
    public static let fmtGenericNACK: UInt8 = 1
    /// RTPFB FMT 15: transport-wide congestion control feedback.
    public static let fmtTransportWideCC: UInt8 = 15
    /// PSFB FMT 1: picture loss indication.
    public static let fmtPictureLoss: UInt8 = 1
    /// PSFB FMT 4: full intra request.
    public static let fmtFullIntraRequest: UInt8 = 4
    /// PSFB FMT 15: application layer feedback (REMB travels here).
    public static let fmtApplicationLayer: UInt8 = 15
}

/// Writes the common header and length of one packet (RFC 3550 §6.4.1).
enum RTCPPacketWriter {
    /// Writes a header whose length is filled in by ``finish(_:start:)``; returns where the packet starts.
    static func begin(_ writer: inout ByteWriter, count: Int, type: UInt8) throws(RTCPError) -> Int {
        guard count >= 0, count <= 31 else { throw .notEncodable(.count, value: count, limit: 31) }
        let start = writer.count
        writer.writeU8(0x80 | UInt8(count))
        writer.writeU8(type)
        writer.writeU16(0)
        return start
    }

    /// Fills in the length. Structured packets pad themselves with zeros; raw content that is
    /// not a multiple of 32 bits (APP data, unknown payloads, SR/RR extensions taken from a
    /// padded packet) gets RFC 3550 padding instead, so it parses back to the same bytes.
    static func finish(_ writer: inout ByteWriter, start: Int) throws(RTCPError) {
        let unaligned = (writer.count - start) % 4
        if unaligned != 0 {
            let padding = 4 - unaligned
            writer.writeZeros(padding - 1)
            writer.writeU8(UInt8(padding))
            writer.setU8(writer.bytes[start] | 0x20, at: start)
        }
        let length = writer.count - start
        let words = length / 4 - 1
        guard words <= 0xFFFF else { throw .notEncodable(.packetLength, value: length, limit: 0x40000) }
        writer.setU16(UInt16(words), at: start + 2)
    }

    /// Zero bytes up to the next 32-bit boundary of the packet that began at `start`.
    static func padWithZeros(_ writer: inout ByteWriter, start: Int) {
        writer.writeZeros((4 - (writer.count - start) % 4) % 4)
    }
}
