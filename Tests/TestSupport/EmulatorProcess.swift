import Foundation
import Glibc

/// The local KVS emulator (Tests/Support/KVSEmulator/kvs_emulator.py) started for one test: a
/// real HTTPS/WSS server on loopback with its own test CA, coturn, and an admin API. Stopped by
/// PID in `stop()` / `deinit` (SIGTERM, then SIGKILL after a bound), its temp dir removed.
public final class EmulatorProcess {
    public static let python = "/usr/bin/python3"

    /// The JSON line the emulator prints once it serves.
    public struct Info: Decodable {
        public struct Channel: Decodable {
            public var name: String
            public var arn: String
        }
        public struct Turn: Decodable {
            public var port: Int
            public var pid: Int32
            public var uris: [String]
        }
        public var pid: Int32
        public var controlPlaneEndpoint: String
        public var signalingEndpoint: String
        public var signalingHTTPSEndpoint: String
        public var adminURL: String
        public var controlPort: Int
        public var signalingPort: Int
        public var caCertificate: String
        public var directory: String
        public var region: String
        public var accountId: String
        public var channels: [Channel]
        public var turn: Turn?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public static var supportDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/KVSEmulator")
    }

    public static func script(_ name: String) -> String { supportDirectory.appendingPathComponent(name).path }

    public let info: Info
    public let directory: URL
    private let process: ScriptProcess

