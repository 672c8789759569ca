import Media
import RTP
import Streaming
import Testing
import WireKit

/// Reports (RFC 3550 §6.4), remote-inbound stats and RTT, bitrate adaptation, the viewer's
/// audio, and robustness against malformed RTCP/RTP.
@Suite struct FanoutRTCPTests {
    static func ntp(_ ms: Int64) -> NTPTimestamp {
        NTPTimestamp(unixNanoseconds: Fixture.unixTimeAtZero + ms * 1_000_000)
    }

    static func audioPacket(seq: UInt16, timestamp: UInt32, payload: [UInt8], pt: UInt8 = 111) -> [UInt8] {
        let header = RTPHeader(payloadType: pt, sequenceNumber: seq, timestamp: timestamp, ssrc: Fixture.viewerAudioSSRC)
        return (try? RTPPacket(header: header, payload: payload).serialized()) ?? []
    }

    @Test func senderReportCarriesTheViewersCountsAndTheNTPToRTPMapping() throws {
        var fanout = Fixture.ready(["a"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        fanout.push(Fixture.opus(at: 0), now: .zero)
        fanout.push(Fixture.opus(at: 20), now: Fixture.ms(20))
        fanout.push(Fixture.delta(at: 40), now: Fixture.ms(40))
        let sent = Drained(&fanout).rtp(for: "a")
        let video = sent.filter { $0.header.ssrc == Fixture.videoSSRC }
        let audio = sent.filter { $0.header.ssrc == Fixture.audioSSRC }
        // The viewer's audio: seq 10, 11, 13 (12 lost), timestamps in step with arrival.
        for seq: UInt16 in [10, 11, 13] {
            let k = Int64(seq - 10)
            fanout.handleRTP("a", Self.audioPacket(seq: seq, timestamp: UInt32(960 * k), payload: [1, 2]), now: Fixture.ms(20 * k))
        }
        let viewerSR = RTCPSenderReport(
            ssrc: Fixture.viewerAudioSSRC, ntpTimestamp: NTPTimestamp(seconds: 0x1234_5678, fraction: 0x9ABC_DEF0),
            rtpTimestamp: 0, packetCount: 3, octetCount: 6)
        fanout.handleRTCP("a", RTCPPacket.compound([.senderReport(viewerSR)]), now: Fixture.ms(100))
        _ = Drained(&fanout)

        let at = try #require(fanout.pollTimeout())
        #expect(at >= Fixture.ms(500) && at <= Fixture.ms(1500))
        fanout.handleTimeout(now: at)
        let out = Drained(&fanout)
        #expect(out.rtcp.count == 1)
        let packets = try RTCPCompound.parse(try #require(out.rtcp.first).bytes)
        let atMS = at.nanoseconds / 1_000_000
        let sinceVideo = UInt32((at.nanoseconds - 40_000_000) * 90 / 1_000_000)
        let sinceAudio = UInt32((at.nanoseconds - 20_000_000) * 48 / 1_000_000)
        let expectedBlock = RTCPReportBlock(
            ssrc: Fixture.viewerAudioSSRC, fractionLost: 64, cumulativeLost: 1, extendedHighestSequence: 13,
            jitter: 0, lastSenderReport: 0x5678_9ABC,
            delaySinceLastSenderReport: NTPTimestamp.compactDuration(nanoseconds: (atMS - 100) * 1_000_000))
        #expect(
            packets == [
                .senderReport(
                    RTCPSenderReport(
                        ssrc: Fixture.videoSSRC, ntpTimestamp: Self.ntp(atMS),
                        rtpTimestamp: video[2].header.timestamp &+ sinceVideo, packetCount: 3,
                        octetCount: UInt32(video.reduce(0) { $0 + $1.payload.count }), reportBlocks: [expectedBlock])),
                .senderReport(
                    RTCPSenderReport(
                        ssrc: Fixture.audioSSRC, ntpTimestamp: Self.ntp(atMS),
                        rtpTimestamp: audio[1].header.timestamp &+ sinceAudio, packetCount: 2, octetCount: 8)),
                .sourceDescription(
                    RTCPSourceDescription(chunks: [
                        .init(source: Fixture.videoSSRC, items: [RTCPSDESItem(.cname, text: "camera")]),
                        .init(source: Fixture.audioSSRC, items: [RTCPSDESItem(.cname, text: "camera")]),
                    ])),
            ])
        #expect(audio[1].header.timestamp &- audio[0].header.timestamp == 960)
        let next = try #require(fanout.pollTimeout())
        #expect(next >= at + .milliseconds(500) && next <= at + .milliseconds(1500))
        #expect(fanout.stats(for: "a")?.reportsSent == 1)
    }

    @Test func receiverReportGivesRemoteInboundStatsAndRTT() throws {
        var fanout = Fixture.ready(["a"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        _ = Drained(&fanout)
        let block = RTCPReportBlock(
            ssrc: Fixture.videoSSRC, fractionLost: 25, cumulativeLost: 3, extendedHighestSequence: 100, jitter: 900,
            lastSenderReport: Self.ntp(1000).compact, delaySinceLastSenderReport: 32_768)
        fanout.handleRTCP(
            "a", RTCPPacket.compound([.receiverReport(RTCPReceiverReport(ssrc: 9, reportBlocks: [block]))]),
            now: Fixture.ms(1600))
        let remote = try #require(fanout.stats(for: "a")?.video?.remote)
        // A − LSR − DLSR = 0.6 s (39321/65536) − 0.5 s (32768/65536) in 1/65536 s units.
        #expect(remote.roundTripTime == .nanoseconds(NTPTimestamp.nanoseconds(compact: 39_321 - 32_768)))
        #expect(remote.fractionLost == 25.0 / 256)
        #expect(remote.packetsLost == 3)
        #expect(remote.jitter == 0.01)
        #expect(remote.reportsReceived == 1)
        print("RTT from LSR/DLSR: \(try #require(remote.roundTripTime))")
    }

    @Test func rembStepsTheEncoderTargetToTheWeakestViewer() {
        var fanout = Fixture.ready(["a", "b"])
        func remb(_ viewer: String, _ bitrate: UInt64) -> [Int] {
            let packet = RTCPPacket.compound([
                .remb(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 9, bitrate: bitrate, ssrcs: [Fixture.videoSSRC]))
            ])
            fanout.handleRTCP(viewer, packet, now: .zero)
            return Drained(&fanout).bitrates
        }
        #expect(remb("a", 500_000) == [500_000])
        #expect(remb("b", 400_000) == [400_000])
        #expect(remb("a", 2_000_000) == [])  // a grows 5% to 525 000; b still holds 400 000
        #expect(remb("b", 2_000_000) == [420_000])
        #expect(remb("b", 2_000_000) == [441_000])
        fanout.removeViewer("b")
        #expect(Drained(&fanout).bitrates == [525_000])
        #expect(remb("a", 50_000) == [100_000])  // the configured minimum
        #expect(fanout.stats(for: "a")?.bitrateEstimate == 100_000)
    }

    @Test func lossStepsTheEstimateDownAndUp() {
        var fanout = Fixture.ready(["a"])
        func report(_ fraction: UInt8) -> [Int] {
            let block = RTCPReportBlock(ssrc: Fixture.videoSSRC, fractionLost: fraction)
            fanout.handleRTCP("a", RTCPPacket.compound([.receiverReport(.init(ssrc: 9, reportBlocks: [block]))]), now: .zero)
            return Drained(&fanout).bitrates
        }
        #expect(report(128) == [500_000])  // 50% loss halves it
        #expect(report(0) == [525_000])
        #expect(report(13) == [551_250])  // 5% loss still grows
        #expect(report(64) == [413_438])  // 25% loss
        var last = 0
        for _ in 0..<40 { last = report(0).last ?? last }
        #expect(last == 2_000_000)
        #expect(report(0) == [])
    }

    @Test func viewerAudioIsDepacketizedAndCounted() throws {
        var fanout = Fixture.ready(["a"])
        for (seq, payload) in [(UInt16(10), [UInt8](arrayLiteral: 0xF8, 1)), (11, [0xF8, 2]), (13, [0xF8, 3])] {
            fanout.handleRTP("a", Self.audioPacket(seq: seq, timestamp: UInt32(seq) * 960, payload: payload), now: Fixture.ms(Int64(seq) * 20))
        }
        fanout.handleRTP("a", Self.audioPacket(seq: 14, timestamp: 0, payload: [1], pt: 0), now: Fixture.ms(300))
        fanout.handleRTP("a", [0x12, 0x34], now: Fixture.ms(300))
        let out = Drained(&fanout)
        #expect(out.audio.map(\.bytes) == [[0xF8, 1], [0xF8, 2], [0xF8, 3]])
        #expect(out.audio.allSatisfy { $0.viewer == "a" && $0.codec == .opus })
        let stats = try #require(fanout.stats(for: "a"))
        let received = try #require(stats.audioReceived)
        #expect(received.packetsReceived == 3 && received.bytesReceived == 6 && received.packetsLost == 1)
        #expect(received.framesDecoded == 3 && received.ssrc == Fixture.viewerAudioSSRC && received.jitter == 0)
        #expect(stats.droppedRTP == 2)

        // Without viewer audio negotiated, its RTP is dropped and counted.
        var quiet = Fixture.ready(["q"], media: Fixture.media(audioIn: false))
        quiet.handleRTP("q", Self.audioPacket(seq: 1, timestamp: 0, payload: [1]), now: .zero)
        #expect(Drained(&quiet).audio.isEmpty)
        #expect(quiet.stats(for: "q")?.droppedRTP == 1)
    }

    /// Mutated and random datagrams into handleRTCP/handleRTP: nothing traps, and the fan-out
    /// still streams afterwards.
    @Test func fuzzedRTCPAndRTPNeverTrap() throws {
        var fanout = Fixture.ready(["a", "b"])
        fanout.push(Fixture.keyframe(at: 0), now: .zero)
        let seq = try #require(Drained(&fanout).rtp.first).bytes.readU16(at: 2)
        let seeds: [[UInt8]] = [
            RTCPPacket.compound([
                .senderReport(.init(ssrc: 777, ntpTimestamp: Self.ntp(5), rtpTimestamp: 1, packetCount: 1, octetCount: 1,
                                    reportBlocks: [.init(ssrc: Fixture.videoSSRC, fractionLost: 10, lastSenderReport: 5)])),
                .sourceDescription(.init(source: 777, cname: "viewer")),
            ]),
            RTCPPacket.compound([
                .receiverReport(.init(ssrc: 9, reportBlocks: [.init(ssrc: Fixture.audioSSRC, jitter: 5)])),
                .nack(.init(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC, entries: [.init(packetID: seq, lostBitmask: 0xFFFF)])),
            ]),
            RTCPPacket.compound([.pli(.init(senderSSRC: 9, mediaSSRC: Fixture.videoSSRC))]),
            RTCPPacket.compound([.fir(.init(senderSSRC: 9, mediaSSRC: 0, entries: [.init(ssrc: Fixture.videoSSRC, sequenceNumber: 3)]))]),
            RTCPPacket.compound([.remb(.init(senderSSRC: 9, bitrate: 300_000, ssrcs: [Fixture.videoSSRC]))]),
            RTCPPacket.compound([.bye(.init(sources: [777]))]),
            Self.audioPacket(seq: 100, timestamp: 4800, payload: [0xF8, 0xFF, 0xFE]),
        ]
        var rng = SplitMix64(seed: 0x5EED)
        var handled = 0
        for iteration in 0..<50_000 {
            var input: [UInt8]
            if iteration % 10 == 0 {
                input = rng.bytes(Int(rng.next() % 80))
            } else {
                input = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(rng.next() % 4)) where !input.isEmpty {
                    let i = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 5 {
                    case 0: input[i] ^= UInt8(1 << (rng.next() % 8))
                    case 1: input[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 2: input.removeSubrange(i...)
                    case 3: input.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                    default: input[i] = [0, 0xFF, 0x7F, 0x80][Int(rng.next() % 4)]
                    }
                }
            }
            let now = Fixture.ms(Int64(iteration))
            let viewer = iteration % 2 == 0 ? "a" : "b"
            if input.count > 1, (200...206).contains(input[1]) {
                fanout.handleRTCP(viewer, input, now: now)
            } else {
                fanout.handleRTP(viewer, input, now: now)
            }
            if iteration % 1000 == 0 { fanout.push(Fixture.keyframe(at: Int64(iteration)), now: now) }
            if let at = fanout.pollTimeout(), at <= now { fanout.handleTimeout(now: now) }
            handled += fanout.takeOutputs().count
        }
        let a = try #require(fanout.stats(for: "a"))
        let b = try #require(fanout.stats(for: "b"))
        print("fuzz: 50000 inputs, \(handled) outputs, malformed RTCP \(a.malformedRTCP + b.malformedRTCP), dropped RTP \(a.droppedRTP + b.droppedRTP)")
        #expect(a.malformedRTCP + b.malformedRTCP > 0)
        #expect(a.droppedRTP + b.droppedRTP > 0)
        fanout.push(Fixture.keyframe(at: 60_000), now: Fixture.ms(60_000))
        #expect(Drained(&fanout).rtp.count == 4)
    }

    /// 10 viewers at 2 Mbit/s, 30 frames/s: prints throughput (no assertion on speed).
    @Test func benchmarkTenViewers() {
        var fanout = Fixture.ready((0..<10).map { "viewer\($0)" })
        let frameBytes = 2_000_000 / 8 / 30
        let frames = 600
        var packets = 0
        let clock = ContinuousClock()
        let start = clock.now
        for k in 0..<frames {
            let ms = Int64(k) * 33
            let frame = k % 60 == 0
                ? Fixture.keyframe(at: ms, size: frameBytes * 3) : Fixture.delta(at: ms, size: frameBytes, fill: UInt8(k & 0x7F))
            fanout.push(frame, now: Fixture.ms(ms))
            packets += fanout.takeOutputs().count
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fan-out benchmark: \(frames) frames to 10 viewers, \(packets) packets in \(elapsed): "
            + "\(Int(Double(frames) / seconds)) frames/s, \(Int(Double(packets) / seconds)) packets/s; "
            + "shared retransmission cache \(fanout.retransmissionCacheBytes) bytes")
        #expect(packets > frames * 10)
    }
}
