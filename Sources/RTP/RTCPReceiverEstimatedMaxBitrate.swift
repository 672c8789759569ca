import WireKit

/// Receiver Estimated Maximum Bitrate, REMB (draft-alvestrand-rmcat-remb-03 §2.2): PSFB
/// FMT 15 whose FCI starts with the ASCII identifier "REMB".
///
/// The bitrate travels as an 18-bit mantissa and a 6-bit exponent; both are stored as read so
/// a packet writes back bit for bit, and ``bitrate`` gives their value.
public struct RTCPReceiverEstimatedMaxBitrate: Equatable, Sendable {
    public var senderSSRC: UInt32
    /// Always 0 by the draft; kept as read.
    public var mediaSSRC: UInt32
    /// 18 bits.
    public var mantissa: UInt32
    /// 6 bits.
    public var exponent: UInt8
    /// The media sources the estimate applies to (at most 255).
    public var ssrcs: [UInt32]

    static let identifier: UInt32 = 0x5245_4D42  // "REMB"
    static let maxMantissa: UInt32 = (1 << 18) - 1

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, mantissa: UInt32, exponent: UInt8, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.mantissa = mantissa
        self.exponent = exponent
        self.ssrcs = ssrcs
    }

    /// Encodes `bitrate` (bits per second) with the smallest exponent whose mantissa fits in
    /// 18 bits, rounding down, as the draft's receivers expect.
    public init(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        var exponent: UInt8 = 0
        while bitrate >> UInt64(exponent) > UInt64(Self.maxMantissa) { exponent += 1 }
        self.init(
            senderSSRC: senderSSRC, mantissa: UInt32(bitrate >> UInt64(exponent)), exponent: exponent, ssrcs: ssrcs)
    }

    /// mantissa × 2^exponent in bits per second, saturating at `UInt64.max` (only the largest
    /// exponents can exceed it).
    public var bitrate: UInt64 {
        let m = UInt64(mantissa)
        guard m != 0 else { return 0 }
        let shift = UInt64(exponent)
        guard shift < 64, m <= UInt64.max >> shift else { return .max }
        return m << shift
    }

    /// Whether an application layer feedback FCI is a REMB one.
    static func matches(_ fci: ArraySlice<UInt8>) -> Bool {
        fci.count >= 4 && fci.readU32(at: fci.startIndex) == identifier
    }

    init(parsing reader: inout RTCPReader, senderSSRC: UInt32, mediaSSRC: UInt32) throws(RTCPError) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        guard try reader.u32(.rembFCI) == Self.identifier else { throw .invalidValue(.rembFCI) }
        let count = Int(try reader.u8(.rembFCI))
        let packed = try reader.u24(.rembFCI)
        exponent = UInt8(packed >> 18)
        mantissa = packed & Self.maxMantissa
        try reader.require(count * 4, .rembFCI)
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(count)
        for _ in 0..<count { ssrcs.append(try reader.u32(.rembFCI)) }
        try reader.expectEnd(.rembFCI)
        self.ssrcs = ssrcs
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        guard ssrcs.count <= 255 else { throw .notEncodable(.rembFCI, value: ssrcs.count, limit: 255) }
        guard mantissa <= Self.maxMantissa else {
            throw .notEncodable(.rembFCI, value: Int(mantissa), limit: Int(Self.maxMantissa))
        }
        guard exponent < 64 else { throw .notEncodable(.rembFCI, value: Int(exponent), limit: 63) }
        let start = try RTCPPacketWriter.begin(
            &writer, count: Int(RTCPPacketType.fmtApplicationLayer), type: RTCPPacketType.payloadSpecificFeedback)
        writer.writeU32(senderSSRC)
        writer.writeU32(mediaSSRC)
        writer.writeU32(Self.identifier)
        writer.writeU8(UInt8(ssrcs.count))
        writer.writeU24(UInt32(exponent) << 18 | mantissa)
        for ssrc in ssrcs { writer.writeU32(ssrc) }
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}
