import WireKit

/// A parsed RTP packet (RFC 3550 §5.1): the header and a view of the payload that shares the
/// storage of the datagram it was parsed from (no copy).
public struct RTPPacket: Equatable, Sendable {
    public var header: RTPHeader
    /// Payload bytes, padding excluded.
    public var payload: ArraySlice<UInt8>
    /// Padding bytes after the payload, the count byte included; 0 means the P bit is clear.
    public var paddingLength: UInt8

    public init(header: RTPHeader, payload: ArraySlice<UInt8>, paddingLength: UInt8 = 0) {
        self.header = header
        self.payload = payload
        self.paddingLength = paddingLength
    }

    public init(header: RTPHeader, payload: [UInt8], paddingLength: UInt8 = 0) {
        self.init(header: header, payload: payload[...], paddingLength: paddingLength)
    }

    /// Parses a datagram. The payload and extension data are slices of `bytes`.
    public init(parsing bytes: ArraySlice<UInt8>) throws(RTPError) {
        var reader = ByteReader(bytes)
        let (header, hasPadding) = try RTPHeader.read(from: &reader)
        var payload = reader.readRest()
        var paddingLength: UInt8 = 0
        if hasPadding {
            // RFC 3550 §5.1: the last octet counts the padding, itself included.
            guard let count = payload.last, count > 0, Int(count) <= payload.count else {
                throw .invalidPadding(count: payload.last ?? 0, available: payload.count)
            }
            paddingLength = count
            payload = payload.dropLast(Int(count))
        }
        self.init(header: header, payload: payload, paddingLength: paddingLength)
    }

    public init(parsing bytes: [UInt8]) throws(RTPError) {
        try self.init(parsing: bytes[...])
    }

    /// Bytes this packet takes on the wire.
    public var encodedLength: Int { header.encodedLength + payload.count + Int(paddingLength) }

    /// Appends the packet to `buffer`; padding is written as zeros followed by the count.
    public func write(into buffer: inout [UInt8]) throws(RTPError) {
        try header.write(into: &buffer, hasPadding: paddingLength > 0)
        buffer.append(contentsOf: payload)
        if paddingLength > 0 {
            for _ in 1..<paddingLength { buffer.append(0) }
            buffer.append(paddingLength)
        }
    }

    /// The packet as a new array.
    public func serialized() throws(RTPError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength)
        try write(into: &out)
        return out
    }
}
