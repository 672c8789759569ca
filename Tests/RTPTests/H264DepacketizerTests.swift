import RTP
import Testing
import WireKit

@Suite("H.264 depacketization (RFC 6184)")
struct H264DepacketizerTests {
    typealias Support = PacketizerTestSupport

    func packets(_ nals: [[UInt8]], budget: Int = 100, timestamp: UInt32 = 0, firstSequence: UInt16 = 0)
        throws -> [RTPPacket]
    {
        var p = H264Packetizer(ssrc: 1, initialSequenceNumber: firstSequence, payloadBudget: budget)
        return try p.packets(nalUnits: nals, rtpTimestamp: timestamp).map { try RTPPacket(parsing: $0) }
    }

    func feed(_ d: inout H264Depacketizer, _ packets: [RTPPacket]) -> [DepacketizedFrame] {
        packets.compactMap { d.push($0) }
    }

    @Test func lostFUAFragmentDropsOnlyThatNALUnit() throws {
        let slice1: [UInt8] = [0x41] + [UInt8](repeating: 1, count: 300)
        let slice2: [UInt8] = [0x41] + [UInt8](repeating: 2, count: 50)
        var all = try packets([[0x67, 9], [0x68, 8], slice1, slice2])
        // Packets: STAP-A, 4 FU-A of slice1, slice2. Lose the second FU-A fragment.
        #expect(all.count == 6)
        all.remove(at: 2)
        var d = H264Depacketizer()
        let frames = feed(&d, all)
        #expect(frames.count == 1)
        #expect(frames[0].hadLoss)
        #expect(Support.split(frames[0].data) == [[0x67, 9], [0x68, 8], slice2])
        #expect(d.statistics.packetsLost == 1)
        #expect(d.statistics.nalUnitsDropped == 1)
    }

    @Test func lostFirstFragmentDropsTheRestOfTheUnit() throws {
        let slice: [UInt8] = [0x65] + [UInt8](repeating: 3, count: 400)
        var all = try packets([[0x41, 7], slice], firstSequence: 65535)
        all.remove(at: 1)
        var d = H264Depacketizer()
        let frames = feed(&d, all)
        #expect(frames.map(\.data) == [[0, 0, 0, 1, 0x41, 7]])
        #expect(d.statistics.nalUnitsDropped == 1)
    }

    @Test func fragmentWithoutStartAtStreamBeginningIsDropped() throws {
        let slice: [UInt8] = [0x65] + [UInt8](repeating: 3, count: 400)
        let all = try packets([slice])
        var d = H264Depacketizer()
        #expect(feed(&d, Array(all.dropFirst())) == [])
        #expect(d.statistics.nalUnitsDropped == 1)
        #expect(d.statistics.framesEmitted == 0)
    }

    @Test func missingMarkerPacketDropsTheAccessUnitAtTheNextTimestamp() throws {
        let first = try packets([[0x41, 1], [0x41, 2]], timestamp: 100)
        let second = try packets([[0x41, 3]], timestamp: 200, firstSequence: 2)
        var d = H264Depacketizer()
        // Only the first packet of the first access unit arrives.
        #expect(feed(&d, [first[0]]) == [])
        let frames = feed(&d, second)
        #expect(frames.map(\.data) == [[0, 0, 0, 1, 0x41, 3]])
        #expect(frames[0].timestamp == 200)
        #expect(frames[0].hadLoss)
        #expect(d.statistics.framesDropped == 1)
    }

    @Test func duplicatesAndLatePacketsAreIgnored() throws {
        let all = try packets([[0x41] + [UInt8](repeating: 5, count: 250)])
        var d = H264Depacketizer()
        let frames = feed(&d, [all[0], all[0], all[1], all[0], all[2]])
        #expect(frames.count == 1)
        #expect(Support.split(frames[0].data) == [[0x41] + [UInt8](repeating: 5, count: 250)])
        #expect(d.statistics.packetsDiscarded == 2)
    }

    func push(_ d: inout H264Depacketizer, _ payload: [UInt8], seq: UInt16, marker: Bool = true) -> [UInt8]? {
        d.push(payload: payload[...], sequenceNumber: seq, timestamp: 0, marker: marker)?.data
    }

    @Test func malformedPayloadsAreCounted() {
        var d = H264Depacketizer()
        #expect(push(&d, [], seq: 0) == nil)
        #expect(push(&d, [0x18, 0x00], seq: 1) == nil)  // STAP-A cut inside the size
        #expect(push(&d, [0x18, 0x00, 0x05, 0x41], seq: 2) == nil)  // size past the end
        #expect(push(&d, [0x18, 0x00, 0x00], seq: 3) == nil)  // empty unit
        #expect(push(&d, [0x18], seq: 4) == nil)  // no units
        #expect(push(&d, [0x19, 0, 0, 0, 1, 0x41], seq: 5) == nil)  // STAP-B
        #expect(push(&d, [0x1D, 0x85, 1], seq: 6) == nil)  // FU-B
        #expect(push(&d, [0x1C], seq: 7) == nil)  // FU-A without FU header
        #expect(push(&d, [0x1C, 0xC5, 1], seq: 8) == nil)  // S and E together
        #expect(push(&d, [0x00, 1], seq: 9) == nil)  // type 0
        #expect(d.statistics.malformedPackets == 10)
        #expect(push(&d, [0x18, 0x00, 0x01, 0x09, 0x00, 0x02, 0x41, 0x01], seq: 10) == [
            0, 0, 0, 1, 0x09, 0, 0, 0, 1, 0x41, 0x01,
        ])
    }

    @Test func fuAReassemblyRebuildsTheHeader() {
        var d = H264Depacketizer()
        #expect(push(&d, [0xBC, 0x81, 1, 2], seq: 0, marker: false) == nil)
        #expect(push(&d, [0xBC, 0x01, 3], seq: 1, marker: false) == nil)
        #expect(push(&d, [0xBC, 0x41, 4], seq: 2) == [0, 0, 0, 1, 0xA1, 1, 2, 3, 4])
    }

    @Test func oversizedFramesAreDropped() throws {
        var d = H264Depacketizer(maximumFrameSize: 1000)
        let all = try packets([[0x41] + [UInt8](repeating: 5, count: 2000)])
        #expect(feed(&d, all) == [])
        #expect(d.statistics.framesDropped == 1)
        let next = try packets([[0x41, 1]], timestamp: 5, firstSequence: UInt16(all.count))
        #expect(feed(&d, next).map(\.data) == [[0, 0, 0, 1, 0x41, 1]])
    }
}
