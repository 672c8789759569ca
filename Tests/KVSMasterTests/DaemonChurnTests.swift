import Foundation
import Glibc
import TestSupport
import Testing

/// Viewers come and go for as long as a camera runs: the daemon process (the no-GStreamer build,
/// as on the camera) must give back every socket, timer, thread and session once they have gone,
/// whether they closed properly, vanished without a word, or were several at once.
@Suite(.serialized) struct DaemonChurnTests {
    /// What the kernel says the process holds.
    struct Holdings: Equatable, CustomStringConvertible {
        var descriptors: [String]
        var threads: Int
        var residentKilobytes: Int

        var description: String {
            "\(descriptors.count) descriptors, \(threads) threads, VmRSS \(residentKilobytes) kB"
        }

        /// Descriptor targets, counted per kind (`socket`, `anon_inode:[eventpoll]`, a path…).
        var descriptorKinds: [String: Int] {
            var kinds: [String: Int] = [:]
            for target in descriptors {
                let kind = target.hasPrefix("socket:") ? "socket" : target.hasPrefix("pipe:") ? "pipe" : target
                kinds[kind, default: 0] += 1
            }
            return kinds
        }

        static func of(_ pid: pid_t) -> Holdings {
            var descriptors: [String] = []
            let folder = "/proc/\(pid)/fd"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                descriptors.append((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(name)")) ?? "?")
            }
            return Holdings(
                descriptors: descriptors.sorted(), threads: StaticBinaryTests.processStatus(pid, "Threads"),
                residentKilobytes: StaticBinaryTests.residentKilobytes(pid))
        }
    }

    static func endedSessions(_ daemon: ScriptProcess) -> Int {
        daemon.stderrText.split(separator: "\n").filter { $0.contains(" session ended (") }.count
    }

    /// Waits until `count` sessions have ended and the daemon has settled back to `baseline`
    /// descriptors and threads (closing a DTLS/SCTP association finishes on the loop shortly
    /// after the session ends).
    static func settle(
        _ daemon: ScriptProcess, endedSessions count: Int, baseline: Holdings, timeout: Duration
    ) -> Holdings {
        var now = Holdings.of(daemon.pid)
        _ = poll(timeout: timeout) {
            now = Holdings.of(daemon.pid)
            return endedSessions(daemon) >= count && now.descriptors.count <= baseline.descriptors.count
                && now.threads <= baseline.threads
        }
        return now
    }

    @Test func viewersThatComeAndGoLeaveNothingBehind() throws {
        let directory = try DaemonBinaryTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frames = try DaemonBinaryTests.makeSampleFrames(in: directory)
        let emulator = try EmulatorProcess(arguments: ["--channel", "camera"])
        defer { emulator.stop() }
        let daemon = try DaemonBinaryTests.startDaemon(
            emulator, ["camera", "video-only", "--sample-frames", frames.path, "--fps", "30", "--stats-interval", "1"],
            directory: directory)
        defer { daemon.stop(grace: .seconds(3)) }
        try DaemonBinaryTests.requireSignalingConnected(daemon)

        func runViewers(_ names: [String], arguments: [String]) throws -> [[String: Any]] {
            let viewers = try names.map {
                try ViewerProcess(adminURL: emulator.info.adminURL, clientId: $0, arguments: arguments)
            }
            defer { viewers.forEach { $0.stop() } }
            let reports = try viewers.map { viewer in
                try #require(viewer.waitDone(timeout: .seconds(60)), "viewer:\n\(viewer.stderrText)\ndaemon:\n\(daemon.stderrText.suffix(3000))")
            }
            // After "done" a viewer closes its peer connection and exits by itself (one with
            // --silent-exit leaves at once); stopping it earlier would make every viewer vanish.
            for viewer in viewers {
                #expect(viewer.process.waitForExit(limit: .seconds(10)), "viewer \(viewer.clientId) did not exit:\n\(viewer.stderrText)")
            }
            return reports
        }
        let session = ["--duration", "1", "--messages", "1", "--no-decode"]

        // One session first, so that what is made once and kept (the DTLS certificate, the
        // blocking-work thread, usrsctp's state, signaling's buffers) is there for the baseline.
        _ = try runViewers(["warm-up"], arguments: session)
        try #require(
            poll(timeout: .seconds(10)) { Self.endedSessions(daemon) >= 1 },
            "the warm-up session did not end:\n\(daemon.stderrText.split(separator: "\n").filter { !$0.contains("NOTE") }.suffix(80).joined(separator: "\n"))")
        // Closing finishes on the loop just after the session ends (DTLS alert, SCTP, sockets).
        Thread.sleep(forTimeInterval: 2)
        let baseline = Holdings.of(daemon.pid)
        print("daemon churn: baseline after one session: \(baseline)")

        // Eight sessions one after another, then three at once, each closing properly.
        for round in 1...8 {
            let done = try runViewers(["seq-\(round)"], arguments: session)
            #expect(done[0].int("video") > 0, "seq-\(round) received no video")
        }
        let together = try runViewers(["par-1", "par-2", "par-3"], arguments: session)
        #expect(together.allSatisfy { $0.int("video") > 0 }, "a parallel viewer received no video")
        let closed = Self.settle(daemon, endedSessions: 12, baseline: baseline, timeout: .seconds(15))
        print("daemon churn: after 11 more sessions that closed: \(closed)")
        #expect(Self.endedSessions(daemon) == 12, "sessions ended: \(Self.endedSessions(daemon)) of 12\n\(daemon.stderrText.suffix(3000))")
        #expect(closed.descriptors.count <= baseline.descriptors.count,
            "descriptors grew: \(baseline.descriptorKinds) → \(closed.descriptorKinds)")
        #expect(closed.threads <= baseline.threads, "threads grew: \(baseline.threads) → \(closed.threads)")

        // Two viewers that vanish mid-stream (no close, no DTLS alert): ICE consent expires and
        // their sessions end on their own.
        let vanishing = try runViewers(["gone-1", "gone-2"], arguments: session + ["--silent-exit"])
        #expect(vanishing.allSatisfy { $0.int("video") > 0 })
        let vanished = Self.settle(daemon, endedSessions: 14, baseline: baseline, timeout: .seconds(60))
        print("daemon churn: after 2 viewers vanished: \(vanished)")
        #expect(Self.endedSessions(daemon) == 14, "the vanished viewers' sessions did not end:\n\(daemon.stderrText.suffix(3000))")
        #expect(vanished.descriptors.count <= baseline.descriptors.count,
            "descriptors grew: \(baseline.descriptorKinds) → \(vanished.descriptorKinds)")
        #expect(vanished.threads <= baseline.threads, "threads grew: \(baseline.threads) → \(vanished.threads)")

        // Still serving after all that.
        let last = try runViewers(["after"], arguments: session)
        #expect(last[0].int("video") > 0)
        let stopping = ContinuousClock.now
        kill(daemon.pid, SIGTERM)
        #expect(daemon.waitForExit(limit: .seconds(5)), "the daemon did not exit after SIGTERM")
        #expect(daemon.process.terminationStatus == 0)
        print("daemon churn: 15 sessions in all; exit \(ContinuousClock.now - stopping) after SIGTERM")
    }
}
