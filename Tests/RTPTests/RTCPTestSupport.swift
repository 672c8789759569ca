import RTP
import Testing
import WireKit

/// Bytes from hex text written in 32-bit words, as RTCP layouts are drawn.
func rtcpBytes(_ text: String) throws -> [UInt8] {
    try #require(Hex.decode(text))
}

/// Parses `bytes` as one packet, checks it writes back to exactly `bytes`, and returns it.
func rtcpRoundTrip(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> RTCPPacket {
    let packet = try RTCPPacket(parsing: bytes)
    #expect(try packet.serialized() == bytes, sourceLocation: sourceLocation)
    return packet
}

/// Seeded random RTCP values of every kind, for round-trip tests and fuzz seeds.
struct RTCPRandomPackets {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: rng.next()) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: rng.next()) }
    mutating func u8() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] { rng.bytes(int(range)) }

    mutating func reportBlock() -> RTCPReportBlock {
        RTCPReportBlock(
            ssrc: u32(), fractionLost: u8(), cumulativeLost: Int32(int(-0x80_0000...0x7F_FFFF)),
            extendedHighestSequence: u32(), jitter: u32(), lastSenderReport: u32(), delaySinceLastSenderReport: u32())
    }

    mutating func blocks() -> [RTCPReportBlock] { (0..<int(0...3)).map { _ in reportBlock() } }

    mutating func packet() -> RTCPPacket {
        switch int(0...10) {
        case 0:
            return .senderReport(
                RTCPSenderReport(
                    ssrc: u32(), ntpTimestamp: NTPTimestamp(rawValue: rng.next()), rtpTimestamp: u32(),
                    packetCount: u32(), octetCount: u32(), reportBlocks: blocks(), profileExtension: bytes(0...9)))
        case 1:
            return .receiverReport(RTCPReceiverReport(ssrc: u32(), reportBlocks: blocks(), profileExtension: bytes(0...6)))
        case 2:
            let chunks = (0..<int(0...3)).map { _ in
                RTCPSourceDescription.Chunk(
                    source: u32(),
                    items: (0..<int(0...3)).map { _ in
                        RTCPSDESItem(RTCPSDESItem.ItemType(rawValue: UInt8(int(1...9))), value: bytes(0...40))
                    })
            }
            return .sourceDescription(RTCPSourceDescription(chunks: chunks))
        case 3:
            return .bye(RTCPGoodbye(sources: (0..<int(0...4)).map { _ in u32() }, reason: int(0...1) == 0 ? nil : bytes(0...30)))
        case 4:
            return .app(RTCPApplicationDefined(subtype: UInt8(int(0...31)), ssrc: u32(), name: u32(), data: bytes(0...9)))
        case 5:
            return .nack(
                RTCPGenericNACK(
                    senderSSRC: u32(), mediaSSRC: u32(),
                    entries: (0..<int(1...4)).map { _ in .init(packetID: u16(), lostBitmask: u16()) }))
        case 6:
            return .pli(RTCPPictureLossIndication(senderSSRC: u32(), mediaSSRC: u32()))
        case 7:
            return .fir(
                RTCPFullIntraRequest(
                    senderSSRC: u32(), mediaSSRC: u32(),
                    entries: (0..<int(0...3)).map { _ in .init(ssrc: u32(), sequenceNumber: u8()) }))
        case 8:
            return .remb(
                RTCPReceiverEstimatedMaxBitrate(
                    senderSSRC: u32(), mediaSSRC: u32(), mantissa: u32() & 0x3FFFF, exponent: UInt8(int(0...63)),
                    ssrcs: (0..<int(0...4)).map { _ in u32() }))
        case 9:
            return .transportWideFeedback(transportWideFeedback())
        default:
            // Types and formats this module keeps uninterpreted.
            let kinds: [(UInt8, UInt8?)] = [(207, nil), (195, nil), (255, nil), (205, 3), (206, 2), (206, 15)]
            let (type, format) = kinds[int(0...kinds.count - 1)]
            var payload = bytes(0...23)
            if type == 206, format == 15, payload.count >= 12 { payload[8] = 0 }  // not "REMB"
            if type >= 205 && type <= 206 && payload.count < 8 { payload += [UInt8](repeating: 1, count: 8) }
            return .unknown(type: type, count: format ?? UInt8(int(0...31)), payload: payload)
        }
    }

    mutating func transportWideFeedback() -> RTCPTransportWideFeedback {
        var statuses: [RTCPTransportWideFeedback.PacketStatus] = []
        for _ in 0..<int(0...60) {
            switch int(0...5) {
            case 0, 1: statuses.append(.notReceived)
            case 2, 3, 4: statuses.append(.received(delta: Int16(int(0...255))))
            default: statuses.append(.received(delta: Int16(truncatingIfNeeded: u16())))
            }
        }
        // Long runs exercise run-length chunks.
        if int(0...2) == 0 { statuses += Array(repeating: .notReceived, count: int(14...300)) }
        return RTCPTransportWideFeedback(
            senderSSRC: u32(), mediaSSRC: u32(), baseSequenceNumber: u16(), referenceTime: Int32(int(-0x80_0000...0x7F_FFFF)),
            feedbackPacketCount: u8(), packetStatuses: statuses)
    }
}
