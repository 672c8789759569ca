/// Packetizes H.264 (RFC 6184) or H.265 (RFC 7798) access units; `Format` supplies the NAL
/// unit header rules (see ``NALUnitPayloadFormat``). Use it as ``H264Packetizer`` or
/// ``H265Packetizer``.
///
/// A NAL unit that fits the payload budget goes out as a single NAL unit packet; a larger one
/// is split into fragmentation units. Non-VCL units ahead of the first slice (parameter sets,
/// AUD, SEI, …) are gathered into aggregation packets while they fit, so the parameter sets
/// travel in one packet ahead of a keyframe; an aggregate that ends up holding one unit is
/// sent as a single NAL unit packet instead. The marker bit is set on the last packet of the
/// access unit, and every packet carries the caller's RTP timestamp (90 kHz clock).
///
/// Packets are written into one buffer owned by the packetizer and handed to `emit`; in steady
/// state nothing is allocated per packet or per NAL unit.
public struct NALUnitPacketizer<Format: NALUnitPayloadFormat>: RTPPacketizer, Sendable {
    public var writer: RTPPacketWriter
    /// Units written into the aggregation packet being built (0: none in progress).
    @usableFromInline var aggregatedCount: Int = 0
    /// What that packet's payload header will be derived from.
    @usableFromInline var aggregation: Format.AggregationSummary = Format.emptyAggregation

    public static var clockRate: UInt32 { Format.clockRate }
    /// A fragmentation unit needs its payload header, its FU header and one byte of the unit;
    /// an aggregation packet of one minimal unit needs no more.
    public static var minimumBudget: Int { Format.headerLength + 2 }

    public init(
        ssrc: UInt32, payloadType: UInt8 = 96, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, headerExtension: RTPHeaderExtension? = nil
    ) {
        writer = RTPPacketWriter(
            ssrc: ssrc, payloadType: payloadType, initialSequenceNumber: initialSequenceNumber,
            payloadBudget: payloadBudget, minimumBudget: Self.minimumBudget, headerExtension: headerExtension)
    }

    /// Packetizes one access unit in Annex-B form (as x264enc/x265enc with `alignment=au`
    /// deliver it).
    @inlinable
    public mutating func packetize(
        accessUnit: UnsafeRawBufferPointer, rtpTimestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        var units = AnnexBNALUnits(accessUnit)
        var current = units.next()
        while let range = current {
            let next = units.next()
            push(
                nal: UnsafeRawBufferPointer(rebasing: accessUnit[range]), isLast: next == nil,
                timestamp: rtpTimestamp, emit: emit)
            current = next
        }
    }

    @inlinable
    public mutating func packetize(accessUnit: [UInt8], rtpTimestamp: UInt32, emit: (inout [UInt8]) -> Void) {
        accessUnit.withUnsafeBytes { packetize(accessUnit: $0, rtpTimestamp: rtpTimestamp, emit: emit) }
    }

    /// Packetizes one access unit given as its NAL units (without start codes). Empty units are
    /// skipped.
    @inlinable
    public mutating func packetize(nalUnits: [[UInt8]], rtpTimestamp: UInt32, emit: (inout [UInt8]) -> Void) {
        guard let lastIndex = nalUnits.lastIndex(where: { !$0.isEmpty }) else { return }
        for index in 0...lastIndex where !nalUnits[index].isEmpty {
            nalUnits[index].withUnsafeBytes {
                push(nal: $0, isLast: index == lastIndex, timestamp: rtpTimestamp, emit: emit)
            }
        }
    }

    /// The packets of one Annex-B access unit as separate arrays (for tests and tools).
    public mutating func packets(accessUnit: [UInt8], rtpTimestamp: UInt32) -> [[UInt8]] {
        var out: [[UInt8]] = []
        packetize(accessUnit: accessUnit, rtpTimestamp: rtpTimestamp) { out.append($0) }
        return out
    }

