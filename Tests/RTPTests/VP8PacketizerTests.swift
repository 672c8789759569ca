import RTP
import Testing
import WireKit

@Suite("VP8 packetization (RFC 7741)")
struct VP8PacketizerTests {
    typealias Support = PacketizerTestSupport

    @Test func descriptorWithoutPictureID() throws {
        var p = VP8Packetizer(ssrc: 4, payloadBudget: 6)
        let frame: [UInt8] = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02]
        let packets = try Support.checkFrame(
            p.packets(frame: frame, rtpTimestamp: 3000), budget: 6, firstSequence: 0, timestamp: 3000, ssrc: 4,
            payloadType: 96)
        #expect(packets.map { Array($0.payload) } == [
            [0x10, 0x10, 0x02, 0x00, 0x9D, 0x01],
            [0x00, 0x2A, 0x80, 0x02],
        ])
        #expect(VP8Packetizer.clockRate == 90_000)
    }

    @Test func descriptorWithFifteenBitPictureID() throws {
        var p = VP8Packetizer(ssrc: 4, payloadBudget: 6, pictureID: 0x7FFF)
        let first = try p.packets(frame: [1, 2, 3], rtpTimestamp: 0).map { Array(try RTPPacket(parsing: $0).payload) }
        #expect(first == [[0x90, 0x80, 0xFF, 0xFF, 1, 2], [0x80, 0x80, 0xFF, 0xFF, 3]])
        #expect(p.pictureID == 0)
        let second = try p.packets(frame: [9], rtpTimestamp: 0).map { Array(try RTPPacket(parsing: $0).payload) }
        #expect(second == [[0x90, 0x80, 0x80, 0x00, 9]])
        var q = VP8Packetizer(ssrc: 4, pictureID: 0x1234)
        let third = try q.packets(frame: [7], rtpTimestamp: 0).map { Array(try RTPPacket(parsing: $0).payload) }
        #expect(third == [[0x90, 0x80, 0x92, 0x34, 7]])
    }

    @Test func descriptorParsing() throws {
        let full = try #require(VP8PayloadDescriptor(parsing: [0xB3, 0xF0, 0x81, 0x02, 0x05, 0x60, 0xAA][...]))
        #expect(full.nonReference)
        #expect(full.startOfPartition)
        #expect(full.partitionIndex == 3)
        #expect(full.pictureID == 0x0102)
        #expect(full.tl0PictureIndex == 5)
        #expect(full.temporalLayerByte == 0x60)
        #expect(full.length == 6)
        let short = try #require(VP8PayloadDescriptor(parsing: [0x80, 0x80, 0x11, 0xAA][...]))
        #expect(short.pictureID == 0x11)
        #expect(short.length == 3)
        #expect(VP8PayloadDescriptor(parsing: [][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x10][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x80][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x80, 0x80, 0x81, 0x02][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x80, 0x80, 0x81][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x80, 0x40][...]) == nil)
        #expect(VP8PayloadDescriptor(parsing: [0x80, 0x20][...]) == nil)
    }

    @Test(arguments: [nil, UInt16(77)])
    func randomFramesRoundTrip(pictureID: UInt16?) throws {
        var rng = SplitMix64(seed: 8)
        let budget = 1200
        var p = VP8Packetizer(ssrc: 8, payloadType: 97, initialSequenceNumber: 65_500, pictureID: pictureID)
        var d = VP8Depacketizer()
        let sizes = [1, 2, budget - 4, budget - 1, budget, budget + 1, 2 * budget, 150_000]
        for i in 0..<40 {
            let size = i < sizes.count ? sizes[i] : Int.random(in: 1...30_000, using: &rng)
            let frame = rng.bytes(size)
            let first = p.sequenceNumber
            let raw = p.packets(frame: frame, rtpTimestamp: UInt32(i) * 3000)
            let packets = try Support.checkFrame(
                raw, budget: budget, firstSequence: first, timestamp: UInt32(i) * 3000, ssrc: 8, payloadType: 97)
            let frames = packets.compactMap { d.push($0) }
            #expect(frames.map(\.data) == [frame])
        }
        #expect(d.statistics.framesEmitted == 40)
    }

    @Test func lossDropsTheWholeFrameAndResumesAtTheNextStart() throws {
        var p = VP8Packetizer(ssrc: 1, payloadBudget: 100)
        var d = VP8Depacketizer()
        var a = try p.packets(frame: [UInt8](repeating: 1, count: 350), rtpTimestamp: 0).map { try RTPPacket(parsing: $0) }
        let b = try p.packets(frame: [UInt8](repeating: 2, count: 150), rtpTimestamp: 3000).map { try RTPPacket(parsing: $0) }
        a.remove(at: 1)
        #expect(a.compactMap { d.push($0) } == [])
        #expect(d.statistics.framesDropped == 1)
        #expect(b.compactMap { d.push($0) }.map(\.data) == [[UInt8](repeating: 2, count: 150)])
        // A continuation with no frame start is ignored.
        #expect(d.push(payload: [0x00, 5][...], sequenceNumber: 100, timestamp: 9, marker: true) == nil)
        #expect(d.push(payload: [0x80][...], sequenceNumber: 101, timestamp: 9, marker: true) == nil)
        #expect(d.statistics.malformedPackets == 1)
    }
}
