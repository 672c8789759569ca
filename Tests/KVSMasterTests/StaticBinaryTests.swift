import Foundation
import Glibc
import TestSupport
import Testing

/// The fully static kvsmaster that goes onto camera SD cards (`cross/build-static.sh` builds
/// `.build-static/kvsmaster-static.stripped`; scripts/test.sh runs it before the suite): it must be
/// a static executable and stream to an aiortc viewer through the emulator like the dynamic one.
@Suite(.serialized) struct StaticBinaryTests {
    static var binary: String {
        ViewerProcess.repositoryRoot.appendingPathComponent(".build-static/kvsmaster-static.stripped").path
    }

    static func requireBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw EmulatorProcess.Failure(
                description: "\(binary) is missing: build it with `bash cross/build-static.sh` (scripts/test.sh does)")
        }
    }

    @Test func isAStaticExecutable() throws {
        try Self.requireBinary()
        let described = try ScriptProcess.run("/usr/bin/file", ["-b", Self.binary])
        let text = String(decoding: described.stdout, as: UTF8.self)
        #expect(described.status == 0, "file(1) failed (package file): \(described.stderr)")
        #expect(text.contains("statically linked"), "file says: \(text)")
        #expect(text.contains("x86-64"), "file says: \(text)")
        let version = try ScriptProcess.run(Self.binary, ["--version"])
        let reported = String(decoding: version.stdout, as: UTF8.self)
        #expect(version.status == 0)
        #expect(reported.hasPrefix("kvsmaster ") && reported.hasSuffix(" (built without GStreamer)\n"), "--version printed: \(reported)")
        print("static binary: \(text.prefix(80))…, \(try FileManager.default.attributesOfItem(atPath: Self.binary)[.size] ?? 0) bytes")
    }

    /// The size budget (cross/README.md): importing one of these modules anywhere links all of it
    /// (its type metadata keeps every part alive), which is how the binary once weighed 24 MB.
    /// The linker map names every archive member it took.
    @Test func linksNoFoundationRegexRuntimeOrArgumentParserAndStaysInBudget() throws {
        try Self.requireBinary()
        let mapPath = ViewerProcess.repositoryRoot.appendingPathComponent(".build-static/kvsmaster.map").path
        let map = try #require(
            FileManager.default.contents(atPath: mapPath), "\(mapPath) is missing: cross/build-static.sh writes it")
        let text = String(decoding: map, as: UTF8.self)
        #expect(text.contains("libswiftCore.a"), "the map does not look like the static link's map")
        for module in ["FoundationEssentials", "_FoundationCollections", "FoundationInternationalization",
            "_StringProcessing", "_RegexParser", "ArgumentParser"]
        {
            #expect(!text.contains(module), "the static link took \(module): something imports it again (see cross/size-report.sh)")
        }
        let size = try #require(FileManager.default.attributesOfItem(atPath: Self.binary)[.size] as? Int)
        #expect(size <= 20_000_000, "stripped static binary is \(size) bytes, over the 20 MB budget")
        print("static binary stripped: \(size) bytes")
    }

    @Test func streamsSampleFramesAndStopsOnSIGTERM() throws {
        try Self.requireBinary()
        let directory = try DaemonBinaryTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frames = try DaemonBinaryTests.makeSampleFrames(in: directory)
        let emulator = try EmulatorProcess(arguments: ["--channel", "camera"])
        defer { emulator.stop() }
        let daemon = try DaemonBinaryTests.startDaemon(
            emulator,
            [
                "camera", "video-only", "--sample-frames", frames.path, "--fps", "30", "--data-channel-stdout",
                "--stats-interval", "1",
            ],
            directory: directory, binary: Self.binary)
        defer { daemon.stop(grace: .seconds(3)) }
        // Idle: signaling connected, no viewer yet (a number for the size/memory budget, not asserted).
        try DaemonBinaryTests.requireSignalingConnected(daemon)
        print("static daemon: idle VmRSS \(Self.residentKilobytes(daemon.pid)) kB (signaling connected, no viewer)")
        try DaemonBinaryTests.expectStreamsThenStops(daemon, emulator)
    }

    /// VmRSS of `pid` from /proc, in kB (0 when it cannot be read).
    static func residentKilobytes(_ pid: pid_t) -> Int { processStatus(pid, "VmRSS") }

    /// A number from /proc/`pid`/status (`VmRSS` in kB, `Threads`, ...); 0 when it cannot be read.
    static func processStatus(_ pid: pid_t, _ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }
}
