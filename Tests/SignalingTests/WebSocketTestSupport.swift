import Foundation
import TestSupport
import Signaling
import Testing

/// A throwaway CA (and a second, untrusted one) made with the `openssl` CLI, and the aiohttp
/// WSS server of Tests/Support/WebSocket on 127.0.0.1, stopped by PID.
final class WebSocketTestServer: ScriptedTLSServerOwner {
    let server: ScriptedTLSServer

    /// `serverCertificateNames` goes into the server certificate's subjectAltName.
    init(serverCertificateNames: String = "DNS:localhost") throws {
        server = try ScriptedTLSServer(
            name: "WSS test server", packages: ["python3-aiohttp"], directoryPrefix: "wss", subjectPrefix: "kvsmaster wss test",
            script: ScriptedTLSServer.supportScript("WebSocket/wss_test_server.py")
        ) { authority in
            try authority.issueServerCertificate(subject: "wss server", subjectAltName: serverCertificateNames, serial: 9)
            return [authority.path("server.pem"), authority.path("server.key")]
        }
    }

    func url(path: String = "/", host: String = "localhost") -> String { "wss://\(host):\(port)\(path)" }

    /// What the server printed on stderr (for failure messages).
    var serverErrors: String {
        String(decoding: server.errors.fileHandleForReading.availableData, as: UTF8.self)
    }

    /// A directory holding only the test CA, in `openssl rehash` layout.
    func makeHashedCADirectory() throws -> String {
        let folder = path("ca-dir")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ca, toPath: folder + "/test-ca.pem")
        try TestOpenSSL.run(["rehash", folder])
        return folder
    }
}

/// Collects a connection's events (delivered on the client's service thread) and lets a test
/// wait for the next one with a deadline.
final class WebSocketEventRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [WebSocketEvent] = []
    private var times: [ContinuousClock.Instant] = []
    private var cursor = 0

    var handler: @Sendable (WebSocketEvent) -> Void {
        { [self] event in
            condition.lock()
            events.append(event)
            times.append(ContinuousClock.now)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next event not yet returned, or nil when none comes within `timeout`.
    func next(timeout: Duration = .seconds(10)) -> WebSocketEvent? {
        nextTimed(timeout: timeout)?.event
    }

    func nextTimed(timeout: Duration = .seconds(10)) -> (event: WebSocketEvent, at: ContinuousClock.Instant)? {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while cursor >= events.count {
            if !condition.wait(until: deadline) { return nil }
        }
        cursor += 1
        return (events[cursor - 1], times[cursor - 1])
    }

    /// The next event that is not a pong (pongs arrive whenever a keepalive is answered).
    func nextIgnoringPongs(timeout: Duration = .seconds(10)) -> WebSocketEvent? {
        while let event = next(timeout: timeout) {
            if event != .pongReceived { return event }
        }
        return nil
    }

    /// The next text message, skipping pongs; nil on timeout or any other event.
    func nextText(timeout: Duration = .seconds(10)) -> String? {
        if case .textReceived(let text) = nextIgnoringPongs(timeout: timeout) { return text }
        return nil
    }

    var all: [WebSocketEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }
}

/// Collects log lines from the client and from libwebsockets.
final class WebSocketLogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var sink: WebSocketLogSink {
        { [self] level, line in
            lock.lock()
            lines.append("\(level): \(line)")
            lock.unlock()
        }
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
