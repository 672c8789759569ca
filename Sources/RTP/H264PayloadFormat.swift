/// Packetizes H.264 access units for RTP (RFC 6184, packetization-mode 1, non-interleaved):
/// single NAL unit packets (§5.6), STAP-A (§5.7.1) for the non-VCL units ahead of a slice, FU-A
/// (§5.8) for units over the budget, the marker bit on the last packet of the access unit (§5.1).
public typealias H264Packetizer = NALUnitPacketizer<H264PayloadFormat>

/// Rebuilds H.264 access units from RTP packets (RFC 6184, packetization-mode 1): single NAL
/// unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8). The interleaved-mode types (STAP-B,
/// MTAP, FU-B) are counted as malformed.
public typealias H264Depacketizer = NALUnitDepacketizer<H264PayloadFormat>

/// The H.264 NAL unit header rules of RFC 6184: a 1-byte header F|NRI|Type (§5.3), STAP-A
/// type 24 (§5.7.1), FU-A type 28 (§5.8).
public enum H264PayloadFormat: NALUnitPayloadFormat {
    /// F bits OR-ed and the highest NRI of the aggregated units (§5.7.1: the STAP-A header's
    /// F is set if any unit's is, and its NRI is the maximum).
    public struct AggregationSummary: Sendable {
        @usableFromInline var forbidden: UInt8
        @usableFromInline var nri: UInt8

        @inlinable
        init(forbidden: UInt8, nri: UInt8) {
            self.forbidden = forbidden
            self.nri = nri
        }
    }

    /// RFC 6184 §8.2.1.
    @inlinable public static var clockRate: UInt32 { 90_000 }
    @inlinable public static var headerLength: Int { 1 }
    @inlinable public static var fragmentTypeMask: UInt8 { 0x1F }
    @inlinable public static var singleNALUnitTypes: ClosedRange<UInt8> { 1...23 }
    @inlinable public static var aggregationPacketType: UInt8 { 24 }
    @inlinable public static var fragmentationUnitType: UInt8 { 28 }
    /// SEI, SPS, PPS, access unit delimiter, end of sequence/stream, filler, SPS extension: the
    /// units that may precede the first slice (H.264 §7.4.1.2.3).
    @inlinable public static var aggregatableTypes: ClosedRange<UInt8> { 6...13 }

    @inlinable
    public static func type(of firstByte: UInt8) -> UInt8 { firstByte & 0x1F }

    @inlinable
    public static func header(_ header: NALUnitHeader, withType type: UInt8) -> NALUnitHeader {
        NALUnitHeader(first: header.first & 0xE0 | type)
    }

    @inlinable
    public static var emptyAggregation: AggregationSummary { AggregationSummary(forbidden: 0, nri: 0) }

    @inlinable
    public static func aggregate(_ summary: inout AggregationSummary, header: NALUnitHeader) {
        summary.forbidden |= header.first & 0x80
        summary.nri = max(summary.nri, header.first & 0x60)
    }

    @inlinable
    public static func aggregationHeader(_ summary: AggregationSummary) -> NALUnitHeader {
        NALUnitHeader(first: summary.forbidden | summary.nri | aggregationPacketType)
    }
}
