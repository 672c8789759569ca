import RTP
import Testing
import WireKit

@Suite("H.265 packetization (RFC 7798)")
struct H265PacketizerTests {
    typealias Support = PacketizerTestSupport

    // NAL unit headers: type << 1 in the first byte, LayerId 0, TID+1 in the second.
    static let vps: [UInt8] = [0x40, 0x01, 0x0C, 0x01]
    static let sps: [UInt8] = [0x42, 0x01, 0x01, 0x01, 0x60]
    static let pps: [UInt8] = [0x44, 0x01, 0xC1, 0x72]

    @Test func fuHeadersMatchTheRFCLayout() throws {
        // IDR_W_RADL (type 19), LayerId 0, TID 1. 20 bytes, budget 10: 18 body bytes in 7+7+4.
        let nal: [UInt8] = [0x26, 0x01] + Array(1...18)
        var p = H265Packetizer(ssrc: 9, payloadBudget: 10)
        let raw = p.packets(nalUnits: [nal], rtpTimestamp: 77)
        let packets = try Support.checkFrame(raw, budget: 10, firstSequence: 0, timestamp: 77, ssrc: 9, payloadType: 96)
        #expect(packets.map { Array($0.payload) } == [
            [0x62, 0x01, 0x93, 1, 2, 3, 4, 5, 6, 7],
            [0x62, 0x01, 0x13, 8, 9, 10, 11, 12, 13, 14],
            [0x62, 0x01, 0x53, 15, 16, 17, 18],
        ])
    }

    @Test func fuKeepsForbiddenBitLayerIDAndTID() throws {
        // F=1, type 1 (TRAIL_R), LayerId 33 (high bit in byte 0, 1 in byte 1), TID 2.
        let nal: [UInt8] = [0x83, 0x0A] + [UInt8](repeating: 5, count: 10)
        var p = H265Packetizer(ssrc: 9, payloadBudget: 8)
        let payloads = try p.packets(nalUnits: [nal], rtpTimestamp: 0).map { Array(try RTPPacket(parsing: $0).payload) }
        #expect(payloads.map { Array($0.prefix(3)) } == [[0xE3, 0x0A, 0x81], [0xE3, 0x0A, 0x41]])
        var d = H265Depacketizer()
        var out: [UInt8]?
        for (i, payload) in payloads.enumerated() {
            out = d.push(payload: payload[...], sequenceNumber: UInt16(i), timestamp: 0, marker: i == payloads.count - 1)?.data
        }
        #expect(out == [0, 0, 0, 1] + nal)
    }

    @Test func parameterSetsGoInOneAggregationPacket() throws {
        let idr: [UInt8] = [0x26, 0x01, 0xAF, 0x06]
        var p = H265Packetizer(ssrc: 5, payloadType: 98, initialSequenceNumber: 65535)
        let raw = p.packets(accessUnit: AnnexB.join([Self.vps, Self.sps, Self.pps, idr]), rtpTimestamp: 9)
        let packets = try Support.checkFrame(raw, budget: 1200, firstSequence: 65535, timestamp: 9, ssrc: 5, payloadType: 98)
        #expect(packets.map { Array($0.payload) } == [
            [0x60, 0x01, 0x00, 0x04] + Self.vps + [0x00, 0x05] + Self.sps + [0x00, 0x04] + Self.pps,
            idr,
        ])
        #expect(packets.map(\.header.sequenceNumber) == [65535, 0])
    }

    @Test func aggregationHeaderTakesMinimumLayerAndTID() throws {
        // SEI with LayerId 1 / TID 2 and a PPS with LayerId 0 / TID 3, then a slice.
        let sei: [UInt8] = [0x4E, 0x0A, 0x05]
        let pps: [UInt8] = [0xC4, 0x03, 0x07]
        var p = H265Packetizer(ssrc: 5)
        let raw = p.packets(nalUnits: [sei, pps, [0x02, 0x01, 0x99]], rtpTimestamp: 0)
        let first = try RTPPacket(parsing: raw[0])
        #expect(Array(first.payload.prefix(2)) == [0xE0, 0x02])
    }

    @Test func budgetIsClampedToTheFUMinimum() {
        let p = H265Packetizer(ssrc: 1, payloadBudget: 2)
        #expect(p.payloadBudget == 4)
        #expect(H265Packetizer.clockRate == 90_000)
    }

    @Test(arguments: [1200, 300])
    func randomAccessUnitsRoundTrip(budget: Int) throws {
        var rng = SplitMix64(seed: 0x265 &+ UInt64(budget))
        var p = H265Packetizer(ssrc: 0x1234, payloadType: 99, initialSequenceNumber: 65_300, payloadBudget: budget)
        var d = H265Depacketizer()
        let edge = [2, 3, budget - 1, budget, budget + 1, 2 * budget - 3, 2 * budget - 2, 2 * budget]
        for frameIndex in 0..<50 {
            var nals: [[UInt8]] = []
            if frameIndex % 10 == 0 {
                nals.append(Support.nalUnit(header: [0x46, 0x01], length: 3, rng: &rng))  // AUD
                nals.append(Support.nalUnit(header: [0x40, 0x01], length: Int.random(in: 10...30, using: &rng), rng: &rng))
                nals.append(Support.nalUnit(header: [0x42, 0x01], length: Int.random(in: 20...60, using: &rng), rng: &rng))
                nals.append(Support.nalUnit(header: [0x44, 0x01], length: Int.random(in: 4...10, using: &rng), rng: &rng))
                nals.append(Support.nalUnit(header: [0x4E, 0x01], length: Int.random(in: 5...40, using: &rng), rng: &rng))
                let idr = frameIndex == 0 ? 200_000 : Int.random(in: 2...60_000, using: &rng)
                nals.append(Support.nalUnit(header: [0x26, 0x01], length: idr, rng: &rng))
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let length = Bool.random(using: &rng)
                        ? edge[Int.random(in: 0..<edge.count, using: &rng)]
                        : Int.random(in: 2...5000, using: &rng)
                    nals.append(Support.nalUnit(header: [0x02, 0x01], length: length, rng: &rng))
                }
            }
            let timestamp = UInt32(frameIndex) &* 3000
            let first = p.sequenceNumber
            let raw = p.packets(accessUnit: AnnexB.join(nals), rtpTimestamp: timestamp)
            let packets = try Support.checkFrame(
                raw, budget: budget, firstSequence: first, timestamp: timestamp, ssrc: 0x1234, payloadType: 99)
            let frames = packets.compactMap { d.push($0) }
            try #require(frames.count == 1)
            #expect(frames[0].timestamp == timestamp)
            #expect(Support.split(frames[0].data) == nals)
        }
        #expect(d.statistics == {
            var s = DepacketizerStatistics()
            s.framesEmitted = 50
            return s
        }())
    }

    @Test func lostFragmentDropsThatNALUnit() throws {
        let slice: [UInt8] = [0x02, 0x01] + [UInt8](repeating: 8, count: 500)
        var p = H265Packetizer(ssrc: 1, payloadBudget: 100)
        var packets = try p.packets(nalUnits: [Self.vps, Self.sps, Self.pps, slice, [0x02, 0x01, 0x44]], rtpTimestamp: 0)
            .map { try RTPPacket(parsing: $0) }
        packets.remove(at: 3)
        var d = H265Depacketizer()
        let frames = packets.compactMap { d.push($0) }
        #expect(frames.count == 1)
        #expect(Support.split(frames[0].data) == [Self.vps, Self.sps, Self.pps, [0x02, 0x01, 0x44]])
        #expect(d.statistics.nalUnitsDropped == 1)
        #expect(d.statistics.packetsLost == 1)
    }

    @Test func malformedPayloadsAreCounted() {
        var d = H265Depacketizer()
        let bad: [[UInt8]] = [
            [], [0x02], [0x60, 0x01], [0x60, 0x01, 0x00, 0x01, 0x40], [0x60, 0x01, 0x00, 0x09, 0x40, 0x01],
            [0x62, 0x01], [0x62, 0x01, 0xD3, 0x01], [0x64, 0x01, 0x00], [0x7E, 0x01, 0x00],
        ]
        for (i, payload) in bad.enumerated() {
            #expect(d.push(payload: payload[...], sequenceNumber: UInt16(i), timestamp: 0, marker: true) == nil)
        }
        #expect(d.statistics.malformedPackets == bad.count)
    }
}