    /// The packets of one access unit given as NAL units, as separate arrays.
    public mutating func packets(nalUnits: [[UInt8]], rtpTimestamp: UInt32) -> [[UInt8]] {
        var out: [[UInt8]] = []
        packetize(nalUnits: nalUnits, rtpTimestamp: rtpTimestamp) { out.append($0) }
        return out
    }

    @inlinable
    mutating func push(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let budget = writer.payloadBudget
        let headerLength = Format.headerLength
        // An aggregation packet carries its payload header and a 2-byte size before each unit.
        if nal.count >= headerLength && Format.aggregatableTypes.contains(Format.type(of: nal[0]))
            && nal.count + headerLength + 2 <= budget
        {
            if aggregatedCount > 0 && writer.remainingBudget < nal.count + 2 {
                flushAggregate(marker: false, emit: emit)
            }
            if aggregatedCount == 0 {
                writer.begin(timestamp: timestamp)
                // Room for the payload header, set (or removed) by flushAggregate.
                append(NALUnitHeader(first: 0))
                aggregation = Format.emptyAggregation
            }
            writer.appendU16(UInt16(truncatingIfNeeded: nal.count))
            writer.append(nal)
            aggregatedCount += 1
            Format.aggregate(&aggregation, header: Format.header(at: nal))
            if isLast { flushAggregate(marker: true, emit: emit) }
            return
        }
        if aggregatedCount > 0 { flushAggregate(marker: false, emit: emit) }
        if nal.count <= budget {
            writer.begin(timestamp: timestamp)
            writer.append(nal)
            writer.finish(marker: isLast, emit: emit)
        } else {
            fragment(nal: nal, isLast: isLast, timestamp: timestamp, emit: emit)
        }
    }

    /// Sends the pending aggregation packet; a lone unit goes out as a single NAL unit packet.
    @inlinable
    mutating func flushAggregate(marker: Bool, emit: (inout [UInt8]) -> Void) {
        if aggregatedCount == 1 {
            writer.removePayloadBytes(at: 0, count: Format.headerLength + 2)
        } else {
            let header = Format.aggregationHeader(aggregation)
            writer.setPayloadByte(header.first, at: 0)
            if Format.headerLength > 1 { writer.setPayloadByte(header.second, at: 1) }
        }
        aggregatedCount = 0
        writer.finish(marker: marker, emit: emit)
    }

    /// Fragmentation units: the payload header is the unit's header with the FU type; the FU
    /// header has S on the first fragment, E on the last, and the unit's type. The unit's own
    /// header is not sent: the receiver rebuilds it from those two.
    ///
    /// Kept out of line (still specialized per codec and per `emit`): inlined into the
    /// access-unit loop, the per-fragment appends compile to code ~10% slower per packet
    /// (kvsbench "packetize alone").
    @inlinable @inline(never)
    mutating func fragment(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let header = Format.header(at: nal)
        let payloadHeader = Format.header(header, withType: Format.fragmentationUnitType)
        let type = Format.type(of: header.first)
        let headerLength = Format.headerLength
        let chunk = writer.payloadBudget - headerLength - 1
        var offset = headerLength
        while offset < nal.count {
            let n = min(chunk, nal.count - offset)
            let isEnd = offset + n == nal.count
            writer.begin(timestamp: timestamp)
            append(payloadHeader)
            writer.append((offset == headerLength ? 0x80 : 0) | (isEnd ? 0x40 : 0) | type)
            writer.append(UnsafeRawBufferPointer(rebasing: nal[offset..<offset + n]))
            writer.finish(marker: isLast && isEnd, emit: emit)
            offset += n
        }
    }

    /// Writes the ``NALUnitPayloadFormat/headerLength`` bytes of a payload header.
    @inlinable
    mutating func append(_ header: NALUnitHeader) {
        writer.append(header.first)
        if Format.headerLength > 1 { writer.append(header.second) }
    }
}
