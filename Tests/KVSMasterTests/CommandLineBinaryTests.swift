import Foundation
import Testing

/// The built executable (`.build/debug/kvsmaster`), run as a user would.
@Suite struct CommandLineBinaryTests {
    static let binary = packageRoot.appendingPathComponent(".build/debug/kvsmaster").path

    func requireBinary() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("\(Self.binary) is missing: run `swift build --build-tests` first")
            return false
        }
        return true
    }

    @Test func helpShowsExamples() throws {
        guard requireBinary() else { return }
        let help = try runProcess(Self.binary, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("kvsmaster my-channel video-only testsrc"))
        #expect(help.stdout.contains("kvsmaster my-channel audio-video devicesrc opus h265"))
        #expect(help.stdout.contains("kvsmaster --channel-name my-channel --source devicesrc --bitrate 1500"))
        #expect(help.stdout.contains("video-only --annexb -"))
        #expect(help.stdout.contains("systemctl enable --now kvsmaster"))
        #expect(help.stdout.contains("AWS_KVS_LOG_LEVEL"))
        #expect(help.stdout.contains("selfcheck"))
        let runHelp = try runProcess(Self.binary, ["run", "--help"])
        #expect(runHelp.status == 0)
        for flag in ["--max-viewers", "--video-codec", "--audio-codec", "--pipeline", "--log-level", "--config", "--relay-only", "--annexb"] {
            #expect(runHelp.stdout.contains(flag), "\(flag)")
        }
    }

    @Test func version() throws {
        guard requireBinary() else { return }
        let result = try runProcess(Self.binary, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("kvsmaster 0."))
    }

    @Test func missingConfigFileExitsWithStatus2() throws {
        guard requireBinary() else { return }
        let result = try runProcess(Self.binary, ["badchannel", "--config", "/nonexistent"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 2)
        #expect(result.stderr == "kvsmaster: cannot read config file /nonexistent: no such file\n")
    }

    @Test func invalidConfigFileExitsWithStatus2() throws {
        guard requireBinary() else { return }
        let folder = try makeTemporaryFolder("kvsmaster-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("kvsmaster.conf").path
        try "channel-name = cam\n\nmax-viewers = ten\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runProcess(Self.binary, ["--config", path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 2)
        #expect(result.stderr == "kvsmaster: \(path):3: max-viewers: expected a number from 1 to 100, got \"ten\"\n")
        let env = try runProcess(Self.binary, ["cam"], environment: ["AWS_KVS_LOG_LEVEL": "9"])
        #expect(env.status == 2)
        #expect(env.stderr.hasPrefix("kvsmaster: AWS_KVS_LOG_LEVEL: expected 1 (verbose) to 7 (silent)"))
    }

    @Test func badCommandLineIsAUsageError() throws {
        guard requireBinary() else { return }
        let result = try runProcess(Self.binary, ["cam", "video-only", "testsrc", "aac"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma"))
        let conflict = try runProcess(Self.binary, ["cam", "video-only", "--mode", "audio-video"])
        #expect(conflict.status == 64)
        #expect(conflict.stderr.contains("--mode: \"audio-video\" disagrees with argument 2 (mode) \"video-only\""))
    }

    @Test func unknownOptionPrintsTheErrorUsageAndWhereHelpIs() throws {
        guard requireBinary() else { return }
        let result = try runProcess(Self.binary, ["cam", "--max-viewer", "4"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                kvsmaster: unknown option --max-viewer (did you mean --max-viewers?)
                usage: kvsmaster [run] [<options>] [<channel-name>] [<mode>] [<source>]
                                 [<rtsp-uri|audio-codec>] [<video-codec>]
                see kvsmaster run --help

                """)
        let doctor = try runProcess(Self.binary, ["doctor", "--check-timeout", "0"])
        #expect(doctor.status == 64)
        #expect(doctor.stderr.hasPrefix("kvsmaster: --check-timeout must be between 1 and 60\nusage: kvsmaster doctor"))
        let help = try runProcess(Self.binary, ["help", "doctor"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--check-timeout <check-timeout>"))
    }

    @Test func selfcheckSubcommandStillParses() throws {
        guard requireBinary() else { return }
        let result = try runProcess(Self.binary, ["selfcheck", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--frames"))
    }
}
