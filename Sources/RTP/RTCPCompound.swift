import WireKit

/// Compound RTCP packets (RFC 3550 §6.1 and Appendix A.2) and reduced-size RTCP (RFC 5506 §3):
/// the packets of one datagram, walked by their length fields.
///
/// No packet type is required first, so a datagram holding only a feedback message (which
/// WebRTC peers send once `a=rtcp-rsize` is negotiated) parses as well as a full compound.
///
/// Padding: RFC 3550 puts the P bit on the last packet only, but libwebrtc pads each
/// transport-wide feedback message it writes and may pack several into one datagram, so a
/// P bit is honoured on any packet whose padding count fits inside that packet.
public enum RTCPCompound {
    /// The packets parsed before a malformed one, and why that one failed.
    public struct PartialParse: Equatable, Sendable {
        public var packets: [RTCPPacket]
        /// Nil when the whole datagram parsed.
        public var error: RTCPError?
    }

    /// Every packet of `datagram`; any malformed packet fails the whole datagram.
    public static func parse(_ datagram: ArraySlice<UInt8>) throws(RTCPError) -> [RTCPPacket] {
        let result = parseLeniently(datagram)
        if let error = result.error { throw error }
        return result.packets
    }

    public static func parse(_ datagram: [UInt8]) throws(RTCPError) -> [RTCPPacket] {
        try parse(datagram[...])
    }

    /// The packets before the first malformed one (a receiver still acts on a report or
    /// a NACK that precedes damage), with the error that stopped the walk.
    public static func parseLeniently(_ datagram: ArraySlice<UInt8>) -> PartialParse {
        var packets: [RTCPPacket] = []
        guard !datagram.isEmpty else {
            return PartialParse(packets: [], error: .truncatedHeader(available: 0))
        }
        var offset = datagram.startIndex
        while offset < datagram.endIndex {
            do {
                offset = try parsePacket(datagram, at: offset, into: &packets)
            } catch {
                return PartialParse(packets: packets, error: error)
            }
        }
        return PartialParse(packets: packets, error: nil)
    }

    public static func parseLeniently(_ datagram: [UInt8]) -> PartialParse {
        parseLeniently(datagram[...])
    }

    /// Parses the packet starting at `offset`, appends it and returns where the next one starts.
    static func parsePacket(
        _ datagram: ArraySlice<UInt8>, at offset: Int, into packets: inout [RTCPPacket]
    ) throws(RTCPError) -> Int {
        let available = datagram.endIndex - offset
        guard available >= 4 else { throw .truncatedHeader(available: available) }
        let first = datagram[offset]
        let version = first >> 6
        guard version == 2 else { throw .unsupportedVersion(version) }
        let length = (Int(datagram.readU16(at: offset + 2)) + 1) * 4
        guard length <= available else { throw .lengthExceedsDatagram(declared: length, available: available) }
        let end = offset + length
        var contentEnd = end
        if first & 0x20 != 0 {
            let padding = Int(datagram[end - 1])
            guard padding > 0, padding <= length - 4 else {
                throw .invalidPadding(count: padding, packetLength: length)
            }
            contentEnd -= padding
        }
        let content = datagram[offset + 4..<contentEnd]
        packets.append(try RTCPPacket(type: datagram[offset + 1], count: first & 0x1F, content: content))
        return end
    }

    /// `packets` one after another in one datagram (e.g. SR + SDES, or RR + REMB).
    public static func serialize(_ packets: [RTCPPacket]) throws(RTCPError) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        try serialize(packets, into: &writer)
        return writer.take()
    }

    /// Appends `packets` to `writer`; on failure the writer is left as it was.
    public static func serialize(_ packets: [RTCPPacket], into writer: inout ByteWriter) throws(RTCPError) {
        let start = writer.count
        do {
            for packet in packets { try packet.serialize(into: &writer) }
        } catch {
            writer.bytes.removeSubrange(start...)
            throw error
        }
    }
}
