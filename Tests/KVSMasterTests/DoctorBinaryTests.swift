import Foundation
import Glibc
import TestSupport
import Testing

/// `kvsmaster doctor` (the built `.build/debug/kvsmaster`, with GStreamer) run as a process
/// against the KVS emulator and its coturn (TURN over UDP and TLS): everything passes, and each
/// broken setup gives its FAIL line and a non-zero exit. The output is printed for the record.
@Suite(.serialized) struct DoctorBinaryTests {
    static var binary: String {
        ViewerProcess.repositoryRoot.appendingPathComponent(".build/debug/kvsmaster").path
    }

    struct Run {
        var status: Int32
        var lines: [String]

        func line(_ check: String) -> String? {
            lines.first { $0.count > 6 && $0.dropFirst(6).hasPrefix(check + " ") }
        }

        func verdict(_ check: String) -> String? { line(check).map { String($0.prefix(4)) } }
    }

    /// The environment a camera would have: the emulator's endpoints and CA, the test keys, a
    /// HOME without ~/.aws, and nothing inherited from the test process's AWS settings.
    static func environment(_ emulator: EmulatorProcess, home: URL) -> [String: String] {
        var environment: [String: String] = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home.path,
            "CONTROL_PLANE_URI": emulator.info.controlPlaneEndpoint,
            "AWS_KVS_CACERT_PATH": emulator.info.caCertificate,
            "AWS_DEFAULT_REGION": emulator.info.region,
            "AWS_ACCESS_KEY_ID": MasterHarness.accessKey,
            "AWS_SECRET_ACCESS_KEY": MasterHarness.secretKey,
        ]
        if let turn = emulator.info.turn { environment["KVS_STUN_URI"] = "stun:127.0.0.1:\(turn.port)" }
        return environment
    }

    static func runDoctor(_ arguments: [String], environment: [String: String], directory: URL) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw EmulatorProcess.Failure(description: "\(binary) is missing: build it with `swift build --build-tests`")
        }
        let started = ContinuousClock.now
        let process = try ScriptProcess(
            executable: binary, arguments: ["doctor"] + arguments,
            stderrFile: directory.appendingPathComponent("doctor.stderr"), environment: environment)
        defer { process.stop(grace: .seconds(1)) }
        guard process.waitForExit(limit: .seconds(120)) else {
            throw EmulatorProcess.Failure(description: "kvsmaster doctor did not finish within 120 s")
        }
        var lines: [String] = []
        while let line = process.lines.next(timeout: .seconds(5)) { lines.append(line) }
        let run = Run(status: process.process.terminationStatus, lines: lines)
        print("kvsmaster doctor \(arguments.joined(separator: " ")) → exit \(run.status) after \(ContinuousClock.now - started):")
        for line in lines { print("  " + line) }
        let stderr = process.stderrText
        if !stderr.isEmpty { print("  stderr: \(stderr)") }
        #expect(!lines.joined().contains(MasterHarness.secretKey))
        #expect(!stderr.contains(MasterHarness.secretKey))
        return run
    }

    static func withEmulator(
        _ arguments: [String] = [], _ body: (EmulatorProcess, [String: String], URL) throws -> Void
    ) throws {
        let emulator = try EmulatorProcess(arguments: ["--channel", "cam", "--turn-tls"] + arguments)
        defer { emulator.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(emulator, environment(emulator, home: directory), directory)
    }

    @Test func everythingPassesAgainstTheEmulator() throws {
        try Self.withEmulator { emulator, environment, directory in
            let run = try Self.runDoctor(["cam"], environment: environment, directory: directory)
            #expect(run.status == 0)
            for check in [
                "configuration", "ca-bundle", "credentials", "dns-control", "tcp-443", "clock", "channel", "dns-signaling",
                "ice-config", "dns-stun", "stun", "dns-turn", "turn-udp", "turn-tls", "media",
            ] {
                #expect(run.verdict(check) == "PASS", "\(check): \(run.line(check) ?? "missing")")
            }
            #expect(run.verdict("ipv6") != "FAIL")
            #expect(run.line("stun")?.contains("public address 127.0.0.1") == true)
            #expect(run.line("credentials")?.contains("from environment variables, access key AKID****") == true)
            #expect(run.line("configuration")?.contains("AWS_SECRET_ACCESS_KEY=(set, hidden)") == true)
            #expect(run.line("turn-udp")?.contains("allocated relay 127.0.0.1:") == true)
            #expect(run.line("turn-tls")?.contains("allocated relay 127.0.0.1:") == true)
            #expect(run.line("channel")?.contains(emulator.info.channels[0].arn) == true)
            #expect(run.lines.last == "no problem found")
        }
    }

    @Test func withoutAChannelTheChannelChecksAreSkipped() throws {
        try Self.withEmulator { _, environment, directory in
            let run = try Self.runDoctor([], environment: environment, directory: directory)
            #expect(run.status == 0)
            #expect(run.verdict("channel") == "WARN")
            #expect(run.verdict("turn-udp") == "WARN")
            #expect(run.verdict("stun") == "PASS")
            #expect(run.line("configuration")?.contains("channel (none)") == true)
        }
    }

    @Test func aClockTenMinutesOffFails() throws {
        try Self.withEmulator(["--clock-offset", "600"]) { _, environment, directory in
            let run = try Self.runDoctor(["cam"], environment: environment, directory: directory)
            #expect(run.status == 1)
            let clock = try #require(run.line("clock"))
            #expect(clock.hasPrefix("FAIL"))
            #expect(clock.contains("behind KVS") && clock.contains("fix: synchronize the clock with NTP"))
            // The measured offset is used for the signed calls, as the daemon does.
            #expect(run.verdict("channel") == "PASS")
        }
    }

    @Test func aMissingCABundleFails() throws {
        try Self.withEmulator { _, environment, directory in
            var environment = environment
            environment["AWS_KVS_CACERT_PATH"] = "/nonexistent"
            let run = try Self.runDoctor(["cam"], environment: environment, directory: directory)
            #expect(run.status == 1)
            let line = try #require(run.line("ca-bundle"))
            #expect(line.hasPrefix("FAIL") && line.contains("/nonexistent") && line.contains("fix: point AWS_KVS_CACERT_PATH"))
            #expect(run.verdict("clock") == "WARN")
        }
    }

    @Test func missingCredentialsFail() throws {
        try Self.withEmulator { _, environment, directory in
            var environment = environment
            environment["AWS_ACCESS_KEY_ID"] = nil
            environment["AWS_SECRET_ACCESS_KEY"] = nil
            let run = try Self.runDoctor(["cam"], environment: environment, directory: directory)
            #expect(run.status == 1)
            let line = try #require(run.line("credentials"))
            #expect(line.hasPrefix("FAIL") && line.contains("fix: export AWS_ACCESS_KEY_ID"))
            #expect(run.verdict("channel") == "WARN")
        }
    }

    @Test func anUnreachableTURNServerFails() throws {
        try Self.withEmulator { emulator, environment, directory in
            let turn = try #require(emulator.info.turn)
            // coturn is the emulator's child: stopped by its PID, GetIceServerConfig still lists it.
            kill(turn.pid, SIGKILL)
            #expect(poll(timeout: .seconds(5)) { (try? ScriptProcess.run("/bin/kill", ["-0", "\(turn.pid)"]))?.status != 0
                || (try? String(contentsOfFile: "/proc/\(turn.pid)/stat", encoding: .utf8))?.contains(") Z ") == true })
            let run = try Self.runDoctor(["cam", "--check-timeout", "3"], environment: environment, directory: directory)
            #expect(run.status == 1)
            #expect(run.verdict("ice-config") == "PASS")
            let udp = try #require(run.line("turn-udp"))
            let tls = try #require(run.line("turn-tls"))
            #expect(udp.hasPrefix("FAIL") && udp.contains("fix: allow outbound UDP"))
            #expect(tls.hasPrefix("FAIL") && tls.contains("fix: allow outbound TCP"))
        }
    }
}
