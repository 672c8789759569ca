/// Packetizes H.265 access units for RTP (RFC 7798, without DONL: sprop-max-don-diff 0).
///
/// A NAL unit that fits the payload budget is sent as a single NAL unit packet (§4.4.1);
/// larger ones as fragmentation units (§4.4.3, type 49); non-VCL units ahead of the first slice
/// (VPS, SPS, PPS, AUD, prefix SEI, …) are gathered into aggregation packets (§4.4.2, type 48)
/// while they fit. The marker bit is set on the last packet of the access unit (§4.1). All
/// packets of an access unit carry the caller's RTP timestamp (90 kHz clock).
///
/// Packets are written into one reusable buffer and handed to `emit`; in steady state nothing
/// is allocated per packet or per NAL unit.
public struct H265Packetizer: Sendable {
    public var writer: RTPPacketWriter
    @usableFromInline var aggregatedCount: Int = 0
    /// F bit OR-ed over the aggregated units; LayerId and TID are the minimum over them (§4.4.2).
    @usableFromInline var aggregatedF: UInt8 = 0
    @usableFromInline var aggregatedLayerID: UInt8 = 63
    @usableFromInline var aggregatedTID: UInt8 = 7

    /// RTP clock rate of H.265 video (RFC 7798 §7.1).
    public static let clockRate: UInt32 = 90_000
    /// A fragment needs its 3 header bytes and at least one byte of data.
    public static let minimumBudget = 4

    @usableFromInline static let aggregationPacket: UInt8 = 48
    @usableFromInline static let fragmentationUnit: UInt8 = 49

    public init(
        ssrc: UInt32, payloadType: UInt8 = 96, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, headerExtension: RTPHeaderExtension? = nil
    ) {
        writer = RTPPacketWriter(
            ssrc: ssrc, payloadType: payloadType, initialSequenceNumber: initialSequenceNumber,
            payloadBudget: payloadBudget, minimumBudget: Self.minimumBudget, headerExtension: headerExtension)
    }

    public var ssrc: UInt32 { writer.ssrc }
    public var payloadType: UInt8 { writer.payloadType }
    /// Sequence number the next packet will carry.
    public var sequenceNumber: UInt16 { writer.sequenceNumber }
    public var payloadBudget: Int { writer.payloadBudget }

    /// Packetizes one access unit in Annex-B form.
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

    /// Non-VCL units that may precede the first slice (H.265 §7.4.2.4.4): VPS, SPS, PPS, AUD,
    /// end of sequence/bitstream, filler data, SEI.
    @inlinable
    static func isAggregatable(_ type: UInt8) -> Bool { (32...40).contains(type) }

    @inlinable
    mutating func push(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let budget = writer.payloadBudget
        let type = (nal[0] >> 1) & 0x3F
        // An AP carries a 2-byte payload header and a 2-byte size before each unit.
        if nal.count >= 2 && Self.isAggregatable(type) && nal.count + 4 <= budget {
            if aggregatedCount > 0 && writer.remainingBudget < nal.count + 2 {
                flushAggregate(marker: false, emit: emit)
            }
            if aggregatedCount == 0 {
                writer.begin(timestamp: timestamp)
                writer.append(Self.aggregationPacket << 1)
                writer.append(0)
                aggregatedF = 0
                aggregatedLayerID = 63
                aggregatedTID = 7
            }
            writer.appendU16(UInt16(truncatingIfNeeded: nal.count))
            writer.append(nal)
            aggregatedCount += 1
            aggregatedF |= nal[0] & 0x80
            aggregatedLayerID = min(aggregatedLayerID, (nal[0] & 1) << 5 | nal[1] >> 3)
            aggregatedTID = min(aggregatedTID, nal[1] & 0x07)
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

    /// Sends the pending AP; a lone unit goes out as a single NAL unit packet instead.
    @inlinable
    mutating func flushAggregate(marker: Bool, emit: (inout [UInt8]) -> Void) {
        if aggregatedCount == 1 {
            writer.removePayloadBytes(at: 0, count: 4)
        } else {
            writer.setPayloadByte(aggregatedF | Self.aggregationPacket << 1 | aggregatedLayerID >> 5, at: 0)
            writer.setPayloadByte((aggregatedLayerID & 0x1F) << 3 | aggregatedTID, at: 1)
        }
        aggregatedCount = 0
        writer.finish(marker: marker, emit: emit)
    }

    /// FU (§4.4.3): the payload header copies the unit's F, LayerId and TID with type 49; the
    /// FU header has S on the first fragment, E on the last, and the unit's type. The unit's
    /// 2-byte header itself is not sent.
    @inlinable
    mutating func fragment(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let header0 = nal[0]
        let header1 = nal[1]
        let type = (header0 >> 1) & 0x3F
        let payloadHeader0 = header0 & 0x81 | Self.fragmentationUnit << 1
        let chunk = writer.payloadBudget - 3
        var offset = 2
        while offset < nal.count {
            let n = min(chunk, nal.count - offset)
            let isEnd = offset + n == nal.count
            writer.begin(timestamp: timestamp)
            writer.append(payloadHeader0)
            writer.append(header1)
            writer.append((offset == 2 ? 0x80 : 0) | (isEnd ? 0x40 : 0) | type)
            writer.append(UnsafeRawBufferPointer(rebasing: nal[offset..<offset + n]))
            writer.finish(marker: isLast && isEnd, emit: emit)
            offset += n
        }
    }
}
