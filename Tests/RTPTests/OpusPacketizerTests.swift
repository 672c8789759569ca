import RTP
import Testing
import WireKit

@Suite("Opus packetization (RFC 7587)")
struct OpusPacketizerTests {
    @Test func onePacketPerOpusPacket() throws {
        var p = OpusPacketizer(ssrc: 0x55, initialSequenceNumber: 65535)
        #expect(OpusPacketizer.clockRate == 48_000)
        #expect(p.payloadType == 111)
        let a = try p.packets(frame: [0xFC, 0xFF, 0xFE], rtpTimestamp: 960)
        let b = try p.packets(frame: [0xFC, 0x01], rtpTimestamp: 1920)
        #expect(a == [[0x80, 0x6F, 0xFF, 0xFF, 0, 0, 0x03, 0xC0, 0, 0, 0, 0x55, 0xFC, 0xFF, 0xFE]])
        #expect(b == [[0x80, 0x6F, 0x00, 0x00, 0, 0, 0x07, 0x80, 0, 0, 0, 0x55, 0xFC, 0x01]])
    }

    @Test func talkspurtMarker() throws {
        var p = OpusPacketizer(ssrc: 1)
        var markers: [Bool] = []
        try p.packetize(frame: [1, 2], rtpTimestamp: 0, marker: true) { markers.append($0[1] & 0x80 != 0) }
        try p.packetize(frame: [1, 2], rtpTimestamp: 960) { markers.append($0[1] & 0x80 != 0) }
        #expect(markers == [true, false])
    }

    @Test func oversizedPacketIsRefusedWithoutSpendingASequenceNumber() throws {
        var p = OpusPacketizer(ssrc: 1, payloadBudget: 100)
        #expect(throws: RTPError.payloadTooLarge(size: 101, budget: 100)) {
            try p.packets(frame: [UInt8](repeating: 1, count: 101), rtpTimestamp: 0)
        }
        #expect(p.sequenceNumber == 0)
        #expect(try p.packets(frame: [UInt8](repeating: 1, count: 100), rtpTimestamp: 0).count == 1)
        #expect(try p.packets(frame: [], rtpTimestamp: 0) == [])
    }

    @Test func roundTripWithLoss() throws {
        var rng = SplitMix64(seed: 7)
        var p = OpusPacketizer(ssrc: 3, initialSequenceNumber: 65530)
        var d = OpusDepacketizer()
        var sent: [[UInt8]] = []
        var received: [DepacketizedFrame] = []
        for i in 0..<20 {
            let frame = rng.bytes(Int.random(in: 1...400, using: &rng))
            sent.append(frame)
            for raw in try p.packets(frame: frame, rtpTimestamp: UInt32(i * 960)) where i != 7 {
                if let f = d.push(try RTPPacket(parsing: raw)) { received.append(f) }
            }
        }
        let kept: [Int] = (0..<20).filter { $0 != 7 }
        let expectedData: [[UInt8]] = kept.map { sent[$0] }
        let expectedTimestamps: [UInt32] = kept.map { UInt32($0 * 960) }
        let expectedLoss: [Bool] = kept.map { $0 == 8 }
        #expect(received.map(\.data) == expectedData)
        #expect(received.map(\.timestamp) == expectedTimestamps)
        #expect(received.map(\.hadLoss) == expectedLoss)
        #expect(d.statistics.packetsLost == 1)
    }
}
