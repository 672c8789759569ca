import WireKit

/// One RTCP packet (RFC 3550 §6.4–6.7, RFC 4585 §6, RFC 5104 §4.3.1,
/// draft-alvestrand-rmcat-remb §2.2, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
///
/// Packet types and feedback formats this module does not interpret (XR, SLI, RPSI, TMMBR,
/// application layer feedback other than REMB, …) are kept as ``unknown(type:count:payload:)``
/// so one of them does not spoil the rest of a compound packet.
public enum RTCPPacket: Equatable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case bye(RTCPGoodbye)
    case app(RTCPApplicationDefined)
    case nack(RTCPGenericNACK)
    case pli(RTCPPictureLossIndication)
    case fir(RTCPFullIntraRequest)
    case remb(RTCPReceiverEstimatedMaxBitrate)
    case transportWideFeedback(RTCPTransportWideFeedback)
    /// A packet kept uninterpreted: its packet type, the header's 5-bit count/FMT field and
    /// everything after the 4-byte header (padding removed).
    case unknown(type: UInt8, count: UInt8, payload: [UInt8])

    /// Parses exactly one packet: `bytes` must hold it and nothing more.
    public init(parsing bytes: ArraySlice<UInt8>) throws(RTCPError) {
        var packets: [RTCPPacket] = []
        let end = try RTCPCompound.parsePacket(bytes, at: bytes.startIndex, into: &packets)
        guard end == bytes.endIndex else { throw .unexpectedBytes(.packetLength, count: bytes.endIndex - end) }
        self = packets[0]
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        try self.init(parsing: bytes[...])
    }

    /// Interprets the content of a packet whose common header said `type` and `count`.
    init(type: UInt8, count: UInt8, content: ArraySlice<UInt8>) throws(RTCPError) {
        var reader = RTCPReader(content)
        switch type {
        case RTCPPacketType.senderReport:
            self = .senderReport(try RTCPSenderReport(parsing: &reader, count: count))
        case RTCPPacketType.receiverReport:
            self = .receiverReport(try RTCPReceiverReport(parsing: &reader, count: count))
        case RTCPPacketType.sourceDescription:
            self = .sourceDescription(try RTCPSourceDescription(parsing: &reader, count: count))
        case RTCPPacketType.bye:
            self = .bye(try RTCPGoodbye(parsing: &reader, count: count))
        case RTCPPacketType.app:
            self = .app(try RTCPApplicationDefined(parsing: &reader, count: count))
        case RTCPPacketType.transportLayerFeedback, RTCPPacketType.payloadSpecificFeedback:
            self = try Self.feedback(type: type, format: count, reader: &reader, content: content)
        default:
            self = .unknown(type: type, count: count, payload: Array(content))
        }
    }

    /// RTPFB and PSFB messages (RFC 4585 §6.1): two SSRCs, then format-specific FCI.
    private static func feedback(
        type: UInt8, format: UInt8, reader: inout RTCPReader, content: ArraySlice<UInt8>
    ) throws(RTCPError) -> RTCPPacket {
        let unknown = RTCPPacket.unknown(type: type, count: format, payload: Array(content))
        let known: Bool
        switch (type, format) {
        case (RTCPPacketType.transportLayerFeedback, RTCPPacketType.fmtGenericNACK),
            (RTCPPacketType.transportLayerFeedback, RTCPPacketType.fmtTransportWideCC),
            (RTCPPacketType.payloadSpecificFeedback, RTCPPacketType.fmtPictureLoss),
            (RTCPPacketType.payloadSpecificFeedback, RTCPPacketType.fmtFullIntraRequest):
            known = true
        case (RTCPPacketType.payloadSpecificFeedback, RTCPPacketType.fmtApplicationLayer):
            known = RTCPReceiverEstimatedMaxBitrate.matches(content.dropFirst(8))
        default:
            known = false
        }
        guard known else { return unknown }
        let sender = try reader.u32(.feedbackHeader)
        let media = try reader.u32(.feedbackHeader)
        switch (type, format) {
        case (RTCPPacketType.transportLayerFeedback, RTCPPacketType.fmtGenericNACK):
            return .nack(try RTCPGenericNACK(parsing: &reader, senderSSRC: sender, mediaSSRC: media))
        case (RTCPPacketType.transportLayerFeedback, _):
            return .transportWideFeedback(
                try RTCPTransportWideFeedback(parsing: &reader, senderSSRC: sender, mediaSSRC: media))
        case (_, RTCPPacketType.fmtPictureLoss):
            try reader.expectEnd(.pliFCI)
            return .pli(RTCPPictureLossIndication(senderSSRC: sender, mediaSSRC: media))
        case (_, RTCPPacketType.fmtFullIntraRequest):
            return .fir(try RTCPFullIntraRequest(parsing: &reader, senderSSRC: sender, mediaSSRC: media))
        default:
            return .remb(try RTCPReceiverEstimatedMaxBitrate(parsing: &reader, senderSSRC: sender, mediaSSRC: media))
        }
    }

    /// Appends this packet, header and length included.
    public func serialize(into writer: inout ByteWriter) throws(RTCPError) {
        switch self {
        case .senderReport(let p): try p.write(to: &writer)
        case .receiverReport(let p): try p.write(to: &writer)
        case .sourceDescription(let p): try p.write(to: &writer)
        case .bye(let p): try p.write(to: &writer)
        case .app(let p): try p.write(to: &writer)
        case .nack(let p): try p.write(to: &writer)
        case .pli(let p): try p.write(to: &writer)
        case .fir(let p): try p.write(to: &writer)
        case .remb(let p): try p.write(to: &writer)
        case .transportWideFeedback(let p): try p.write(to: &writer)
        case .unknown(let type, let count, let payload):
            let start = try RTCPPacketWriter.begin(&writer, count: Int(count), type: type)
            writer.writeBytes(payload)
            try RTCPPacketWriter.finish(&writer, start: start)
        }
    }

    /// This packet on its own.
    public func serialized() throws(RTCPError) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        try serialize(into: &writer)
        return writer.take()
    }
}
