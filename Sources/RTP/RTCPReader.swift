import WireKit

/// A ``ByteReader`` over one RTCP packet's content whose reads fail with ``RTCPError`` naming
/// the field being read, so callers never have to translate ``WireError``s.
struct RTCPReader {
    private var reader: ByteReader

    init(_ bytes: ArraySlice<UInt8>) { reader = ByteReader(bytes) }

    var remaining: Int { reader.remaining }
    var consumed: Int { reader.consumed }
    var isAtEnd: Bool { reader.isAtEnd }

    func require(_ count: Int, _ field: RTCPField) throws(RTCPError) {
        guard count >= 0, count <= reader.remaining else {
            throw .truncated(field, needed: count, available: reader.remaining)
        }
    }

    // Each read checks first, so the ByteReader calls below cannot fail; `try?` only
    // satisfies the type checker.
    mutating func u8(_ field: RTCPField) throws(RTCPError) -> UInt8 {
        try require(1, field)
        return (try? reader.readU8()) ?? 0
    }

    mutating func u16(_ field: RTCPField) throws(RTCPError) -> UInt16 {
        try require(2, field)
        return (try? reader.readU16()) ?? 0
    }

    mutating func u24(_ field: RTCPField) throws(RTCPError) -> UInt32 {
        try require(3, field)
        return (try? reader.readU24()) ?? 0
    }

    mutating func u32(_ field: RTCPField) throws(RTCPError) -> UInt32 {
        try require(4, field)
        return (try? reader.readU32()) ?? 0
    }

    mutating func u64(_ field: RTCPField) throws(RTCPError) -> UInt64 {
        try require(8, field)
        return (try? reader.readU64()) ?? 0
    }

    mutating func bytes(_ count: Int, _ field: RTCPField) throws(RTCPError) -> ArraySlice<UInt8> {
        try require(count, field)
        return (try? reader.readBytes(count)) ?? []
    }

    mutating func skip(_ count: Int, _ field: RTCPField) throws(RTCPError) {
        try require(count, field)
        try? reader.skip(count)
    }

    mutating func rest() -> ArraySlice<UInt8> { reader.readRest() }

    /// Throws unless every byte was read.
    func expectEnd(_ field: RTCPField) throws(RTCPError) {
        guard reader.isAtEnd else { throw .unexpectedBytes(field, count: reader.remaining) }
    }
}
