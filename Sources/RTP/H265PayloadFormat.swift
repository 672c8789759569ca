/// Packetizes H.265 access units for RTP (RFC 7798, without DONL: sprop-max-don-diff 0):
/// single NAL unit packets (§4.4.1), aggregation packets (§4.4.2) for the non-VCL units ahead
/// of a slice, fragmentation units (§4.4.3) for units over the budget, the marker bit on the
/// last packet of the access unit (§4.1).
public typealias H265Packetizer = NALUnitPacketizer<H265PayloadFormat>

/// Rebuilds H.265 access units from RTP packets (RFC 7798 without DONL): single NAL unit
/// packets (§4.4.1), aggregation packets (§4.4.2) and fragmentation units (§4.4.3). PACI
/// packets (type 50, §4.4.4) are counted as malformed.
public typealias H265Depacketizer = NALUnitDepacketizer<H265PayloadFormat>

/// The H.265 NAL unit header rules of RFC 7798: a 2-byte header F|Type|LayerId|TID (§1.1.4),
/// AP type 48 (§4.4.2), FU type 49 (§4.4.3).
public enum H265PayloadFormat: NALUnitPayloadFormat {
    /// F bits OR-ed, and the lowest LayerId and TID of the aggregated units (§4.4.2).
    public struct AggregationSummary: Sendable {
        @usableFromInline var forbidden: UInt8
        @usableFromInline var layerID: UInt8
        @usableFromInline var temporalID: UInt8

        @inlinable
        init(forbidden: UInt8, layerID: UInt8, temporalID: UInt8) {
            self.forbidden = forbidden
            self.layerID = layerID
            self.temporalID = temporalID
        }
    }

    /// RFC 7798 §7.1.
    @inlinable public static var clockRate: UInt32 { 90_000 }
    @inlinable public static var headerLength: Int { 2 }
    @inlinable public static var fragmentTypeMask: UInt8 { 0x3F }
    @inlinable public static var singleNALUnitTypes: ClosedRange<UInt8> { 0...47 }
    @inlinable public static var aggregationPacketType: UInt8 { 48 }
    @inlinable public static var fragmentationUnitType: UInt8 { 49 }
    /// VPS, SPS, PPS, AUD, end of sequence/bitstream, filler data, prefix SEI: the units that may
    /// precede the first slice (H.265 §7.4.2.4.4).
    @inlinable public static var aggregatableTypes: ClosedRange<UInt8> { 32...40 }

    @inlinable
    public static func type(of firstByte: UInt8) -> UInt8 { (firstByte >> 1) & 0x3F }

    @inlinable
    public static func header(_ header: NALUnitHeader, withType type: UInt8) -> NALUnitHeader {
        NALUnitHeader(first: header.first & 0x81 | type << 1, second: header.second)
    }

    @inlinable
    public static var emptyAggregation: AggregationSummary {
        AggregationSummary(forbidden: 0, layerID: 63, temporalID: 7)
    }

    @inlinable
    public static func aggregate(_ summary: inout AggregationSummary, header: NALUnitHeader) {
        summary.forbidden |= header.first & 0x80
        summary.layerID = min(summary.layerID, (header.first & 1) << 5 | header.second >> 3)
        summary.temporalID = min(summary.temporalID, header.second & 0x07)
    }

    @inlinable
    public static func aggregationHeader(_ summary: AggregationSummary) -> NALUnitHeader {
        NALUnitHeader(
            first: summary.forbidden | aggregationPacketType << 1 | summary.layerID >> 5,
            second: (summary.layerID & 0x1F) << 3 | summary.temporalID)
    }
}
