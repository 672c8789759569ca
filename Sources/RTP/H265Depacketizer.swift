/// Rebuilds H.265 access units from RTP packets (RFC 7798 without DONL): single NAL unit
/// packets (§4.4.1), aggregation packets (§4.4.2, type 48) and fragmentation units (§4.4.3,
/// type 49). Access units come out in Annex-B form with 4-byte start codes at the marker bit.
///
/// It never traps: malformed payloads, PACI packets (type 50) and losses are counted in
/// ``statistics``; a gap inside an FU drops that NAL unit.
public struct H265Depacketizer: Sendable {
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

    public mutating func push(_ packet: RTPPacket) -> DepacketizedFrame? {
        push(
            payload: packet.payload, sequenceNumber: packet.header.sequenceNumber,
            timestamp: packet.header.timestamp, marker: packet.header.marker)
    }

    private mutating func consume(_ payload: ArraySlice<UInt8>) {
        guard payload.count >= 2 else {
            assembler.malformed()
            return
        }
        let first = payload[payload.startIndex]
        let second = payload[payload.startIndex + 1]
        switch (first >> 1) & 0x3F {
        case 0...47:
            assembler.appendNALUnit(payload)
        case 48:
            consumeAP(payload.dropFirst(2))
        case 49:
            consumeFU(first, second, payload.dropFirst(2))
        default:
            assembler.malformed()
        }
    }

    /// AP: 16-bit size, then the unit (at least its 2-byte header), repeated.
    private mutating func consumeAP(_ body: ArraySlice<UInt8>) {
        guard H264Depacketizer.aggregationIsValid(body, minimumUnit: 2) else {
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

    /// FU: the NAL header is the payload header with the FU header's type in place of 49.
    private mutating func consumeFU(_ first: UInt8, _ second: UInt8, _ body: ArraySlice<UInt8>) {
        guard let fuHeader = body.first else {
            assembler.malformed()
            return
        }
        let isStart = fuHeader & 0x80 != 0
        let isEnd = fuHeader & 0x40 != 0
        let data = body.dropFirst()
        if isStart && isEnd {
            // §4.4.3: a NAL unit must not be sent as a single FU.
            assembler.malformed()
        } else if isStart {
            assembler.startFragment(header: first & 0x81 | (fuHeader & 0x3F) << 1, second, data: data)
        } else {
            assembler.continueFragment(data: data, isEnd: isEnd)
        }
    }
}
