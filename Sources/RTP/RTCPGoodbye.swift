import WireKit

/// A goodbye packet, BYE (RFC 3550 §6.6).
public struct RTCPGoodbye: Equatable, Sendable {
    /// At most 31 SSRC/CSRC identifiers that are leaving.
    public var sources: [UInt32]
    /// Optional reason for leaving, at most 255 octets of UTF-8 text, kept as bytes.
    public var reason: [UInt8]?

    public init(sources: [UInt32], reason: [UInt8]? = nil) {
        self.sources = sources
        self.reason = reason
    }

    public init(sources: [UInt32], reasonText: String) {
        self.init(sources: sources, reason: Array(reasonText.utf8))
    }

    /// The reason as text, invalid UTF-8 replaced.
    public var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }

    init(parsing reader: inout RTCPReader, count: UInt8) throws(RTCPError) {
        try reader.require(Int(count) * 4, .byeSources)
        var sources: [UInt32] = []
        sources.reserveCapacity(Int(count))
        for _ in 0..<count { sources.append(try reader.u32(.byeSources)) }
        self.sources = sources
        if reader.isAtEnd {
            reason = nil
        } else {
            let length = try reader.u8(.byeReason)
            reason = Array(try reader.bytes(Int(length), .byeReason))
            // What follows is padding to the next 32-bit boundary; its content does not matter.
            _ = reader.rest()
        }
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(&writer, count: sources.count, type: RTCPPacketType.bye)
        for source in sources { writer.writeU32(source) }
        if let reason {
            guard reason.count <= 255 else { throw .notEncodable(.byeReason, value: reason.count, limit: 255) }
            writer.writeU8(UInt8(reason.count))
            writer.writeBytes(reason)
            RTCPPacketWriter.padWithZeros(&writer, start: start)
        }
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}

/// An application-defined packet, APP (RFC 3550 §6.7), kept with its data uninterpreted.
public struct RTCPApplicationDefined: Equatable, Sendable {
    /// The 5-bit subtype carried in the header's count field.
    public var subtype: UInt8
    public var ssrc: UInt32
    /// Four ASCII characters, big-endian.
    public var name: UInt32
    /// Application-dependent data (a multiple of 32 bits on the wire).
    public var data: [UInt8]

    public init(subtype: UInt8, ssrc: UInt32, name: UInt32, data: [UInt8] = []) {
        self.subtype = subtype
        self.ssrc = ssrc
        self.name = name
        self.data = data
    }

    /// The name as four characters.
    public var nameText: String {
        String(decoding: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: name >> $0) }, as: UTF8.self)
    }

    init(parsing reader: inout RTCPReader, count: UInt8) throws(RTCPError) {
        subtype = count
        ssrc = try reader.u32(.appHeader)
        name = try reader.u32(.appHeader)
        data = Array(reader.rest())
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(&writer, count: Int(subtype), type: RTCPPacketType.app)
        writer.writeU32(ssrc)
        writer.writeU32(name)
        writer.writeBytes(data)
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}
