import Foundation
import Testing

@testable import Signaling

/// The scripted HTTPS server of Tests/Support/REST/kvs_rest_server.py on 127.0.0.1, with a
/// throwaway CA (and a second, unrelated CA) made by the `openssl` CLI in a temp dir. Stopped
/// by PID in `stop()` (call it in a `defer`).
final class RESTTestServer {
    static let accessKey = "AKIDRESTTEST00000001"
    static let secretKey = "restSecretKeyDoNotLog/0123456789abcdefghij"
    static let sessionToken = "restSessionTokenDoNotLog+abc=="
    static var credentials: AWSCredentials {
        AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken)
    }

    let directory: URL
    let process = Process()
    private(set) var port = 0

    var ca: String { path("ca.pem") }
    var rogueCA: String { path("rogue-ca.pem") }
    var logPath: String { path("requests.jsonl") }
    var baseURL: String { "https://127.0.0.1:\(port)" }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/REST/kvs_rest_server.py").path
    }

    /// `clockOffset` moves the server's clock (its Date header and SigV4 time check).
    init(clockOffset: Int = 0) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try makeCertificates()
            try start(clockOffset: clockOffset)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeCertificates() throws {
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("server.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for authority in ["ca", "rogue-ca"] {
            try TestOpenSSL.run(
                ["req", "-x509"] + ec + [
                    "-keyout", path("\(authority).key"), "-out", path("\(authority).pem"), "-days", "2",
                    "-subj", "/CN=kvsmaster REST test \(authority)",
                ])
        }
        try TestOpenSSL.run(["req"] + ec + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=server"])
        try TestOpenSSL.run([
            "x509", "-req", "-in", path("server.csr"), "-CA", ca, "-CAkey", path("ca.key"), "-set_serial", "9",
            "-days", "2", "-extfile", path("server.ext"), "-out", path("server.pem"),
        ])
    }

    private func start(clockOffset: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw IoTTestServerError.failed("/usr/bin/python3 not found: install the Debian packages python3 and python3-botocore")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Self.scriptPath, path("server.pem"), path("server.key"), logPath, Self.accessKey, Self.secretKey,
            String(clockOffset),
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            throw IoTTestServerError.failed(
                "REST test server did not start (needs python3-botocore: scripts/install-deps.sh --test): \(text) \(stderr)")
        }
        self.port = port
        self.output = output.fileHandleForReading
        seenLine = text
    }

    private var output: FileHandle?
    private var seenLine = ""

    /// Blocks until the server has logged `count` requests in all (its "LOGGED n" lines);
    /// false if that did not happen within `seconds`.
    func waitForRequests(_ count: Int, seconds: Double = 20) -> Bool {
        waitForOutput(seconds: seconds) { $0.contains("LOGGED \(count)") }
    }

    /// Blocks until the server's latest "CONNECTIONS n" line says `count` TLS connections are open.
    func waitForOpenConnections(_ count: Int, seconds: Double = 5) -> Bool {
        waitForOutput(seconds: seconds) { lines in
            lines.last { $0.hasPrefix("CONNECTIONS ") } == "CONNECTIONS \(count)"
        }
    }

    /// Reads the server's stdout until `done` holds for the lines seen so far. A watchdog kills
    /// the server after `seconds`, which ends a read that would otherwise block for good.
    private func waitForOutput(seconds: Double, until done: ([String]) -> Bool) -> Bool {
        guard let output else { return false }
        let pid = process.processIdentifier
        let finished = RESTResults<Bool>()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if finished.wait(for: 1, seconds: 0).isEmpty { kill(pid, SIGKILL) }
        }
        defer { finished.add(true) }
        while true {
            // Only complete lines count.
            let complete = seenLine.hasSuffix("\n") ? seenLine : String(seenLine[..<(seenLine.lastIndex(of: "\n") ?? seenLine.startIndex)])
            if done(complete.split(separator: "\n").map(String.init)) { return true }
            let chunk = output.availableData
            if chunk.isEmpty { return false }
            seenLine += String(decoding: chunk, as: UTF8.self)
        }
    }

    /// One request as the server logged it.
    struct Entry: Decodable {
        var method: String
        var path: String
        var body: String
        var headers: [[String]]
        var peerPort: Int
        var signature: String

        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
        }
    }

    /// Every request logged so far, in arrival order.
    func log() throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Entry.self, from: Data($0)) }
    }

    func client(
        ca: String? = nil, connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(15),
        maximumResponseSize: Int = 1 << 20
    ) throws -> RESTClient {
        try RESTClient(
            configuration: RESTClient.Configuration(
                trustStore: .file(ca ?? self.ca), connectTimeout: connectTimeout, totalTimeout: totalTimeout,
                maximumResponseSize: maximumResponseSize))
    }
}

/// Collects results delivered on the service thread and lets the test thread wait for them.
final class RESTResults<Value: Sendable>: @unchecked Sendable {
    private let lock = NSCondition()
    private var values: [Value] = []

    func add(_ value: Value) {
        lock.lock()
        values.append(value)
        lock.broadcast()
        lock.unlock()
    }

    /// Waits until `count` results arrived (at most `seconds`), then returns them all.
    func wait(for count: Int, seconds: Double = 30) -> [Value] {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while values.count < count, lock.wait(until: deadline) {}
        return values
    }
}

extension RESTClient {
    /// Sends `request` and waits for its result (test helper).
    func sendAndWait(_ request: HTTPRequest, seconds: Double = 30) -> Result<HTTPResponse, HTTPError>? {
        let results = RESTResults<Result<HTTPResponse, HTTPError>>()
        send(request) { results.add($0) }
        return results.wait(for: 1, seconds: seconds).first
    }
}
