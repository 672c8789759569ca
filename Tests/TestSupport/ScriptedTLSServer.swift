import Foundation
import Glibc

/// A throwaway certificate authority made with the openssl CLI in a temp directory: `ca.pem` /
/// `ca.key` and a second, unrelated `rogue-ca.pem` / `rogue-ca.key` (the wrong trust anchor),
/// P-256 keys valid for two days. ``issue(_:subject:by:serial:extensions:)`` adds leaf
/// certificates (`<name>.pem` / `<name>.key`) signed by either of them.
public final class TestCertificateAuthority {
    public let directory: URL
    private let subjectPrefix: String

    public var ca: String { path("ca.pem") }
    public var rogueCA: String { path("rogue-ca.pem") }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private static let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    /// Makes `<directoryPrefix>-<uuid>` under the temp dir and both CAs, with the subjects
    /// `/CN=<subjectPrefix> ca` and `/CN=<subjectPrefix> rogue-ca`. The directory is removed again
    /// when making a CA fails.
    public init(directoryPrefix: String, subjectPrefix: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(directoryPrefix)-\(UUID().uuidString)")
        self.subjectPrefix = subjectPrefix
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            for authority in ["ca", "rogue-ca"] {
                try TestOpenSSL.run(
                    ["req", "-x509"] + Self.ecKey + [
                        "-keyout", path("\(authority).key"), "-out", path("\(authority).pem"), "-days", "2",
                        "-subj", "/CN=\(subjectPrefix) \(authority)",
                    ])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Issues `<name>.pem` / `<name>.key` for `/CN=<subject>`, signed by `authority` ("ca" or
    /// "rogue-ca") with serial `serial`; `extensions` is the extension file's text (one
    /// `key=value` a line).
    public func issue(_ name: String, subject: String, by authority: String = "ca", serial: Int, extensions: String) throws {
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try TestOpenSSL.run(["req"] + Self.ecKey + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(subject)"])
        try TestOpenSSL.run([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(authority).pem"), "-CAkey", path("\(authority).key"),
            "-set_serial", String(serial), "-days", "2", "-extfile", path("\(name).ext"), "-out", path("\(name).pem"),
        ])
    }

    /// Issues the server certificate `server.pem` / `server.key` (signed by `ca`, for TLS server
    /// authentication) with `subjectAltName` (e.g. `IP:127.0.0.1` or `DNS:localhost`).
    public func issueServerCertificate(subject: String = "server", subjectAltName: String, serial: Int) throws {
        try issue(
            "server", subject: subject, serial: serial,
            extensions: "subjectAltName=\(subjectAltName)\nextendedKeyUsage=serverAuth\n")
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A test server written as a Python script under Tests/Support, run by /usr/bin/python3 with
/// the certificates of its own ``TestCertificateAuthority``. The script prints `PORT n` on stdout
/// once it listens on 127.0.0.1; later stdout lines are the script's own (``output``). Stopped
/// by PID in ``stop()`` (and `deinit`), which also removes the temp directory.
public final class ScriptedTLSServer {
    public static let python = "/usr/bin/python3"

    public let authority: TestCertificateAuthority
    public let process = Process()
    public let port: Int
    /// The script's stdout after the text read up to the `PORT` line (``startOutput``).
    public let output: FileHandle
    /// The script's stderr, undrained until a caller reads it.
    public let errors = Pipe()
    /// All stdout text read while waiting for the `PORT` line (it may hold more than that line).
    public let startOutput: String
    private let stopSignal: Int32

    /// The path of `relativePath` below Tests/Support.
    public static func supportScript(_ relativePath: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support").appendingPathComponent(relativePath).path
    }

    /// Makes the CA pair (see ``TestCertificateAuthority/init(directoryPrefix:subjectPrefix:)``),
    /// lets `prepare` issue the certificates the script needs and return the script's arguments,
    /// then starts `script` and waits for its `PORT` line. `name` and `packages` (the Debian
    /// packages of the modules the script imports beyond the standard library) go into the
    /// failure messages. `stopSignal`
    /// is what ``stop()`` sends. On any failure the process is killed and the directory removed.
    public init(
        name: String, packages: [String], directoryPrefix: String, subjectPrefix: String, script: String,
        stopSignal: Int32 = SIGKILL, prepare: (TestCertificateAuthority) throws -> [String]
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw TestToolError(
                description: "\(Self.python) not found: install the Debian packages \((["python3"] + packages).joined(separator: ", "))")
        }
        authority = try TestCertificateAuthority(directoryPrefix: directoryPrefix, subjectPrefix: subjectPrefix)
        self.stopSignal = stopSignal
        let stdout = Pipe()
        output = stdout.fileHandleForReading
        do {
            process.executableURL = URL(fileURLWithPath: Self.python)
            process.arguments = [script] + (try prepare(authority))
            process.standardOutput = stdout
            process.standardError = errors
            try process.run()
        } catch {
            authority.remove()
            throw error
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            authority.remove()
            throw TestToolError(
                description: "the \(name) did not start (needs \(Self.python)"
                    + (packages.isEmpty ? "" : " with the Debian packages \(packages.joined(separator: ", "))")
                    + "; scripts/install-deps.sh --test installs them): \(text) \(stderr)")
        }
        self.port = port
        startOutput = text
    }

    deinit { stop() }

    /// Stops the script by PID (with the signal given at start) and removes the temp directory.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, stopSignal)
            process.waitUntilExit()
        }
        authority.remove()
    }
}

/// A test's server type built on a ``ScriptedTLSServer``: the accessors the tests use, passed
/// through to it.
public protocol ScriptedTLSServerOwner {
    var server: ScriptedTLSServer { get }
}

extension ScriptedTLSServerOwner {
    public var directory: URL { server.authority.directory }
    public var process: Process { server.process }
    public var port: Int { server.port }
    public var ca: String { server.authority.ca }
    public var rogueCA: String { server.authority.rogueCA }

    public func path(_ name: String) -> String { server.authority.path(name) }

    /// Stops the script and removes its temp directory.
    public func stop() { server.stop() }
}
