import TestSupport
import Foundation
import Glibc

@testable import Signaling

/// Test credentials for the emulator: random per run, so nothing real is ever involved.
struct EmulatorCredentials {
    var accessKey: String
    var secretKey: String
    var token: String?

    static func random(token: Bool = false) -> Self {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        let access = "AKIA" + String((0..<16).map { _ in alphabet[Int(generator.next() % 32)] })
        let secret = UUID().uuidString + UUID().uuidString.prefix(4)
        return Self(accessKey: access, secretKey: secret, token: token ? "tok" + UUID().uuidString : nil)
    }

    var tuple: (String, String, String?) { (accessKey, secretKey, token) }
    var aws: AWSCredentials { AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: token) }
}

extension EmulatorProcess {
    convenience init(_ credentials: EmulatorCredentials, arguments: [String] = []) throws {
        try self.init(arguments: arguments, credentials: [credentials.tuple])
    }

    /// host:port of an endpoint URL (`https://127.0.0.1:1234` → `127.0.0.1:1234`).
    static func authority(_ endpoint: String) -> String {
        endpoint.components(separatedBy: "://").last ?? endpoint
    }

    /// Signs `method path body` with `signer` (the package's SigV4 signer) for `endpoint` and
    /// sends it with curl, trusting the emulator's CA.
    func send(
        _ signer: SigV4Signer, endpoint: String, path: String, body: String, now: Int64 = Int64(Date().timeIntervalSince1970)
    ) throws -> HTTPResult {
        let request = SigV4Request(
            method: "POST", host: Self.authority(endpoint), path: path,
            headers: [SigV4Header("Content-Type", "application/json")], body: Array(body.utf8))
        let signed = try signer.sign(request, now: now)
        return try Curl.request(
            method: "POST", url: endpoint + path, headers: signed.headers.map { ($0.name, $0.value) },
            body: request.body, caCertificate: info.caCertificate)
    }

    /// Sends a `KVSRequest` the way the client builds it: its path and JSON body, signed.
    func send(_ signer: SigV4Signer, _ request: KVSRequest, endpoint: String? = nil) throws -> HTTPResult {
        try send(signer, endpoint: endpoint ?? info.controlPlaneEndpoint, path: request.path ?? "/", body: request.body ?? "")
    }

    /// Calls the emulator through botocore's client (Tests/Support/KVSEmulator/botocore_client.py).
    func botocore(
        _ credentials: EmulatorCredentials, operation: String, params: [String: Any], endpoint: String? = nil,
        tamper: Bool = false, clockOffset: Int = 0
    ) throws -> [String: Any] {
        let paramsText = String(decoding: try JSONSerialization.data(withJSONObject: params), as: UTF8.self)
        var arguments = [
            Self.script("botocore_client.py"), "--endpoint", endpoint ?? info.controlPlaneEndpoint, "--ca",
            info.caCertificate, "--access-key", credentials.accessKey, "--secret-key", credentials.secretKey,
            "--region", info.region, "--operation", operation, "--params", paramsText,
            "--clock-offset", String(clockOffset),
        ]
        if let token = credentials.token { arguments += ["--token", token] }
        if tamper { arguments.append("--tamper") }
        let run = try ScriptProcess.run(Self.python, arguments)
        guard run.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any]
        else {
            throw Failure(description: "botocore_client.py exited with \(run.status): \(run.stderr)")
        }
        return object
    }
}

/// A signaling WebSocket peer played by Tests/Support/KVSEmulator/ws_client.py (aiohttp), which
/// connects with a URL the test presigned and trusts the emulator's CA.
final class WebSocketPeer {
    let script: ScriptProcess
    private let directory: URL

    init(url: String, caCertificate: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        script = try ScriptProcess(
            executable: EmulatorProcess.python, arguments: [EmulatorProcess.script("ws_client.py"), url, caCertificate],
            stderrFile: directory.appendingPathComponent("stderr"))
    }

    deinit {
        script.closeInput()
        script.stop(grace: .seconds(2))
        try? FileManager.default.removeItem(at: directory)
    }

    /// The next event line (`{"event": …}`), or nil after `timeout`.
    func nextEvent(timeout: Duration = .seconds(5)) -> [String: Any]? {
        guard let line = script.lines.next(timeout: timeout) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// The text of the next received message, skipping nothing: nil if the next event is not a message.
    func nextMessage(timeout: Duration = .seconds(5)) -> String? {
        guard let event = nextEvent(timeout: timeout), event["event"] as? String == "message",
            let data = event["data"]
        else { return nil }
        guard let json = try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]) else { return nil }
        return String(decoding: json, as: UTF8.self)
    }

    func send(_ frame: String) { script.send(frame) }

    var stderr: String { script.stderrText }
}
