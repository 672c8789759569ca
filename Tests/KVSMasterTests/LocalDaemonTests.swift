import Foundation
import Glibc
import TestSupport
import Testing

/// The built kvsmaster (this build, with GStreamer) run as `kvsmaster demo --local` with no AWS
/// settings at all: it prints the URL to open, streams the GStreamer test source to an aiortc
/// viewer through its own signaling, and stops on SIGTERM.
@Suite(.serialized) struct LocalDaemonTests {
    static var binary: String {
        ViewerProcess.repositoryRoot.appendingPathComponent(".build/debug/kvsmaster").path
    }

    @Test func demoLocalStreamsWithoutCredentials() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw EmulatorProcess.Failure(description: "\(Self.binary) is missing: build it with `swift build --build-tests`")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-local-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // No credentials, no region, no endpoints: only what a shell needs.
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path]
        environment["AWS_KVS_LOG_LEVEL"] = "3"
        let daemon = try ScriptProcess(
            executable: Self.binary, arguments: ["demo", "--local", "--listen", "127.0.0.1:0", "--mode", "video-only"],
            stderrFile: directory.appendingPathComponent("daemon.stderr"), environment: environment)
        defer { daemon.stop(grace: .seconds(3)) }
        let line = try #require(daemon.lines.next(timeout: .seconds(20)), "no URL printed:\n\(daemon.stderrText)")
        #expect(line.hasPrefix("kvsmaster: local mode (no AWS): open http://127.0.0.1:"), "\(line)")
        let port = try #require(
            line.range(of: "http://127.0.0.1:").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }, "no port in \(line)")
        #expect(port > 0)
        let script = ViewerProcess.repositoryRoot.appendingPathComponent("Tests/Support/Local/local_viewer.py").path
        let viewer = try ScriptProcess(
            executable: ViewerProcess.python, arguments: [script, "view", "--port", String(port), "--frames", "60", "--timeout", "30"],
            stderrFile: directory.appendingPathComponent("viewer.stderr"))
        defer { viewer.stop(grace: .seconds(2)) }
        var done: [String: Any]?
        while done == nil, let text = viewer.lines.next(timeout: .seconds(45)) {
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            if object?["event"] as? String == "done" { done = object }
        }
        let result = try #require(done, "the viewer did not finish:\n\(viewer.stderrText)\ndaemon:\n\(daemon.stderrText.suffix(3000))")
        print("kvsmaster demo --local: the aiortc viewer decoded \(result.int("video")) frames")
        #expect(result.int("video") >= 60, "decoded \(result.int("video")) frames:\n\(daemon.stderrText.suffix(3000))")
        #expect(result.int("replies") == 3)
        kill(daemon.pid, SIGTERM)
        #expect(daemon.waitForExit(limit: .seconds(5)), "the daemon did not exit after SIGTERM")
        #expect(daemon.process.terminationStatus == 0)
        let log = daemon.stderrText
        #expect(log.contains("local mode for channel demo: viewer page on 127.0.0.1 port \(port)"))
        #expect(!log.contains("credential") && !log.contains("DescribeSignalingChannel"), "\(log.suffix(3000))")
    }
}
