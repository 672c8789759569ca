/// The first bytes of a NAL unit, or of a payload header that has the same layout. H.264
/// headers are one byte (RFC 6184 §1.3) and use only ``first``; H.265 headers are two bytes
/// (RFC 7798 §1.1.4).
public struct NALUnitHeader: Equatable, Sendable {
    public var first: UInt8
    public var second: UInt8

    @inlinable
    public init(first: UInt8, second: UInt8 = 0) {
        self.first = first
        self.second = second
    }
}

/// What differs between the RTP payload formats of H.264 (RFC 6184 §5, non-interleaved mode)
/// and H.265 (RFC 7798 §4, without DONL): the NAL unit header and the type numbers built on it.
///
/// Both formats carry the same three packet structures: a single NAL unit, an aggregation
/// packet (STAP-A, RFC 6184 §5.7.1; AP, RFC 7798 §4.4.2) holding units each preceded by a
/// 16-bit size, and fragmentation units (FU-A, RFC 6184 §5.8; FU, RFC 7798 §4.4.3) made of a
/// payload header, a 1-byte FU header (S, E, the unit's type) and a piece of the unit. The
/// payload header of the last two is a NAL unit header whose type field holds the packet type.
/// ``NALUnitPacketizer`` and ``NALUnitDepacketizer`` implement those structures once;
/// requirements are static so that both specialize into straight-line code per codec.
public protocol NALUnitPayloadFormat: Sendable {
    /// What an aggregation packet's payload header is derived from, gathered unit by unit.
    associatedtype AggregationSummary: Sendable

    /// RTP clock rate of the video.
    static var clockRate: UInt32 { get }
    /// Bytes in the NAL unit header, and so in the aggregation and fragmentation payload headers.
    static var headerLength: Int { get }
    /// Mask of the type field in the FU header.
    static var fragmentTypeMask: UInt8 { get }
    /// Unit types that a payload header may carry to mean "this payload is one NAL unit".
    static var singleNALUnitTypes: ClosedRange<UInt8> { get }
    static var aggregationPacketType: UInt8 { get }
    static var fragmentationUnitType: UInt8 { get }
    /// Non-VCL unit types that may precede the first slice of an access unit: worth gathering
    /// into one aggregation packet.
    static var aggregatableTypes: ClosedRange<UInt8> { get }

    /// The type field of a header given its first byte.
    static func type(of firstByte: UInt8) -> UInt8
    /// `header` with its type field replaced by `type` and every other field kept.
    static func header(_ header: NALUnitHeader, withType type: UInt8) -> NALUnitHeader

    /// The summary of an aggregation packet holding no unit yet.
    static var emptyAggregation: AggregationSummary { get }
    /// Folds the header of one more aggregated unit into `summary`.
    static func aggregate(_ summary: inout AggregationSummary, header: NALUnitHeader)
    /// The payload header of an aggregation packet with that summary.
    static func aggregationHeader(_ summary: AggregationSummary) -> NALUnitHeader
}

extension NALUnitPayloadFormat {
    /// The header at the start of `bytes`, which holds at least ``headerLength`` bytes.
    @inlinable
    static func header<Bytes: RandomAccessCollection<UInt8>>(at bytes: Bytes) -> NALUnitHeader {
        let first = bytes[bytes.startIndex]
        guard headerLength > 1 else { return NALUnitHeader(first: first) }
        return NALUnitHeader(first: first, second: bytes[bytes.index(after: bytes.startIndex)])
    }
}
