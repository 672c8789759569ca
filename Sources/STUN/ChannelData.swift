import WireKit

/// A TURN ChannelData message (RFC 8656 §12.4): a 2-byte channel number (0x4000–0x4FFF), a
/// 2-byte length and the application data, sent instead of a Send/Data indication once a
/// channel is bound. Over TCP and TLS the message is padded to a multiple of 4 bytes
/// (§12.5); over UDP padding is optional, so the decoder accepts both.
public struct ChannelData: Hashable, Sendable {
    public var channelNumber: UInt16
    public var data: [UInt8]

    /// RFC 8656 §12: the channel numbers a client may bind.
    public static let validChannelNumbers: ClosedRange<UInt16> = 0x4000...0x4FFF

    public init(channelNumber: UInt16, data: [UInt8]) {
        self.channelNumber = channelNumber
        self.data = data
    }

    public init(decoding bytes: [UInt8]) throws(STUNError) { try self.init(decoding: bytes[...]) }

    public init(decoding bytes: ArraySlice<UInt8>) throws(STUNError) {
        let (channel, payload) = try ChannelData.parse(bytes)
        self.init(channelNumber: channel, data: Array(payload))
    }

    /// The channel number and a view of the data without copying it: the hot path for relayed
    /// media. The message must be exactly the header, the data and at most 3 padding bytes.
    public static func parse(
        _ bytes: ArraySlice<UInt8>
    ) throws(STUNError) -> (channelNumber: UInt16, data: ArraySlice<UInt8>) {
        guard bytes.count >= 4 else { throw .channelDataTruncatedHeader(available: bytes.count) }
        let start = bytes.startIndex
        let channel = bytes.readU16(at: start)
        guard validChannelNumbers.contains(channel) else { throw .invalidChannelNumber(channel) }
        let length = Int(bytes.readU16(at: start + 2))
        let available = bytes.count - 4
        guard available >= length, available <= (length + 3) & ~3 else {
            throw .channelDataLengthMismatch(declared: length, available: available)
        }
        return (channel, bytes[(start + 4)..<(start + 4 + length)])
    }

    /// A quick demultiplexing check: a valid channel number and a length that fits the
    /// datagram with or without padding.
    public static func looksLike(_ bytes: some RandomAccessCollection<UInt8>) -> Bool {
        guard bytes.count >= 4 else { return false }
        let i = bytes.startIndex
        let channel = UInt16(bytes[i]) << 8 | UInt16(bytes[bytes.index(i, offsetBy: 1)])
        let length = Int(bytes[bytes.index(i, offsetBy: 2)]) << 8 | Int(bytes[bytes.index(i, offsetBy: 3)])
        let available = bytes.count - 4
        return validChannelNumbers.contains(channel) && available >= length && available <= (length + 3) & ~3
    }

    /// Encodes the message; `padded` pads to 4 bytes with zeros, required on TCP/TLS.
    public func encode(padded: Bool = false) throws(STUNError) -> [UInt8] {
        var w = ByteWriter(capacity: 4 + data.count + 3)
        try encode(into: &w, padded: padded)
        return w.take()
    }

    /// Appends the message to `w` (reuse one writer per socket to avoid allocating).
    public func encode(into w: inout ByteWriter, padded: Bool = false) throws(STUNError) {
        try ChannelData.encode(channelNumber: channelNumber, data: data, into: &w, padded: padded)
    }

    /// Frames `data` without building a ``ChannelData`` value first.
    public static func encode(
        channelNumber: UInt16, data: some Collection<UInt8>, into w: inout ByteWriter, padded: Bool = false
    ) throws(STUNError) {
        guard validChannelNumbers.contains(channelNumber) else { throw .invalidChannelNumber(channelNumber) }
        guard data.count <= Int(UInt16.max) else {
            throw .valueTooLong(type: STUNAttributeType.data.rawValue, length: data.count)
        }
        w.writeU16(channelNumber)
        w.writeU16(UInt16(data.count))
        w.writeBytes(data)
        if padded { w.writeZeros((4 - data.count % 4) % 4) }
    }
}
