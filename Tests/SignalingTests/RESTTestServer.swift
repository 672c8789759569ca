import Foundation
import TestSupport
import Testing

@testable import Signaling

/// The scripted HTTPS server of Tests/Support/REST/kvs_rest_server.py on 127.0.0.1, with a
/// throwaway CA (and a second, unrelated CA) made by the `openssl` CLI in a temp dir. Stopped
/// by PID in `stop()` (call it in a `defer`).
final class RESTTestServer: ScriptedTLSServerOwner {
    static let accessKey = "AKIDRESTTEST00000001"
    static let secretKey = "restSecretKeyDoNotLog/0123456789abcdefghij"
    static let sessionToken = "restSessionTokenDoNotLog+abc=="
    static var credentials: AWSCredentials {
        AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken)
    }

    let server: ScriptedTLSServer

    var logPath: String { path("requests.jsonl") }
    var baseURL: String { "https://127.0.0.1:\(port)" }

    /// `clockOffset` moves the server's clock (its Date header and SigV4 time check).
    init(clockOffset: Int = 0) throws {
        server = try ScriptedTLSServer(
            name: "REST test server", packages: ["python3-botocore"], directoryPrefix: "rest",
            subjectPrefix: "kvsmaster REST test", script: ScriptedTLSServer.supportScript("REST/kvs_rest_server.py")
        ) { authority in
            try authority.issueServerCertificate(subjectAltName: "IP:127.0.0.1", serial: 9)
            return [
                authority.path("server.pem"), authority.path("server.key"), authority.path("requests.jsonl"), Self.accessKey,
                Self.secretKey, String(clockOffset),
            ]
        }
        seenLine = server.startOutput
    }

    private var output: FileHandle? { server.output }
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
