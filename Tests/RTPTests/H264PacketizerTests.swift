import RTP
import Testing
import WireKit

@Suite("H.264 packetization (RFC 6184)")
struct H264PacketizerTests {
    typealias Support = PacketizerTestSupport

    @Test func defaults() {
        let p = H264Packetizer(ssrc: 42)
        #expect(p.payloadBudget == 1200)
        #expect(p.payloadType == 96)
        #expect(p.sequenceNumber == 0)
        #expect(H264Packetizer.clockRate == 90_000)
    }

    @Test func singleNALUnitPacket() throws {
        var p = H264Packetizer(ssrc: 0x0102_0304, payloadType: 102, initialSequenceNumber: 500)
        let packets = p.packets(accessUnit: [0, 0, 0, 1, 0x41, 0x9A, 0x02], rtpTimestamp: 3000)
        #expect(packets == [[0x80, 0xE6, 0x01, 0xF4, 0, 0, 0x0B, 0xB8, 1, 2, 3, 4, 0x41, 0x9A, 0x02]])
        #expect(p.sequenceNumber == 501)
    }

    @Test func fuAHeadersMatchTheRFCLayout() throws {
        // IDR slice: F=0, NRI=3, type 5. 20 bytes with a 10-byte budget: 19 body bytes in 8+8+3.
        let nal: [UInt8] = [0x65] + Array(1...19)
        var p = H264Packetizer(ssrc: 1, payloadBudget: 10)
        let raw = p.packets(nalUnits: [nal], rtpTimestamp: 90)
        let packets = try Support.checkFrame(raw, budget: 10, firstSequence: 0, timestamp: 90, ssrc: 1, payloadType: 96)
        #expect(packets.map { Array($0.payload) } == [
            [0x7C, 0x85, 1, 2, 3, 4, 5, 6, 7, 8],
            [0x7C, 0x05, 9, 10, 11, 12, 13, 14, 15, 16],
            [0x7C, 0x45, 17, 18, 19],
        ])
    }

    @Test func fuAIndicatorKeepsForbiddenBitAndNRI() throws {
        // F=1, NRI=1, type 1: indicator 0xA0 | 28 = 0xBC, FU header type 1.
        let nal: [UInt8] = [0xA1] + [UInt8](repeating: 7, count: 10)
        var p = H264Packetizer(ssrc: 1, payloadBudget: 8)
        let payloads = try p.packets(nalUnits: [nal], rtpTimestamp: 0).map { Array(try RTPPacket(parsing: $0).payload) }
        #expect(payloads.map { Array($0.prefix(2)) } == [[0xBC, 0x81], [0xBC, 0x41]])
    }

    @Test func parameterSetsGoInOneSTAPAAheadOfTheIDR() throws {
        let sps: [UInt8] = [0x27, 0x42, 0xE0, 0x1F]  // NRI 1
        let pps: [UInt8] = [0x68, 0xCE, 0x38, 0x80]  // NRI 3
        let idr: [UInt8] = [0x65, 0x88, 0x84]
        var p = H264Packetizer(ssrc: 7, initialSequenceNumber: 10)
        let raw = p.packets(accessUnit: AnnexB.join([sps, pps, idr]), rtpTimestamp: 1234)
        let packets = try Support.checkFrame(raw, budget: 1200, firstSequence: 10, timestamp: 1234, ssrc: 7, payloadType: 96)
        #expect(packets.map { Array($0.payload) } == [
            [0x78, 0x00, 0x04] + sps + [0x00, 0x04] + pps,
            idr,
        ])
    }

    @Test func stapAForbiddenBitIsTheOrOfItsUnits() throws {
        var p = H264Packetizer(ssrc: 7)
        let raw = p.packets(nalUnits: [[0x09, 0xF0], [0x86, 0x05], [0x41, 1]], rtpTimestamp: 0)
        let first = try RTPPacket(parsing: raw[0])
        #expect(Array(first.payload) == [0x98, 0x00, 0x02, 0x09, 0xF0, 0x00, 0x02, 0x86, 0x05])
    }

    @Test func audSEIAndParameterSetsAggregateWhileTheyFit() throws {
        let aud: [UInt8] = [0x09, 0xF0]
        let sps: [UInt8] = [0x67] + [UInt8](repeating: 0x11, count: 20)
        let pps: [UInt8] = [0x68] + [UInt8](repeating: 0x22, count: 6)
        let sei: [UInt8] = [0x06] + [UInt8](repeating: 0x33, count: 30)
        let idr: [UInt8] = [0x65] + [UInt8](repeating: 0x44, count: 100)
        // Budget 40: AUD and SPS (1+2+2+2+21 = 28) fit, PPS (+2+7 = 37) fits, the 31-byte SEI does not.
        var p = H264Packetizer(ssrc: 7, payloadBudget: 40)
        let raw = p.packets(nalUnits: [aud, sps, pps, sei, idr], rtpTimestamp: 0)
        let packets = try Support.checkFrame(raw, budget: 40, firstSequence: 0, timestamp: 0, ssrc: 7, payloadType: 96)
        #expect(Array(packets[0].payload) == [0x78, 0, 2] + aud + [0, 21] + sps + [0, 7] + pps)
        // A lone unit left in an aggregate goes out as a single NAL unit packet.
        #expect(Array(packets[1].payload) == sei)
        #expect(packets[2].payload.first == 0x7C)
        var d = H264Depacketizer()
        var frames: [DepacketizedFrame] = []
        for packet in packets { if let f = d.push(packet) { frames.append(f) } }
        #expect(frames.count == 1)
        #expect(Support.split(frames[0].data) == [aud, sps, pps, sei, idr])
    }

    @Test func parameterSetsAloneEndWithMarker() throws {
        var p = H264Packetizer(ssrc: 7)
        let raw = p.packets(nalUnits: [[0x67, 1], [0x68, 2]], rtpTimestamp: 5)
        let packets = try Support.checkFrame(raw, budget: 1200, firstSequence: 0, timestamp: 5, ssrc: 7, payloadType: 96)
        #expect(packets.count == 1)
        #expect(Array(packets[0].payload) == [0x78, 0, 2, 0x67, 1, 0, 2, 0x68, 2])
    }

    @Test func annexBAndNALListInputsGiveTheSamePackets() {
        var rng = SplitMix64(seed: 11)
        let nals = [
            Support.nalUnit(header: [0x67], length: 25, rng: &rng),
            Support.nalUnit(header: [0x68], length: 5, rng: &rng),
            Support.nalUnit(header: [0x65], length: 5000, rng: &rng),
        ]
        var a = H264Packetizer(ssrc: 3)
        var b = H264Packetizer(ssrc: 3)
        #expect(a.packets(accessUnit: AnnexB.join(nals), rtpTimestamp: 9) == b.packets(nalUnits: nals, rtpTimestamp: 9))
        #expect(a.packets(accessUnit: [], rtpTimestamp: 9) == [])
        #expect(b.packets(nalUnits: [[], []], rtpTimestamp: 9) == [])
    }

    @Test func sequenceNumbersWrap() throws {
        var p = H264Packetizer(ssrc: 1, initialSequenceNumber: 65534, payloadBudget: 100)
        let raw = p.packets(nalUnits: [[0x65] + [UInt8](repeating: 1, count: 300)], rtpTimestamp: 0)
        let seqs = try raw.map { try RTPPacket(parsing: $0).header.sequenceNumber }
        #expect(seqs == [65534, 65535, 0, 1])
        #expect(p.sequenceNumber == 2)
    }

    @Test func budgetIsClampedToTheFUAMinimum() throws {
        var p = H264Packetizer(ssrc: 1, payloadBudget: 0)
        #expect(p.payloadBudget == 3)
        var d = H264Depacketizer()
        var out: DepacketizedFrame?
        for packet in p.packets(nalUnits: [[0x65, 1, 2, 3, 4]], rtpTimestamp: 0) {
            #expect(try RTPPacket(parsing: packet).payload.count == 3)
            out = d.push(try RTPPacket(parsing: packet))
        }
        #expect(out?.data == [0, 0, 0, 1, 0x65, 1, 2, 3, 4])
    }

    /// Sizes around the budget edges, tiny units and a 200 KB IDR, over many access units.
    @Test(arguments: [1200, 500, 64])
    func randomAccessUnitsRoundTrip(budget: Int) throws {
        var rng = SplitMix64(seed: UInt64(budget))
        var p = H264Packetizer(ssrc: 0xABCD, payloadType: 100, initialSequenceNumber: 65_000, payloadBudget: budget)
        var d = H264Depacketizer()
        let edge = [1, 2, 3, budget - 1, budget, budget + 1, budget + 2, 2 * budget - 2, 2 * budget - 1, 2 * budget]
        for frameIndex in 0..<60 {
            var nals: [[UInt8]] = []
            if frameIndex % 10 == 0 {
                nals.append(Support.nalUnit(header: [0x09], length: 2, rng: &rng))
                nals.append(Support.nalUnit(header: [0x67], length: Int.random(in: 8...30, using: &rng), rng: &rng))
                nals.append(Support.nalUnit(header: [0x68], length: Int.random(in: 4...10, using: &rng), rng: &rng))
                nals.append(Support.nalUnit(header: [0x06], length: Int.random(in: 5...60, using: &rng), rng: &rng))
                let idr = frameIndex == 0 ? 200_000 : Int.random(in: 1...60_000, using: &rng)
                nals.append(Support.nalUnit(header: [0x65], length: idr, rng: &rng))
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let length = Bool.random(using: &rng)
                        ? edge[Int.random(in: 0..<edge.count, using: &rng)]
                        : Int.random(in: 1...5000, using: &rng)
                    nals.append(Support.nalUnit(header: [0x41], length: max(length, 1), rng: &rng))
                }
            }
            let timestamp = UInt32(frameIndex) &* 3000 &+ 0xFFFF_F000
            let first = p.sequenceNumber
            let raw = p.packets(accessUnit: AnnexB.join(nals), rtpTimestamp: timestamp)
            let packets = try Support.checkFrame(
                raw, budget: budget, firstSequence: first, timestamp: timestamp, ssrc: 0xABCD, payloadType: 100)
            var frames: [DepacketizedFrame] = []
            for packet in packets { if let f = d.push(packet) { frames.append(f) } }
            try #require(frames.count == 1)
            #expect(frames[0].timestamp == timestamp)
            #expect(frames[0].hadLoss == false)
            #expect(Support.split(frames[0].data) == nals)
        }
        #expect(d.statistics.framesEmitted == 60)
        #expect(d.statistics.packetsLost == 0)
        #expect(d.statistics.malformedPackets == 0)
    }

    @Test func emitClosureMayAppendATagWithinReservedCapacity() {
        var p = H264Packetizer(ssrc: 1)
        let au = AnnexB.join([[0x65] + [UInt8](repeating: 9, count: 5000)])
        var capacities: Set<Int> = []
        p.packetize(accessUnit: au, rtpTimestamp: 0) { packet in
            let before = packet.capacity
            packet.append(contentsOf: repeatElement(0xEE, count: 16))
            #expect(packet.capacity == before)
            capacities.insert(packet.capacity)
        }
        #expect(capacities.count == 1)
    }

    @Test func configuredHeaderExtensionIsInEveryPacket() throws {
        let mid = try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 3, data: Array("0".utf8))])
        var p = H264Packetizer(ssrc: 1, payloadBudget: 100, headerExtension: mid)
        let raw = p.packets(nalUnits: [[0x67, 1], [0x68, 2], [0x65] + [UInt8](repeating: 4, count: 250)], rtpTimestamp: 0)
        let packets = try Support.checkFrame(raw, budget: 100, firstSequence: 0, timestamp: 0, ssrc: 1, payloadType: 96)
        #expect(packets.count == 4)
        for (bytes, packet) in zip(raw, packets) {
            #expect(Array(bytes[0..<1]) == [0x90])
            #expect(Array(bytes[12..<20]) == [0xBE, 0xDE, 0x00, 0x01, 0x30, 0x30, 0x00, 0x00])
            #expect(packet.header.headerExtension?.element(id: 3).map(Array.init) == [0x30])
        }
        #expect(Array(packets[0].payload) == [0x78, 0, 2, 0x67, 1, 0, 2, 0x68, 2])
    }

    @Test func bufferCapacityCoversBudgetHeaderExtensionsAndTag() {
        var p = H264Packetizer(ssrc: 1, payloadBudget: 1000)
        var capacity = 0
        p.packetize(nalUnits: [[0x41, 1]], rtpTimestamp: 0) { capacity = $0.capacity }
        #expect(capacity >= 12 + RTPPacketWriter.extensionRoom + 1000 + RTPPacketWriter.trailerRoom)
    }
}
