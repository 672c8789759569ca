import Media
import RTP
import Streaming
import Testing
import WireKit

/// Packetize once, copy per viewer: payload types, gating, keyframe start, parameter sets,
/// retransmission (RFC 4585 §6.2.1, RFC 4588 §4), keyframe requests.
@Suite struct FanoutMediaTests {
    @Test func viewersShareSequenceNumbersAndGetTheirOwnPayloadType() throws {
        var fanout = Fixture.ready(["a"])
        fanout.addViewer("b", media: Fixture.media(videoPT: 102, rtxPT: nil), now: .zero)
        fanout.viewerTransportReady("b", now: .zero)
        _ = fanout.takeOutputs()
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        fanout.push(Fixture.delta(at: 40), now: Fixture.ms(40))
        let out = Drained(&fanout)
        let a = out.rtp(for: "a"), b = out.rtp(for: "b")
        #expect(a.count == 3 && b.count == 3)
        let seq0 = try #require(a.first).header.sequenceNumber
        let ts0 = try #require(a.first).header.timestamp
        #expect(a.map(\.header.sequenceNumber) == [seq0, seq0 &+ 1, seq0 &+ 2])
        #expect(a.map(\.header.timestamp) == [ts0, ts0, ts0 &+ 3600])
        #expect(a.map(\.header.marker) == [false, true, true])
        #expect(a.map(\.header.payloadType) == [108, 108, 108])
        #expect(b.map(\.header.payloadType) == [102, 102, 102])
        #expect(a.map(\.header.ssrc) == Array(repeating: Fixture.videoSSRC, count: 3))
        // Same packets, only the payload type differs.
        for (pa, pb) in zip(a, b) {
            #expect(pa.header.sequenceNumber == pb.header.sequenceNumber && pa.payload == pb.payload)
        }
        // STAP-A with SPS and PPS (RFC 6184 §5.7.1), then the IDR as a single NAL unit packet.
        #expect(Array(a[0].payload) == [0x78, 0, 7] + Fixture.sps + [0, 4] + Fixture.pps)
        #expect(Array(a[1].payload) == Fixture.idr())
        let stats = try #require(fanout.stats(for: "a")?.video)
        #expect(stats.packetsSent == 3 && stats.framesSent == 2)
        #expect(stats.bytesSent == UInt64(a.reduce(0) { $0 + $1.payload.count }))
    }

    @Test func gatedUntilTransportThenStartsOnAKeyframe() throws {
        var fanout = MediaFanout<String>(Fixture.configuration())
        fanout.addViewer("a", media: Fixture.media(), now: .zero)
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        fanout.push(Fixture.opus(at: 0), now: .zero)
        var out = Drained(&fanout)
        #expect(out.rtp.isEmpty && out.keyframeRequests == 0)

        fanout.viewerTransportReady("a", now: Fixture.ms(10))
        out = Drained(&fanout)
        #expect(out.keyframeRequests == 1)  // the viewer must start on a keyframe

        fanout.push(Fixture.delta(at: 40), now: Fixture.ms(40))
        fanout.push(Fixture.opus(at: 40), now: Fixture.ms(40))
        out = Drained(&fanout)
        // The delta frame is skipped; audio already flows; the request is rate-limited.
        #expect(out.rtp(for: "a").map(\.header.ssrc) == [Fixture.audioSSRC])
        #expect(out.keyframeRequests == 0)
        #expect(fanout.pollTimeout() == Fixture.ms(510))
        fanout.handleTimeout(now: Fixture.ms(510))
        #expect(Drained(&fanout).keyframeRequests == 1)

        fanout.push(Fixture.keyframe(at: 520), now: Fixture.ms(520))
        fanout.push(Fixture.delta(at: 560), now: Fixture.ms(560))
        out = Drained(&fanout)
        #expect(out.rtp(for: "a").count == 3)
        #expect(try #require(out.rtp(for: "a").first).header.payloadType == 108)
        #expect(fanout.stats(for: "a")?.video?.framesSent == 2)
    }

