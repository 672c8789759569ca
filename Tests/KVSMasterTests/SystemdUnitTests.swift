import Foundation
import Testing

/// Runs `executable` with `arguments`; returns the exit status and what it wrote.
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh temporary folder, removed by the caller.
func makeTemporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// systemd/kvsmaster.service and systemd/install.sh.
@Suite struct SystemdUnitTests {
    static let unitPath = packageRoot.appendingPathComponent("systemd/kvsmaster.service").path

    /// `[Section]` → key → values, comments and blank lines skipped.
    static func parseUnit(_ text: String) -> [String: [String: [String]]] {
        var sections: [String: [String: [String]]] = [:]
        var current = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                Issue.record("not key=value in the unit: \(line)")
                continue
            }
            sections[current, default: [:]][String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return sections
    }

    @Test func unitSettings() throws {
        let unit = Self.parseUnit(try String(contentsOfFile: Self.unitPath, encoding: .utf8))
        let service = try #require(unit["Service"])
        let expected: [String: String] = [
            "Type": "notify", "NotifyAccess": "main", "Restart": "on-failure", "WatchdogSec": "30", "TimeoutStopSec": "5",
            "EnvironmentFile": "/etc/kvsmaster/kvsmaster.env",
            "ExecStart": "/usr/local/bin/kvsmaster --config /etc/kvsmaster/kvsmaster.conf", "User": "kvsmaster",
            "SupplementaryGroups": "video audio", "StateDirectory": "kvsmaster", "NoNewPrivileges": "yes",
            "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "DevicePolicy": "closed",
            "RestartPreventExitStatus": "2 64",
        ]
        for (key, value) in expected { #expect(service[key] == [value], "\(key)") }
        #expect(service["DeviceAllow"]?.contains("char-video4linux rw") == true)
        #expect(service["DeviceAllow"]?.contains("char-alsa rw") == true)
        #expect(unit["Install"]?["WantedBy"] == ["multi-user.target"])
        #expect(unit["Unit"]?["After"]?.first?.contains("network-online.target") == true)
    }

    /// `systemd-analyze verify` on the unit, with ExecStart pointed at a binary that exists here.
    @Test func systemdAnalyzeVerify() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            Issue.record("systemd-analyze is missing: install the Debian package systemd")
            return
        }
        let folder = try makeTemporaryFolder("kvsmaster-unit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/kvsmaster", with: "ExecStart=/bin/true")
        let copy = folder.appendingPathComponent("kvsmaster.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let result = try runProcess(analyze, ["verify", "--man=no", copy.path])
        print("systemd-analyze verify: status \(result.status)\n\(result.stderr)")
        #expect(result.status == 0)
        // Only complaints about the host (no EnvironmentFile here) are acceptable.
        let complaints = result.stderr.split(separator: "\n").filter { line in
            line.contains("kvsmaster.service") && !line.contains("kvsmaster.env")
        }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test func installIntoDestdir() throws {
        let destdir = try makeTemporaryFolder("kvsmaster-destdir")
        defer { try? FileManager.default.removeItem(at: destdir) }
        let binary = destdir.appendingPathComponent("fake-kvsmaster")
        try "#!/bin/sh\necho fake\n".write(to: binary, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = destdir.appendingPathComponent("root").path
        let script = packageRoot.appendingPathComponent("systemd/install.sh").path
        let first = try runProcess("/bin/sh", [script, binary.path], environment: environment)
        print(first.stdout, first.stderr)
        #expect(first.status == 0)
        #expect(first.stdout.contains("not creating user kvsmaster"))
        let root = destdir.appendingPathComponent("root")
        let files: [(String, Int)] = [
            ("usr/local/bin/kvsmaster", 0o755), ("etc/systemd/system/kvsmaster.service", 0o644),
            ("etc/kvsmaster/kvsmaster.env", 0o640), ("etc/kvsmaster/kvsmaster.env.example", 0o644),
            ("etc/kvsmaster/kvsmaster.conf", 0o640), ("etc/kvsmaster/kvsmaster.conf.example", 0o644),
            ("etc/kvsmaster/certs/amazon-root-cas.pem", 0o644), ("etc/kvsmaster", 0o750),
        ]
        for (path, mode) in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
        #expect(
            try Data(contentsOf: root.appendingPathComponent("etc/systemd/system/kvsmaster.service"))
                == Data(contentsOf: URL(fileURLWithPath: Self.unitPath)))
        #expect(
            try Data(contentsOf: root.appendingPathComponent("etc/kvsmaster/certs/amazon-root-cas.pem"))
                == Data(contentsOf: packageRoot.appendingPathComponent("certs/amazon-root-cas.pem")))

        // A second run keeps what the operator edited.
        let envFile = root.appendingPathComponent("etc/kvsmaster/kvsmaster.env")
        try "AWS_DEFAULT_REGION=eu-west-1\n".write(to: envFile, atomically: true, encoding: .utf8)
        let second = try runProcess("/bin/sh", [script, binary.path], environment: environment)
        #expect(second.status == 0)
        #expect(second.stdout.contains("keeping existing \(root.path)/etc/kvsmaster/kvsmaster.env"))
        #expect(try String(contentsOf: envFile, encoding: .utf8) == "AWS_DEFAULT_REGION=eu-west-1\n")

        let missing = try runProcess("/bin/sh", [script, destdir.appendingPathComponent("none").path], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no kvsmaster binary found"))
    }
}
