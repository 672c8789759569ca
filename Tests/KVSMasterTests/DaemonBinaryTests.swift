import Foundation
import Glibc
import Media
import TestSupport
import Testing

/// The kvsmaster executable built WITHOUT the GStreamer trait (`.build-nogst`, what the static
/// camera binary is), run as a process against the emulator: it streams from sample frames and
/// from an Annex-B FIFO to an aiortc viewer, and stops gracefully on SIGTERM.
@Suite(.serialized) struct DaemonBinaryTests {
    static var binary: String {
        ViewerProcess.repositoryRoot.appendingPathComponent(".build-nogst/debug/kvsmaster").path
    }

    /// Runs the daemon with `arguments` against `emulator`.
    static func startDaemon(
        _ emulator: EmulatorProcess, _ arguments: [String], directory: URL, binary: String = DaemonBinaryTests.binary
    ) throws -> ScriptProcess {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw EmulatorProcess.Failure(
                description: "\(binary) is missing: build it with `swift build --disable-default-traits --scratch-path .build-nogst "
                    + "--product kvsmaster` (scripts/test.sh does)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["CONTROL_PLANE_URI"] = emulator.info.controlPlaneEndpoint
        environment["AWS_KVS_CACERT_PATH"] = emulator.info.caCertificate
        environment["AWS_DEFAULT_REGION"] = emulator.info.region
        environment["AWS_ACCESS_KEY_ID"] = MasterHarness.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = MasterHarness.secretKey
        environment["KVSMASTER_ICE_ADDRESSES"] = "127.0.0.1"
        environment["AWS_KVS_LOG_LEVEL"] = "3"
        environment["STATE_DIRECTORY"] = directory.path
        if let turn = emulator.info.turn { environment["KVS_STUN_URI"] = "stun:127.0.0.1:\(turn.port)" }
        return try ScriptProcess(
            executable: binary, arguments: arguments, stderrFile: directory.appendingPathComponent("daemon.stderr"),
            environment: environment)
    }

    /// Waits for the daemon's statistics line that says signaling is connected (it needs
    /// `--stats-interval`); fails the test with the daemon's log when it does not come.
    static func requireSignalingConnected(_ daemon: ScriptProcess, timeout: Duration = .seconds(20)) throws {
        try #require(
            poll(timeout: timeout) { daemon.stderrText.contains("signaling: connected") },
            "the daemon did not connect to signaling:\n\(daemon.stderrText.suffix(3000))")
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// One viewer decodes ≥ 2 s of video from the running daemon, then SIGTERM stops the daemon.
    static func expectStreamsThenStops(_ daemon: ScriptProcess, _ emulator: EmulatorProcess) throws {
        let viewer = try ViewerProcess(
            adminURL: emulator.info.adminURL, clientId: "viewer", arguments: ["--duration", "3", "--hold", "--messages", "2"])
        defer { viewer.stop() }
        let done = try #require(viewer.waitDone(timeout: .seconds(60)), "viewer:\n\(viewer.stderrText)\ndaemon:\n\(daemon.stderrText)")
        print("no-GStreamer daemon: the viewer decoded \(done.int("video")) frames in 3 s")
        #expect(done.int("video") >= 60, "decoded \(done.int("video")) frames:\n\(daemon.stderrText.suffix(3000))")
        #expect(done.int("replies") == 2)
        // --data-channel-stdout: each message is a line on stdout.
        #expect(daemon.lines.next(timeout: .seconds(5)) == "viewer: hello 0 from viewer")
        #expect(daemon.lines.next(timeout: .seconds(5)) == "viewer: hello 1 from viewer")
        // --stats-interval 1: one compact line per viewer, plus the signaling metrics.
        #expect(poll(timeout: .seconds(5)) { daemon.stderrText.contains("viewer viewer: connected, pair host->host") },
            "no statistics line:\n\(daemon.stderrText.suffix(2000))")
        #expect(daemon.stderrText.contains("signaling: connected"))
        // SIGUSR1: the full statistics.
        kill(daemon.pid, SIGUSR1)
        #expect(poll(timeout: .seconds(5)) { daemon.stderrText.contains("statistics of 1 viewer session(s)") },
            "SIGUSR1 dumped nothing:\n\(daemon.stderrText.suffix(2000))")
        let stopping = ContinuousClock.now
        kill(daemon.pid, SIGTERM)
        #expect(daemon.waitForExit(limit: .seconds(5)), "the daemon did not exit after SIGTERM")
        print("no-GStreamer daemon: exited \(ContinuousClock.now - stopping) after SIGTERM with a viewer connected")
        #expect(daemon.process.terminationStatus == 0)
        #expect(daemon.stderrText.contains("SIGTERM received: stopping"))
        #expect(!daemon.stderrText.contains(MasterHarness.secretKey))
    }

    /// 90 H.264 frames (320×240, a keyframe every 30) as one file each, like the C SDK's
    /// h264SampleFrames, made by GStreamer.
    static func makeSampleFrames(in directory: URL) throws -> URL {
        let frames = directory.appendingPathComponent("h264SampleFrames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let made = try ScriptProcess.run(
            "/usr/bin/gst-launch-1.0",
            [
                "-q", "videotestsrc", "num-buffers=90", "!", "video/x-raw,width=320,height=240,framerate=30/1", "!",
                "x264enc", "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=30", "!",
                "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au", "!",
                "multifilesink", "location=\(frames.path)/frame-%04d.h264",
            ])
        #expect(made.status == 0, "gst-launch-1.0 could not make sample frames: \(made.stderr)")
        return frames
    }

    @Test func streamsSampleFramesAndStopsOnSIGTERM() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frames = try Self.makeSampleFrames(in: directory)
        let emulator = try EmulatorProcess(arguments: ["--channel", "camera"])
        defer { emulator.stop() }
        let daemon = try Self.startDaemon(
            emulator, [
                "camera", "video-only", "--sample-frames", frames.path, "--fps", "30", "--data-channel-stdout",
                "--stats-interval", "1",
            ], directory: directory)
        defer { daemon.stop(grace: .seconds(3)) }
        try Self.expectStreamsThenStops(daemon, emulator)
    }

    @Test func streamsAnAnnexBFIFO() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stream = try MasterStreamingTests.makeH264Stream(frames: 150, bitrate: 1000)
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        var splitter = AccessUnitSplitter(codec: .h264)
        var units = try splitter.push(Array(Data(contentsOf: stream))) + splitter.finish()
        units = units.filter { if case .accessUnit = $0 { true } else { false } }
        let accessUnits = units.compactMap { output -> [UInt8]? in
            if case .accessUnit(let unit) = output { return unit.bytes }
            return nil
        }
        #expect(accessUnits.count == 150)
        let fifo = directory.appendingPathComponent("video.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let emulator = try EmulatorProcess(arguments: ["--channel", "camera"])
        defer { emulator.stop() }
        let daemon = try Self.startDaemon(
            emulator, [
                "camera", "video-only", "--annexb", fifo, "--fps", "30", "--data-channel-stdout", "--stats-interval", "1",
            ], directory: directory)
        defer { daemon.stop(grace: .seconds(3)) }
        // A vendor encoder's stand-in: one access unit every 33 ms into the FIFO, looping.
        let writer = FIFOWriter(path: fifo, accessUnits: accessUnits)
        writer.start()
        defer { writer.stop() }
        try Self.expectStreamsThenStops(daemon, emulator)
    }
}

/// Writes access units into a FIFO at 30 per second on a thread of its own until stopped.
final class FIFOWriter: @unchecked Sendable {
    let path: String
    let accessUnits: [[UInt8]]
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)

    init(path: String, accessUnits: [[UInt8]]) {
        self.path = path
        self.accessUnits = accessUnits
    }

    func start() {
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            // O_RDWR never blocks on a FIFO without a reader and keeps it open across readers.
            let fd = open(path, O_RDWR)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var index = 0
            while !stopped.value {
                let unit = accessUnits[index % accessUnits.count]
                _ = unit.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                index += 1
                Thread.sleep(forTimeInterval: 1.0 / 30)
            }
        }
    }

    func stop() {
        stopped.update { $0 = true }
        _ = finished.wait(timeout: .now() + 2)
    }
}
