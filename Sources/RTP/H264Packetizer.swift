/// Packetizes H.264 access units for RTP (RFC 6184, packetization-mode 1, non-interleaved).
///
/// Each NAL unit that fits the payload budget goes out as a single NAL unit packet (§5.6);
/// larger ones are split into FU-A fragments (§5.8). Non-VCL NAL units that precede a slice
/// (SPS, PPS, AUD, SEI, …) are gathered into STAP-A packets (§5.7.1) while they fit, so the
/// parameter sets travel in one packet ahead of the IDR slice. The marker bit is set on the
/// last packet of the access unit (§5.1). Every packet of an access unit carries the caller's
/// RTP timestamp (90 kHz clock).
///
/// Packets are written into one buffer owned by the packetizer and handed to `emit`; in steady
/// state nothing is allocated per packet or per NAL unit.
public struct H264Packetizer: Sendable {
    public var writer: RTPPacketWriter
    /// Aggregation in progress (§5.7.1): NAL units written into the current STAP-A packet.
    @usableFromInline var aggregatedCount: Int = 0
    /// OR of the F bits and maximum of the NRI fields of the aggregated units.
    @usableFromInline var aggregatedFNRI: (f: UInt8, nri: UInt8) = (0, 0)

    /// RTP clock rate of H.264 video (RFC 6184 §8.2.1).
    public static let clockRate: UInt32 = 90_000
    /// STAP-A and FU-A need room for their headers and at least one byte of NAL data.
    public static let minimumBudget = 3

    @usableFromInline static let stapA: UInt8 = 24
    @usableFromInline static let fuA: UInt8 = 28

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

    /// Packetizes one access unit in Annex-B form (as x264enc with `alignment=au` delivers it).
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

    /// Non-VCL units that may precede the first slice of an access unit (H.264 §7.4.1.2.3):
    /// SEI, SPS, PPS, access unit delimiter, end of sequence/stream, filler, SPS extension.
    @inlinable
    static func isAggregatable(_ type: UInt8) -> Bool { (6...13).contains(type) }

    @inlinable
    mutating func push(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let header = nal[0]
        let budget = writer.payloadBudget
        // A STAP-A carries a 1-byte indicator and a 2-byte size before each unit.
        if Self.isAggregatable(header & 0x1F) && nal.count + 3 <= budget {
            if aggregatedCount > 0 && writer.remainingBudget < nal.count + 2 {
                flushAggregate(marker: false, emit: emit)
            }
            if aggregatedCount == 0 {
                writer.begin(timestamp: timestamp)
                writer.append(Self.stapA)
                aggregatedFNRI = (0, 0)
            }
            writer.appendU16(UInt16(truncatingIfNeeded: nal.count))
            writer.append(nal)
            aggregatedCount += 1
            aggregatedFNRI = (aggregatedFNRI.f | header & 0x80, max(aggregatedFNRI.nri, header & 0x60))
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

    /// Sends the pending STAP-A; a lone unit goes out as a single NAL unit packet instead.
    @inlinable
    mutating func flushAggregate(marker: Bool, emit: (inout [UInt8]) -> Void) {
        if aggregatedCount == 1 {
            writer.removePayloadBytes(at: 0, count: 3)
        } else {
            writer.setPayloadByte(aggregatedFNRI.f | aggregatedFNRI.nri | Self.stapA, at: 0)
        }
        aggregatedCount = 0
        writer.finish(marker: marker, emit: emit)
    }

    /// FU-A (§5.8): the indicator keeps F and NRI of the unit with type 28; the FU header has
    /// S on the first fragment, E on the last, and the unit's type. The unit's header byte
    /// itself is not sent.
    @inlinable
    mutating func fragment(
        nal: UnsafeRawBufferPointer, isLast: Bool, timestamp: UInt32, emit: (inout [UInt8]) -> Void
    ) {
        let header = nal[0]
        let indicator = header & 0xE0 | Self.fuA
        let chunk = writer.payloadBudget - 2
        var offset = 1
        while offset < nal.count {
            let n = min(chunk, nal.count - offset)
            let isEnd = offset + n == nal.count
            writer.begin(timestamp: timestamp)
            writer.append(indicator)
            writer.append((offset == 1 ? 0x80 : 0) | (isEnd ? 0x40 : 0) | header & 0x1F)
            writer.append(UnsafeRawBufferPointer(rebasing: nal[offset..<offset + n]))
            writer.finish(marker: isLast && isEnd, emit: emit)
            offset += n
        }
    }
}
