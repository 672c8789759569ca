import Foundation
import Signaling
import Testing

/// A throwaway CA (and a second, untrusted one) made with the `openssl` CLI, and the aiohttp
/// WSS server of Tests/Support/WebSocket on 127.0.0.1, stopped by PID.
final class WebSocketTestServer {
    let directory: URL
    let process = Process()
    private(set) var port = 0
    private let errors = Pipe()

    var ca: String { path("ca.pem") }
    var rogueCA: String { path("rogue-ca.pem") }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/WebSocket/wss_test_server.py").path
    }

    /// `serverCertificateNames` goes into the server certificate's subjectAltName.
    init(serverCertificateNames: String = "DNS:localhost") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try makeCertificates(names: serverCertificateNames)
            try start()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    func url(path: String = "/", host: String = "localhost") -> String { "wss://\(host):\(port)\(path)" }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the server printed on stderr (for failure messages).
    var serverErrors: String {
        String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
    }

    private func makeCertificates(names: String) throws {
        try "subjectAltName=\(names)\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("server.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for authority in ["ca", "rogue-ca"] {
            try TestOpenSSL.run(
                ["req", "-x509"] + ec + ["-keyout", path("\(authority).key"), "-out", path("\(authority).pem"),
                 "-days", "2", "-subj", "/CN=kvsmaster wss test \(authority)"])
        }
        try TestOpenSSL.run(["req"] + ec + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=wss server"])
        try TestOpenSSL.run(
            ["x509", "-req", "-in", path("server.csr"), "-CA", ca, "-CAkey", path("ca.key"), "-set_serial", "9",
             "-days", "2", "-extfile", path("server.ext"), "-out", path("server.pem")])
    }

    /// A directory holding only the test CA, in `openssl rehash` layout.
    func makeHashedCADirectory() throws -> String {
        let folder = path("ca-dir")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ca, toPath: folder + "/test-ca.pem")
        try TestOpenSSL.run(["rehash", folder])
        return folder
    }

    private func start() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw WebSocketTestError.failed("/usr/bin/python3 not found: install the Debian packages python3 and python3-aiohttp")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.scriptPath, path("server.pem"), path("server.key")]
        let output = Pipe()
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
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw WebSocketTestError.failed(
                "the WSS test server did not start (needs /usr/bin/python3 with the Debian package python3-aiohttp): \(text) \(stderr)")
        }
        self.port = port
    }

}

enum WebSocketTestError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let message): message }
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
