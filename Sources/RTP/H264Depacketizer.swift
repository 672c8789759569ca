/// Rebuilds H.264 access units from RTP packets (RFC 6184, packetization-mode 1): single NAL
/// unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8). Access units come out in Annex-B
/// form with 4-byte start codes when the packet with the marker bit arrives.
///
/// It never traps: malformed payloads, the interleaved-mode types (STAP-B, MTAP, FU-B) and
/// losses are counted in ``statistics``; a gap inside an FU-A drops that NAL unit.
public struct H264Depacketizer: Sendable {
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
        guard let first = payload.first else {
            assembler.malformed()
            return
        }
        switch first & 0x1F {
        case 1...23:
            assembler.appendNALUnit(payload)
        case 24:
            consumeSTAPA(payload.dropFirst())
        case 28:
            consumeFUA(indicator: first, payload.dropFirst())
        default:
            assembler.malformed()
        }
    }

    /// STAP-A: 16-bit size, then the unit, repeated. Checked whole before anything is kept.
    private mutating func consumeSTAPA(_ body: ArraySlice<UInt8>) {
        guard Self.aggregationIsValid(body, minimumUnit: 1) else {
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

    /// FU-A: the NAL header is rebuilt from the indicator's F/NRI and the FU header's type.
    private mutating func consumeFUA(indicator: UInt8, _ body: ArraySlice<UInt8>) {
        guard let fuHeader = body.first else {
            assembler.malformed()
            return
        }
        let isStart = fuHeader & 0x80 != 0
        let isEnd = fuHeader & 0x40 != 0
        let data = body.dropFirst()
        if isStart && isEnd {
            // §5.8: a NAL unit must not be sent as a single FU.
            assembler.malformed()
        } else if isStart {
            assembler.startFragment(header: indicator & 0xE0 | fuHeader & 0x1F, nil, data: data)
        } else {
            assembler.continueFragment(data: data, isEnd: isEnd)
        }
    }
}
