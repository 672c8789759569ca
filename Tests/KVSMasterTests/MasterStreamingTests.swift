import Foundation
import KVSMaster
import Media
import Streaming
import TestSupport
import Testing

/// Media end to end: the master streams to aiortc viewers that decode what they receive.
@Suite(.serialized) struct MasterStreamingTests {
    /// An H.264 Annex-B stream (640×480, 30 fps, a keyframe every 2 s) made by GStreamer.
    static func makeH264Stream(frames: Int = 300, bitrate: Int = 2000) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-h264-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("stream.h264")
        let result = try ScriptProcess.run(
            "/usr/bin/gst-launch-1.0",
            [
                "-q", "videotestsrc", "num-buffers=\(frames)", "pattern=ball", "!",
                "video/x-raw,width=640,height=480,framerate=30/1", "!", "x264enc", "tune=zerolatency",
                "speed-preset=ultrafast", "key-int-max=60", "bitrate=\(bitrate)", "!",
                "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au", "!",
                "filesink", "location=\(file.path)",
            ])
        guard result.status == 0 else {
            throw EmulatorProcess.Failure(
                description: "gst-launch-1.0 could not make the test stream (gstreamer1.0-tools, -plugins-ugly): \(result.stderr)")
        }
        return file
    }

    @Test func threeViewersDecodeTheStreamAndOneSendsAudio() throws {
        let stream = try Self.makeH264Stream()
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        let source = try AnnexBStreamSource(input: .file(path: stream.path, loop: true), codec: .h264, frameRate: 30)
        let harness = try MasterHarness(source: source)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let duration = 10.0
        let viewers = try (1...3).map { index in
            try harness.startViewer(
                "viewer-\(index)",
                arguments: ["--duration", "\(duration)", "--messages", "3"] + (index == 1 ? ["--send-audio"] : []))
        }
        for viewer in viewers {
            let done = try #require(viewer.waitDone(timeout: .seconds(60)), "\(viewer.clientId) did not finish:\n\(viewer.stderrText)")
            let decoded = done.int("video")
            print("\(viewer.clientId): decoded \(decoded) frames in \(duration) s, max gap \(done.double("maxGap")) s, replies \(done.int("replies"))")
            #expect(Double(decoded) >= 0.9 * 30 * duration, "\(viewer.clientId) decoded only \(decoded) frames")
            #expect(done.int("width") == 640 && done.int("height") == 480)
            #expect(done.int("replies") == 3)
        }
        let latencies = harness.master.inspect { $0.firstPacketLatencyList }
        print("offer → first video packet: \(latencies.map { "\($0.components.attoseconds / 1_000_000_000_000_000 + $0.components.seconds * 1000) ms" })")
        #expect(latencies.count == 3)
    }
}