    /// Starts the emulator with `arguments` (e.g. `["--channel", "cam", "--no-turn"]`) and waits
    /// up to `limit` for its JSON line.
    public init(arguments: [String] = [], credentials: [(String, String, String?)] = [], limit: Duration = .seconds(20))
        throws
    {
        try Self.checkTools(turn: !arguments.contains("--no-turn"))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-emulator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var all = [Self.script("kvs_emulator.py"), "--directory", directory.path] + arguments
        for (access, secret, token) in credentials {
            all += ["--credential", ([access, secret] + (token.map { [$0] } ?? [])).joined(separator: ",")]
        }
        do {
            process = try ScriptProcess(executable: Self.python, arguments: all, stderrFile: directory.appendingPathComponent("emulator.stderr"))
            guard let line = process.lines.next(timeout: limit) else {
                let reason = process.isRunning ? "did not print its endpoints within \(limit)" : "exited"
                throw Failure(description: "KVS emulator \(reason): \(process.stderrText)")
            }
            info = try JSONDecoder().decode(Info.self, from: Data(line.utf8))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit { stop() }

    /// SIGTERM (the emulator unblocks it), SIGKILL after 5 s; coturn dies with the emulator
    /// (PR_SET_PDEATHSIG) and is killed by PID here too in case it did not.
    public func stop() {
        process.stop(grace: .seconds(5))
        if let turn = info.turn, kill(turn.pid, 0) == 0 {
            kill(turn.pid, SIGKILL)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    public var emulatorLog: String { process.stderrText }

    /// Waits up to `limit` for the emulator to exit on its own (after a signal the test sent).
    public func waitForExit(limit: Duration) -> Bool { process.waitForExit(limit: limit) }

    /// Names the Debian package of every tool the emulator needs that is missing.
    public static func checkTools(turn: Bool) throws {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: python) { missing.append("python3 (\(python))") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") { missing.append("openssl") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") { missing.append("curl") }
        if turn && !FileManager.default.isExecutableFile(atPath: "/usr/bin/turnserver") { missing.append("coturn") }
        for (module, package) in [("aiohttp", "python3-aiohttp"), ("botocore", "python3-botocore")]
        where missing.isEmpty {
            let probe = try ScriptProcess.run(python, ["-c", "import \(module)"])
            if probe.status != 0 { missing.append(package) }
        }
        guard missing.isEmpty else {
            throw Failure(
                description: "the KVS emulator needs the Debian packages: \(missing.joined(separator: ", ")) "
                    + "(scripts/install-deps.sh --test installs them)")
        }
    }

    // MARK: Admin API

    /// Calls the admin API and returns its status and JSON body.
    @discardableResult
    public func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> (status: Int, json: [String: Any]) {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try Curl.request(
            method: method, url: info.adminURL + path, headers: [("Content-Type", "application/json")],
            body: data.map { [UInt8]($0) } ?? [], caCertificate: nil)
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, object)
    }

    public func stats() throws -> [String: Any] { try admin("GET", "/stats").json }

    /// `stats()[group][key]` as an Int (0 when absent).
    public func stat(_ group: String, _ key: String) throws -> Int {
        ((try stats()[group] as? [String: Any])?[key] as? Int) ?? 0
    }
}

/// An HTTP response as curl saw it.
public struct HTTPResult {
    public var status: Int
    /// Lowercased names.
    public var headers: [String: String]
    public var body: [UInt8]
    /// curl's exit status: 0, or e.g. 7 when the connection was refused.
    public var curlStatus: Int32

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
}

/// /usr/bin/curl as the HTTP client of the tests (it trusts the emulator's CA with --cacert and
/// sends exactly the headers given).
public enum Curl {
    public static let binary = "/usr/bin/curl"

    public static func request(
        method: String, url: String, headers: [(String, String)], body: [UInt8], caCertificate: String?
    ) throws -> HTTPResult {
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-body-\(UUID().uuidString)")
        try Data(body).write(to: bodyFile)
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        var arguments = ["-sS", "-i", "--max-time", "10", "-X", method, "-H", "Expect:", "-H", "Accept:"]
        if let caCertificate { arguments += ["--cacert", caCertificate] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if !body.isEmpty || method == "POST" { arguments += ["--data-binary", "@\(bodyFile.path)"] }
        arguments.append(url)
        let run = try ScriptProcess.run(binary, arguments)
        guard run.status == 0 else { return HTTPResult(status: 0, headers: [:], body: [], curlStatus: run.status) }
        return parse(run.stdout, curlStatus: run.status)
    }

    public static func parse(_ output: [UInt8], curlStatus: Int32) -> HTTPResult {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd = output.count
        var index = 0
        while index + 4 <= output.count {
            if Array(output[index..<(index + 4)]) == separator {
                headerEnd = index
                break
            }
            index += 1
        }
        let head = String(decoding: output[..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let body = headerEnd + 4 <= output.count ? Array(output[(headerEnd + 4)...]) : []
        let statusLine = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPResult(
            status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: headers, body: body,
            curlStatus: curlStatus)
    }
}

/// A child process with its stdout read line by line on a background thread, stderr in a file,
/// and an optional stdin pipe. Stopped by PID.
public final class ScriptProcess {
    public let process = Process()
    public let lines = LineBuffer()
    private let stdinPipe = Pipe()
    private let stderrFile: URL
    private let exited = DispatchSemaphore(value: 0)

    public init(executable: String, arguments: [String], stderrFile: URL, environment: [String: String]? = nil) throws {
        self.stderrFile = stderrFile
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdinPipe
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let lines = lines
        let reader = stdout.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                lines.append(chunk)
            }
            lines.finish()
        }
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: pid_t { process.processIdentifier }

    public var stderrText: String {
        (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
    }

    /// Writes one line to the child's stdin.
    public func send(_ line: String) {
        stdinPipe.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    public func closeInput() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    /// Waits up to `limit` for the process to exit on its own.
    public func waitForExit(limit: Duration) -> Bool {
        exited.wait(timeout: .now() + .milliseconds(Int(limit.components.seconds * 1000))) == .success
            || !process.isRunning
    }

    public func stop(grace: Duration) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if !waitForExit(limit: grace) {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        closeInput()
        stop(grace: .seconds(2))
    }

    /// Runs a short command to completion and returns its status and stdout.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a full pipe cannot stall the child.
        let errorData = LineBuffer()
        let errorReader = errors.fileHandleForReading
        Thread.detachNewThread {
            errorData.append(errorReader.readDataToEndOfFile())
            errorData.finish()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        _ = errorData.waitFinished(timeout: .seconds(5))
        return (process.terminationStatus, [UInt8](data), errorData.allText)
    }
}

/// Bytes arriving on one thread, read as lines on another with a deadline.
public final class LineBuffer: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    private var finished = false

    public func append(_ data: Data) {
        condition.lock()
        buffer.append(contentsOf: data)
        condition.broadcast()
        condition.unlock()
    }

    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next complete line, or nil when none arrives within `timeout` (or the stream ended).
    public func next(timeout: Duration) -> String? {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if finished || !condition.wait(until: deadline) { return nil }
        }
    }

    public func waitFinished(timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
        condition.lock()
        defer { condition.unlock() }
        while !finished {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    public var allText: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }
}
