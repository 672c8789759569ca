import WireKit

/// A sender report, SR (RFC 3550 §6.4.1).
public struct RTCPSenderReport: Equatable, Sendable {
    /// SSRC of the sender.
    public var ssrc: UInt32
    /// Wall-clock time when this report was sent.
    public var ntpTimestamp: NTPTimestamp
    /// The same instant in the sender's RTP timestamp units.
    public var rtpTimestamp: UInt32
    /// RTP data packets sent since the start of transmission.
    public var packetCount: UInt32
    /// RTP payload octets sent since the start of transmission.
    public var octetCount: UInt32
    /// At most 31 reception report blocks.
    public var reportBlocks: [RTCPReportBlock]
    /// Profile-specific extension (RFC 3550 §6.4.1), kept as raw bytes.
    public var profileExtension: [UInt8]

    public init(
        ssrc: UInt32, ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = [], profileExtension: [UInt8] = []
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
        self.profileExtension = profileExtension
    }

    init(parsing reader: inout RTCPReader, count: UInt8) throws(RTCPError) {
        try reader.require(24, .senderInfo)
        ssrc = try reader.u32(.senderInfo)
        ntpTimestamp = NTPTimestamp(rawValue: try reader.u64(.senderInfo))
        rtpTimestamp = try reader.u32(.senderInfo)
        packetCount = try reader.u32(.senderInfo)
        octetCount = try reader.u32(.senderInfo)
        reportBlocks = try RTCPReceiverReport.parseBlocks(&reader, count: count)
        profileExtension = Array(reader.rest())
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(&writer, count: reportBlocks.count, type: RTCPPacketType.senderReport)
        writer.writeU32(ssrc)
        writer.writeU64(ntpTimestamp.rawValue)
        writer.writeU32(rtpTimestamp)
        writer.writeU32(packetCount)
        writer.writeU32(octetCount)
        for block in reportBlocks { block.write(to: &writer) }
        writer.writeBytes(profileExtension)
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}

/// A receiver report, RR (RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Equatable, Sendable {
    /// SSRC of the packet's sender.
    public var ssrc: UInt32
    /// At most 31 reception report blocks (an empty RR is the usual first packet of a
    /// compound sent by a receiver with nothing to report).
    public var reportBlocks: [RTCPReportBlock]
    /// Profile-specific extension (RFC 3550 §6.4.2), kept as raw bytes.
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, reportBlocks: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
        self.profileExtension = profileExtension
    }

    init(parsing reader: inout RTCPReader, count: UInt8) throws(RTCPError) {
        ssrc = try reader.u32(.senderInfo)
        reportBlocks = try Self.parseBlocks(&reader, count: count)
        profileExtension = Array(reader.rest())
    }

    static func parseBlocks(_ reader: inout RTCPReader, count: UInt8) throws(RTCPError) -> [RTCPReportBlock] {
        try reader.require(Int(count) * RTCPReportBlock.size, .reportBlock)
        var blocks: [RTCPReportBlock] = []
        blocks.reserveCapacity(Int(count))
        for _ in 0..<count { blocks.append(try RTCPReportBlock(parsing: &reader)) }
        return blocks
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(&writer, count: reportBlocks.count, type: RTCPPacketType.receiverReport)
        writer.writeU32(ssrc)
        for block in reportBlocks { block.write(to: &writer) }
        writer.writeBytes(profileExtension)
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}
