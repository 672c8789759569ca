import RTP
import Testing
import WireKit

@Suite("G.711 packetization (RFC 3551)")
struct G711PacketizerTests {
    @Test func payloadTypesAndClock() {
        #expect(G711Packetizer(law: .pcmu, ssrc: 1).payloadType == 0)
        #expect(G711Packetizer(law: .pcma, ssrc: 1).payloadType == 8)
        #expect(G711Packetizer.clockRate == 8_000)
    }

    @Test func smallFrameIsOnePacket() {
        var p = G711Packetizer(law: .pcma, ssrc: 0x0A0B_0C0D, initialSequenceNumber: 3)
        let packets = p.packets(frame: [0xD5, 0x55, 0xD5], rtpTimestamp: 160)
        #expect(packets == [[0x80, 0x08, 0x00, 0x03, 0, 0, 0x00, 0xA0, 0x0A, 0x0B, 0x0C, 0x0D, 0xD5, 0x55, 0xD5]])
    }

    @Test func longFrameIsSplitByTheBudgetWithAdvancingTimestamps() throws {
        var rng = SplitMix64(seed: 711)
        let frame = rng.bytes(1000)
        var p = G711Packetizer(law: .pcmu, ssrc: 9, initialSequenceNumber: 65535, payloadBudget: 400)
        let packets = try p.packets(frame: frame, rtpTimestamp: 0xFFFF_FF00, marker: true).map { try RTPPacket(parsing: $0) }
        #expect(packets.map(\.payload.count) == [400, 400, 200])
        #expect(packets.map(\.header.timestamp) == [0xFFFF_FF00, 0x0000_0090, 0x0000_0220])
        #expect(packets.map(\.header.sequenceNumber) == [65535, 0, 1])
        #expect(packets.map(\.header.marker) == [true, false, false])
        #expect(packets.allSatisfy { $0.header.payloadType == 0 && $0.header.ssrc == 9 })
        var d = G711Depacketizer()
        let frames = packets.compactMap { d.push($0) }
        #expect(frames.flatMap(\.data) == frame)
        #expect(frames.map(\.timestamp) == [0xFFFF_FF00, 0x0000_0090, 0x0000_0220])
    }

    @Test func exactlyBudgetAndOneOver() throws {
        var p = G711Packetizer(law: .pcmu, ssrc: 1, payloadBudget: 160)
        #expect(p.packets(frame: [UInt8](repeating: 0xFF, count: 160), rtpTimestamp: 0).count == 1)
        let over = try p.packets(frame: [UInt8](repeating: 0xFF, count: 161), rtpTimestamp: 0).map {
            try RTPPacket(parsing: $0).payload.count
        }
        #expect(over == [160, 1])
        #expect(p.packets(frame: [], rtpTimestamp: 0) == [])
    }

    @Test func depacketizerCountsLossAndDropsDuplicates() {
        var d = G711Depacketizer()
        #expect(d.push(payload: [1][...], sequenceNumber: 10, timestamp: 0, marker: false)?.hadLoss == false)
        #expect(d.push(payload: [2][...], sequenceNumber: 13, timestamp: 480, marker: false)?.hadLoss == true)
        #expect(d.push(payload: [2][...], sequenceNumber: 13, timestamp: 480, marker: false) == nil)
        #expect(d.push(payload: [][...], sequenceNumber: 14, timestamp: 640, marker: false) == nil)
        #expect(d.statistics.packetsLost == 2)
        #expect(d.statistics.packetsDiscarded == 1)
        #expect(d.statistics.malformedPackets == 1)
        #expect(d.statistics.framesEmitted == 2)
    }
}