    @Test func parameterSetsPutInFrontOfAnIDRThatLacksThem() throws {
        var fanout = Fixture.ready(["early"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        fanout.push(Fixture.delta(at: 40), now: Fixture.ms(40))
        fanout.addViewer("late", media: Fixture.media(), now: Fixture.ms(50))
        fanout.viewerTransportReady("late", now: Fixture.ms(50))
        _ = Drained(&fanout)
        fanout.push(Fixture.keyframe(at: 1000, withParameterSets: false), now: Fixture.ms(1000))
        let late = Drained(&fanout).rtp(for: "late")
        #expect(late.count == 2)
        var depacketizer = H264Depacketizer()
        var frames: [DepacketizedFrame] = []
        for packet in late { if let f = depacketizer.push(packet) { frames.append(f) } }
        #expect(frames.map(\.data) == [AnnexB.join([Fixture.sps, Fixture.pps, Fixture.idr()])])
        #expect(fanout.parameterSetInjections == 1)
    }

    /// RFC 4588 §4: RTX header = original with the RTX payload type, the viewer's RTX sequence
    /// number and the RTX SSRC; payload = original sequence number (OSN) + original payload.
    @Test func nackAnsweredWithRTX() throws {
        var fanout = Fixture.ready(["a"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        fanout.push(Fixture.delta(at: 40), now: Fixture.ms(40))
        let sent = Drained(&fanout).rtp.map(\.bytes)
        let lost = sent[1].readU16(at: 2)
        let nack = RTCPPacket.compound([
            .nack(RTCPGenericNACK(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC, lostSequenceNumbers: [lost, lost &+ 1]))
        ])
        fanout.handleRTCP("a", nack, now: Fixture.ms(60))
        let rtx = Drained(&fanout).rtp.map(\.bytes)
        #expect(rtx.count == 2)
        let rtxSeq0 = rtx[0].readU16(at: 2)
        for (k, original) in sent[1...2].enumerated() {
            var expected: [UInt8] = [0x80, (original[1] & 0x80) | 109]
            expected += [UInt8((rtxSeq0 &+ UInt16(k)) >> 8), UInt8((rtxSeq0 &+ UInt16(k)) & 0xFF)]
            expected += original[4..<8]  // timestamp
            expected += [0x22, 0x22, 0x22, 0x22]  // RTX SSRC
            expected += original[2..<4]  // OSN
            expected += original[12...]
            #expect(rtx[k] == expected)
        }
        let stats = try #require(fanout.stats(for: "a")?.video)
        #expect(stats.nackCount == 1 && stats.retransmittedPacketsSent == 2)
        #expect(stats.retransmittedBytesSent == UInt64(sent[1].count + sent[2].count - 24))
    }

    @Test func nackWithoutRTXResendsTheOriginal() throws {
        var fanout = Fixture.ready(["a"], media: Fixture.media(videoPT: 101, rtxPT: nil))
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        let sent = Drained(&fanout).rtp.map(\.bytes)
        let nack = RTCPPacket.compound([
            .nack(RTCPGenericNACK(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC, lostSequenceNumbers: [sent[0].readU16(at: 2)]))
        ])
        fanout.handleRTCP("a", nack, now: Fixture.ms(20))
        #expect(Drained(&fanout).rtp.map(\.bytes) == [sent[0]])
    }

    @Test func cacheForgetsOldAndOverwrittenPackets() throws {
        var fanout = Fixture.ready(["a"], configuration: Fixture.configuration(cacheCapacity: 4))
        fanout.push(Fixture.keyframe(at: 0, withParameterSets: false), now: .zero)
        for k in 1...5 { fanout.push(Fixture.delta(at: Int64(k) * 40), now: Fixture.ms(Int64(k) * 40)) }
        let seqs = Drained(&fanout).rtp.map { $0.bytes.readU16(at: 2) }
        #expect(seqs.count == 6)
        func nack(_ seq: UInt16, at ms: Int64) -> Int {
            fanout.handleRTCP(
                "a", RTCPPacket.compound([.nack(.init(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC, lostSequenceNumbers: [seq]))]),
                now: Fixture.ms(ms))
            return Drained(&fanout).rtp.count
        }
        #expect(nack(seqs[0], at: 210) == 0)  // overwritten by a packet 4 later
        #expect(nack(seqs[1], at: 210) == 0)
        #expect(nack(seqs[2], at: 210) == 1)
        #expect(nack(seqs[5], at: 1200) == 1)  // sent at 200 ms: 1 s old exactly
        #expect(nack(seqs[5], at: 1201) == 0)  // too old
        #expect(fanout.retransmissionCacheBytes > 0)
    }

    @Test func pliAndFirAreRateLimitedAndDeduplicated() throws {
        var fanout = Fixture.ready(["a", "b"])
        _ = fanout.pollTimeout()
        let pli = RTCPPacket.compound([.pli(.init(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC))])
        // Transport-ready asked for one at t=0; PLIs at 100 ms and 200 ms from two viewers wait.
        fanout.handleRTCP("a", pli, now: Fixture.ms(100))
        fanout.handleRTCP("b", pli, now: Fixture.ms(200))
        #expect(Drained(&fanout).keyframeRequests == 0)
        fanout.handleTimeout(now: Fixture.ms(499))
        #expect(Drained(&fanout).keyframeRequests == 0)
        fanout.handleTimeout(now: Fixture.ms(500))
        #expect(Drained(&fanout).keyframeRequests == 1)
        fanout.handleRTCP("a", pli, now: Fixture.ms(1100))
        #expect(Drained(&fanout).keyframeRequests == 1)
        // A PLI for another SSRC is not ours.
        fanout.handleRTCP("a", RTCPPacket.compound([.pli(.init(senderSSRC: 9, mediaSSRC: 5))]), now: Fixture.ms(3000))
        #expect(Drained(&fanout).keyframeRequests == 0)

        func fir(_ seq: UInt8, at ms: Int64) -> Int {
            let packet = RTCPPacket.compound([
                .fir(RTCPFullIntraRequest(senderSSRC: 9, mediaSSRC: 0, entries: [.init(ssrc: Fixture.videoSSRC, sequenceNumber: seq)]))
            ])
            fanout.handleRTCP("a", packet, now: Fixture.ms(ms))
            return Drained(&fanout).keyframeRequests
        }
        #expect(fir(1, at: 5000) == 1)
        #expect(fir(1, at: 6000) == 0)  // a repeat of the same request
        #expect(fir(2, at: 7000) == 1)
        let stats = try #require(fanout.stats(for: "a")?.video)
        #expect(stats.pliCount == 2 && stats.firCount == 3)
        #expect(fanout.stats(for: "b")?.video?.pliCount == 1)
    }

    @Test func removedViewerIsForgotten() throws {
        var fanout = Fixture.ready(["a", "b", "c"])
        fanout.removeViewer("b")
        #expect(fanout.viewerCount == 2)
        #expect(fanout.stats(for: "b") == nil)
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        let out = Drained(&fanout)
        #expect(Set(out.rtp.map(\.viewer)) == ["a", "c"])
        fanout.handleRTCP("b", [0x80, 0xC9, 0, 1, 0, 0, 0, 1], now: .zero)
        fanout.handleRTP("b", [0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1], now: .zero)
        #expect(fanout.unknownViewerInputs == 2)
        fanout.removeViewer("a")
        fanout.removeViewer("c")
        #expect(fanout.viewerCount == 0 && fanout.pollTimeout() == nil)
    }
}

/// The per-packet path: a polled packet is the caller's alone, with room for the SRTP tag, so
/// protecting it in place neither copies nor reallocates.
@Suite struct FanoutHandOverTests {
    @Test func polledPacketsAreUnsharedWithRoomForTheTag() throws {
        var fanout = Fixture.ready(["a", "b"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        var handedOver = 0
        while let output = fanout.pollOutput() {
            guard case .rtp(_, var packet) = consume output else { continue }
            let before = packet.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            #expect(packet.capacity >= packet.count + 10, "no room for a 10-byte SRTP tag")
            // What SRTP does: rewrite bytes and append the tag. Unshared storage stays put.
            packet[packet.count - 1] ^= 0xFF
            packet.append(contentsOf: [UInt8](repeating: 0, count: 10))
            let after = packet.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            #expect(before == after, "the packet was copied on write: the fan-out kept a reference")
            handedOver += 1
        }
        #expect(handedOver >= 2)
    }
}
