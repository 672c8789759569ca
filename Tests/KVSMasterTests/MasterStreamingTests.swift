import Foundation
import KVSMaster
import Media
import Streaming
import TestSupport
import Testing

/// Media end to end: the master streams to aiortc viewers that decode what they receive.
@Suite(.serialized) struct MasterStreamingTests {
    /// An H.264 Annex-B stream (640×480, 30 fps, a keyframe every `keyInterval` frames) made by
    /// GStreamer's test source with `pattern`.
    static func makeH264Stream(frames: Int = 300, bitrate: Int = 2000, pattern: String = "ball", keyInterval: Int = 60) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-h264-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("stream.h264")
        let result = try ScriptProcess.run(
            "/usr/bin/gst-launch-1.0",
            [
                "-q", "videotestsrc", "num-buffers=\(frames)", "pattern=\(pattern)", "!",
                "video/x-raw,width=640,height=480,framerate=30/1", "!", "x264enc", "tune=zerolatency",
                "speed-preset=ultrafast", "key-int-max=\(keyInterval)", "bitrate=\(bitrate)", "!",
                "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au", "!",
                "filesink", "location=\(file.path)",
            ])
        guard result.status == 0 else {
            throw EmulatorProcess.Failure(
                description: "gst-launch-1.0 could not make the test stream (gstreamer1.0-tools, -plugins-ugly): \(result.stderr)")
        }
        return file
    }

    #if KVS_GSTREAMER
        /// The issue's acceptance run: GStreamer's test source (640×480 H.264 at 30 fps, Opus)
        /// to three aiortc viewers at once; one of them sends audio back.
        @Test func threeViewersDecodeTheStreamAndOneSendsAudio() throws {
            let source = try GStreamerSource(
                GStreamerSource.Settings(kind: .testsrc, videoCodec: .h264, audioCodec: .opus, width: 640, height: 480, frameRate: 30))
            let harness = try MasterHarness(source: source)
            defer { harness.stop() }
            #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
            let duration = 10.0
            let viewers = try (1...3).map { index in
                try harness.startViewer(
                    "viewer-\(index)",
                    arguments: ["--duration", "\(duration)", "--messages", "3", "--hold"] + (index == 1 ? ["--send-audio"] : []))
            }
            for viewer in viewers {
                let done = try #require(viewer.waitDone(timeout: .seconds(60)), "\(viewer.clientId) did not finish:\n\(viewer.stderrText)")
                let decoded = done.int("video")
                print(
                    "\(viewer.clientId): decoded \(decoded) video frames and \(done.int("audio")) audio frames in \(duration) s, "
                        + "largest gap \(done.double("maxGap")) s, \(done.int("replies")) data-channel replies")
                #expect(Double(decoded) >= 0.9 * 30 * duration, "\(viewer.clientId) decoded only \(decoded) frames")
                #expect(done.int("width") == 640 && done.int("height") == 480)
                #expect(done.int("audio") >= Int(duration * 40), "\(viewer.clientId) decoded \(done.int("audio")) audio frames")
                #expect(done.int("replies") == 3)
            }
            let counters = harness.master.inspect { $0.mediaCounters }
            let received = harness.master.inspect { $0.mediaStatistics(of: .viewer("viewer-1"))?.audioReceived?.packetsReceived } ?? 0
            print("the master received \(received) audio packets from viewer-1 (\(counters.audioFramesReceived) frames in all)")
            #expect(received > 100)
            #expect(harness.master.inspect { $0.mediaStatistics(of: .viewer("viewer-2"))?.audioReceived?.packetsReceived ?? 0 } == 0)
            for viewer in viewers { viewer.process.send("close") }
            let latencies = harness.master.inspect { $0.firstPacketLatencyList }
            print("offer → first video packet: \(latencies.map { "\(Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) ms" })")
            #expect(latencies.count == 3)
        }
    #endif

    static func annexBSource() throws -> (AnnexBStreamSource, URL) {
        let stream = try makeH264Stream()
        return (try AnnexBStreamSource(input: .file(path: stream.path, loop: true), codec: .h264, frameRate: 30), stream)
    }

    @Test func goAwayKeepsConnectedViewersStreamingAndNewViewersJoinAfterwards() throws {
        let (source, stream) = try Self.annexBSource()
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        let harness = try MasterHarness(source: source)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let first = try harness.startViewer("before", arguments: ["--duration", "12"])
        #expect(first.wait(timeout: .seconds(30)) { $0["event"] as? String == "stats" && $0.int("video") >= 60 } != nil,
            "the first viewer did not start decoding:\n\(first.stderrText)")
        try harness.emulator.admin("POST", "/master/go-away")
        #expect(poll(timeout: .seconds(20)) { harness.client.snapshot.metrics.numberOfReconnects >= 1 && harness.waitConnected(timeout: .zero) },
            "the master did not reconnect after GO_AWAY:\n\(harness.logText)")
        let second = try harness.startViewer("after", arguments: ["--duration", "3"])
        let afterDone = try #require(second.waitDone(timeout: .seconds(40)), "the viewer after GO_AWAY did not finish:\n\(second.stderrText)")
        #expect(afterDone.int("video") >= 60, "the viewer after GO_AWAY decoded \(afterDone.int("video")) frames")
        let firstDone = try #require(first.waitDone(timeout: .seconds(40)), "the first viewer did not finish:\n\(first.stderrText)")
        print("GO_AWAY: the connected viewer decoded \(firstDone.int("video")) frames, largest gap \(firstDone.double("maxGap")) s")
        #expect(firstDone.double("maxGap") < 1.0, "a gap of \(firstDone.double("maxGap")) s in the connected viewer's video")
        #expect(Double(firstDone.int("video")) >= 0.9 * 30 * 12)
    }

    @Test func lossOnOneViewerIsRepairedByRetransmissionsAndLeavesTheOtherAlone() throws {
        let (source, stream) = try Self.annexBSource()
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        let harness = try MasterHarness(source: source)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let lossy = try harness.startViewer("lossy", arguments: ["--duration", "10", "--loss", "0.05", "--hold"])
        let clean = try harness.startViewer("clean", arguments: ["--duration", "10", "--hold"])
        // Mid-stream, a malformed offer from a third client: no answer, a log line, and the two
        // viewers keep streaming (the clean one's largest gap is checked below).
        #expect(clean.wait(timeout: .seconds(30)) { $0["event"] as? String == "stats" && $0.int("video") >= 30 } != nil)
        try MasterLimitsTests.offer(harness, from: "garbage", sdp: "v=0\r\nthis is not SDP")
        #expect(poll(timeout: .seconds(5)) { harness.log.contains("malformed SDP offer from viewer garbage") })
        let lossyDone = try #require(lossy.waitDone(timeout: .seconds(60)), "lossy viewer:\n\(lossy.stderrText)")
        let cleanDone = try #require(clean.waitDone(timeout: .seconds(60)), "clean viewer:\n\(clean.stderrText)")
        let lossyStats = try #require(harness.master.inspect { $0.mediaStatistics(of: .viewer("lossy")) }?.video)
        let cleanStats = try #require(harness.master.inspect { $0.mediaStatistics(of: .viewer("clean")) }?.video)
        lossy.process.send("close")
        clean.process.send("close")
        print(
            "5 % loss: lossy viewer dropped \(lossyDone.int("rtpDropped")) packets, decoded \(lossyDone.int("video")) frames; "
                + "master got \(lossyStats.nackCount) NACKs and retransmitted \(lossyStats.retransmittedPacketsSent) packets; "
                + "clean viewer decoded \(cleanDone.int("video")) frames (NACKs \(cleanStats.nackCount))")
        #expect(lossyDone.int("rtpDropped") > 0)
        #expect(lossyStats.nackCount > 0)
        #expect(lossyStats.retransmittedPacketsSent > 0)
        #expect(lossyDone.int("video") > 0)
        #expect(Double(cleanDone.int("video")) >= 0.9 * 30 * 10)
        #expect(cleanStats.retransmittedPacketsSent == 0)
        #expect(cleanDone.double("maxGap") < 1.0)
        #expect(try MasterLimitsTests.answers(harness, to: "garbage", timeout: 0.5) == 0)
    }

    @Test func aViewerThatVanishesIsFreedWhenConsentExpires() throws {
        let (source, stream) = try Self.annexBSource()
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        let harness = try MasterHarness(source: source)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let viewer = try harness.startViewer("ghost", arguments: ["--duration", "2", "--silent-exit"])
        #expect(viewer.waitDone(timeout: .seconds(40)) != nil, "viewer:\n\(viewer.stderrText)")
        let vanished = ContinuousClock.now
        #expect(harness.master.inspect { $0.viewerCount } == 1)
        #expect(poll(timeout: .seconds(40)) { harness.master.inspect { $0.viewerCount } == 0 },
            "the vanished viewer's session was not freed:\n\(harness.logText)")
        let freedAfter = ContinuousClock.now - vanished
        print("a vanished viewer was freed \(freedAfter) after it went silent")
        #expect(freedAfter <= .seconds(35))
    }
}
