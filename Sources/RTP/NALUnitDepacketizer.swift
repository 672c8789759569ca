/// Rebuilds H.264 (RFC 6184) or H.265 (RFC 7798) access units from RTP packets: single NAL
/// unit packets, aggregation packets and fragmentation units, with `Format` supplying the NAL
/// unit header rules (see ``NALUnitPayloadFormat``). Use it as ``H264Depacketizer`` or
/// ``H265Depacketizer``. Access units come out in Annex-B form with 4-byte start codes when
/// the packet with the marker bit arrives.
///
/// It never traps: malformed payloads, packet types outside the non-interleaved mode and
/// losses are counted in ``statistics``; a gap inside a fragmented unit drops that NAL unit.
public struct NALUnitDepacketizer<Format: NALUnitPayloadFormat>: RTPDepacketizer, Sendable {
    var assembler: NALUnitAssembler

    /// Frames larger than `maximumFrameSize` bytes are dropped, bounding memory on hostile input.
    public init(maximumFrameSize: Int = 8 << 20) {
        assembler = NALUnitAssembler(maximumFrameSize: maximumFrameSize)
    }

    public var statistics: DepacketizerStatistics { assembler.statistics }

    /// Feeds one packet; returns an access unit when this packet completes one.
    public mutating func push(
        payload: ArraySlice<UInt8>, sequenceNumber: UInt16, timestamp: UInt32, marker: Bool
    ) -> DepacketizedFrame? {
        guard assembler.beginPacket(sequenceNumber: sequenceNumber, timestamp: timestamp) else { return nil }
        consume(payload)
        return assembler.endPacket(marker: marker)
    }

    private mutating func consume(_ payload: ArraySlice<UInt8>) {
        guard payload.count >= Format.headerLength else {
            assembler.malformed()
            return
        }
        let header = Format.header(at: payload)
        let type = Format.type(of: header.first)
        if Format.singleNALUnitTypes.contains(type) {
            assembler.appendNALUnit(payload)
        } else if type == Format.aggregationPacketType {
            consumeAggregation(payload.dropFirst(Format.headerLength))
        } else if type == Format.fragmentationUnitType {
            consumeFragment(payloadHeader: header, payload.dropFirst(Format.headerLength))
        } else {
            assembler.malformed()
        }
    }

    /// Aggregation packet: 16-bit size, then the unit (at least its header), repeated. Checked
    /// whole before anything is kept.
    private mutating func consumeAggregation(_ body: ArraySlice<UInt8>) {
        guard Self.aggregationIsValid(body, minimumUnit: Format.headerLength) else {
            assembler.malformed()
            return
        }
        var i = body.startIndex
        while i < body.endIndex {
            let size = Int(body[i]) << 8 | Int(body[i + 1])
            assembler.appendNALUnit(body[i + 2..<i + 2 + size])
            i += 2 + size
        }
    }

    /// Whether `body` is a non-empty run of (16-bit size, unit) pairs that ends exactly.
    static func aggregationIsValid(_ body: ArraySlice<UInt8>, minimumUnit: Int) -> Bool {
        var i = body.startIndex
        guard i < body.endIndex else { return false }
        while i < body.endIndex {
            guard body.endIndex - i >= 2 else { return false }
            let size = Int(body[i]) << 8 | Int(body[i + 1])
            guard size >= minimumUnit, size <= body.endIndex - i - 2 else { return false }
            i += 2 + size
        }
        return true
    }

    /// Fragmentation unit: the NAL unit header is the payload header with the FU header's type
    /// in place of the FU type.
    private mutating func consumeFragment(payloadHeader: NALUnitHeader, _ body: ArraySlice<UInt8>) {
        guard let fuHeader = body.first else {
            assembler.malformed()
            return
        }
        let isStart = fuHeader & 0x80 != 0
        let isEnd = fuHeader & 0x40 != 0
        let data = body.dropFirst()
        if isStart && isEnd {
            // RFC 6184 §5.8, RFC 7798 §4.4.3: a NAL unit must not be sent as a single FU.
            assembler.malformed()
        } else if isStart {
            let header = Format.header(payloadHeader, withType: fuHeader & Format.fragmentTypeMask)
            assembler.startFragment(
                header: header.first, Format.headerLength > 1 ? header.second : nil, data: data)
        } else {
            assembler.continueFragment(data: data, isEnd: isEnd)
        }
    }
}
