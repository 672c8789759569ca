import TestSupport
import Foundation
import Testing

@testable import Signaling

/// Bad input from below the KVS API, through the whole client against the emulator over real
/// TLS (issue "Bad input"): a load balancer's HTML error pages, and TLS records cut in the middle
/// of a REST response, of a WebSocket upgrade and of the open WebSocket. Each gets its own log
/// line, counts in numberOfErrors, and the client recovers by itself.
@Suite(.serialized) struct IntegrationBadInputTests {
    /// The marker inside the emulator's HTML pages (emulator_faults.py, HTML_MARKER).
    static let htmlMarker = "lb-page-body-marker-7f3e"

    static func started(_ emulator: EmulatorProcess, _ credentials: EmulatorCredentials) throws -> IntegrationClient {
        let harness = try IntegrationClient(
            emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), logLevel: .trace)
        harness.start()
        return harness
    }

    static func failures(_ step: SignalingStep, in events: [SignalingEvent]) -> [KVSAPIError] {
        events.compactMap { event in
            if case .requestFailed(step, let error) = event { return error }
            return nil
        }
    }

    static func fault(_ emulator: EmulatorProcess, _ kind: String, _ body: [String: Any]) throws {
        let reply = try emulator.admin("POST", "/fault/\(kind)", body)
        #expect(reply.status == 200, "\(reply.json)")
    }

    /// Two 502 pages instead of DescribeSignalingChannel and two 503 pages instead of
    /// GetIceServerConfig: each is one warning naming the step, the status and the page's title
    /// (never the page), one error in the metrics, and a retry after a backoff wait.
    @Test func htmlErrorPagesAreSummarizedCountedAndRetried() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        try Self.fault(emulator, "html", ["count": 2, "status": 502, "listener": "control"])
        try Self.fault(
            emulator, "html", ["count": 2, "status": 503, "listener": "signaling", "operations": ["GetIceServerConfig"]])
        let harness = try Self.started(emulator, credentials)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")

        let describe = "describe failed: HTTP 502: text/html body (2315 bytes): 502 Bad Gateway; recovering"
        let ice = "iceConfig failed: HTTP 503: text/html body (2355 bytes): 503 Service Temporarily Unavailable; recovering"
        #expect(harness.log.lines.filter { $0.level == .warning && $0.text.hasPrefix(describe) }.count == 2)
        #expect(harness.log.lines.filter { $0.level == .warning && $0.text.hasPrefix(ice) }.count == 2)
        // Nothing of the page itself, at trace level.
        let text = harness.log.text
        for fragment in [Self.htmlMarker, "<html", "<title>", "<h1>", "padding line", "awselb"] {
            #expect(!text.contains(fragment), "the log contains \(fragment)")
        }

        let events = harness.recorder.events
        let summary = { (error: KVSAPIError) in "\(error.kind) \(error.errorType ?? "-") \(error.message ?? "-")" }
        #expect(
            Self.failures(.describe, in: events).map(summary)
                == Array(repeating: "http(status: 502) - text/html body (2315 bytes): 502 Bad Gateway", count: 2))
        #expect(
            Self.failures(.iceConfig, in: events).map(summary)
                == Array(
                    repeating: "http(status: 503) - text/html body (2355 bytes): 503 Service Temporarily Unavailable",
                    count: 2))
        #expect(harness.snapshot.metrics.numberOfErrors == 4)
        #expect(harness.snapshot.metrics.numberOfRuntimeErrors == 0)
        #expect(try emulator.stat("injected", "html:DescribeSignalingChannel") == 2)
        #expect(try emulator.stat("injected", "html:GetIceServerConfig") == 2)
        // The pages never reached the service: one real call each.
        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == 1)
        #expect(try emulator.stat("calls", "GetIceServerConfig") == 1)

        // Retried after full-jitter waits (100 ms × 2^n), not at once and not after long:
        // from the first failure to the connection took some time, bounded by the curve.
        let timed = harness.recorder.timedEvents
        let firstFailure = try #require(timed.first { if case .requestFailed = $0.event { true } else { false } }?.at)
        let connected = try #require(timed.first { $0.event == .connected }?.at)
        let recovery = (connected - firstFailure).milliseconds
        print("HTML pages: first failure → connected in \(String(format: "%.0f", recovery)) ms")
        #expect(recovery > 20 && recovery < 3000)
        #expect(harness.isConnected)
    }

    /// A connected client whose ICE refresh (RECONNECT_ICE_SERVER) gets 503 pages keeps its
    /// connection and the current servers, and retries until it gets a configuration.
    @Test func htmlErrorPageOnAnIceRefreshKeepsTheConnection() throws {
        let started = try StartedIntegration(logLevel: .trace)
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")
        try Self.fault(
            emulator, "html", ["count": 2, "status": 503, "listener": "signaling", "operations": ["GetIceServerConfig"]])
        #expect(try emulator.admin("POST", "/master/reconnect-ice-server", ["channel": "cam"]).status == 200)
        let updates = { (events: [SignalingEvent]) in
            events.filter { if case .iceServersUpdated = $0 { true } else { false } }.count
        }
        #expect(harness.recorder.wait(timeout: .seconds(5)) { updates($0) >= 2 }, "\(harness.log.text.suffix(3000))")
        #expect(harness.log.count("iceConfig failed: HTTP 503: text/html body (2355 bytes): 503 Service Temporarily Unavailable") == 2)
        #expect(harness.snapshot.metrics.numberOfErrors == 2)
        #expect(harness.recorder.connectedCount == 1)
        #expect(try emulator.stat("connections", "master") == 1)
        #expect(!harness.log.text.contains(Self.htmlMarker))
        #expect(harness.isConnected)
    }

    /// REST responses cut in the middle of a TLS record: before any of the response (FIN), after
    /// part of it (FIN), and with a reset. Each is one warning, one error, then a retry.
    ///
    /// The cut without any response comes first, on a fresh connection: on a reused keep-alive
    /// connection libcurl takes "nothing at all came back" for a connection the server had
    /// already closed and silently sends the request again on a new one.
    @Test func truncatedTLSOnRESTIsCountedAndRetried() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        try Self.fault(
            emulator, "truncate",
            ["count": 1, "listener": "control", "operations": ["DescribeSignalingChannel"], "partialResponse": false])
        try Self.fault(emulator, "truncate", ["count": 1, "listener": "control", "operations": ["GetSignalingChannelEndpoint"]])
        try Self.fault(
            emulator, "truncate", ["count": 1, "mode": "rst", "listener": "signaling", "operations": ["GetIceServerConfig"]])
        let harness = try Self.started(emulator, credentials)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")

        let warnings = harness.log.lines.filter { $0.level == .warning }.map(\.text)
        let expected = [
            "describe failed: transport failure: Empty reply from server; recovering",
            "endpoint failed: transport failure: transfer closed with 4065 bytes remaining to read; recovering",
            "iceConfig failed: transport failure: Recv failure: Connection reset by peer; recovering",
        ]
        for line in expected {
            #expect(warnings.filter { $0.hasPrefix(line) }.count == 1, "no single warning \(line) in \(warnings)")
        }
        #expect(harness.snapshot.metrics.numberOfErrors == 3)
        for step in [SignalingStep.describe, .endpoint, .iceConfig] {
            let failures = Self.failures(step, in: harness.recorder.events)
            #expect(failures.count == 1 && failures.allSatisfy { $0.kind == .transport }, "\(step): \(failures)")
        }
        for operation in ["DescribeSignalingChannel", "GetSignalingChannelEndpoint", "GetIceServerConfig"] {
            #expect(try emulator.stat("injected", "truncate:\(operation)") == 1)
            #expect(try emulator.stat("calls", operation) == 1)
        }
        #expect(harness.isConnected)
    }

    /// A WebSocket upgrade answered with a cut TLS record, with or without the start of a
    /// response before it: the connect step fails once, is counted, and the next attempt
    /// connects.
    @Test(arguments: [true, false])
    func truncatedTLSOnTheWebSocketUpgradeIsRetried(partialResponse: Bool) throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        try Self.fault(
            emulator, "truncate",
            ["count": 1, "listener": "signaling", "operations": ["ConnectAsMaster"], "partialResponse": partialResponse])
        let harness = try Self.started(emulator, credentials)
        defer { harness.stop() }
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")
        let failures = Self.failures(.connect, in: harness.recorder.events)
        #expect(failures.count == 1, "\(failures)")
        // With a response head libwebsockets rejects the status before it reads the cut record.
        let line =
            partialResponse
            ? "connect failed: HTTP 200: the server refused the WebSocket upgrade with HTTP 200; recovering"
            : "connect failed: transport failure: WebSocket connect failed: read failed; recovering"
        let warnings = harness.log.lines.filter { $0.level == .warning && !$0.text.hasPrefix("libwebsockets:") }.map(\.text)
        #expect(warnings.count == 1 && warnings.first?.hasPrefix(line) == true, "\(warnings)")
        #expect(harness.snapshot.metrics.numberOfErrors == 1)
        #expect(try emulator.stat("injected", "truncate:ConnectAsMaster") == 1)
        #expect(try emulator.stat("connections", "master") == 1)
        #expect(harness.isConnected)
    }

    /// The open WebSocket gets half a TLS record and then FIN or RST: one notice naming a lost
    /// connection, one (runtime) error, and a reconnect.
    @Test(arguments: ["fin", "rst"])
    func truncatedTLSOnTheOpenWebSocketReconnects(mode: String) throws {
        let started = try StartedIntegration(logLevel: .trace)
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")
        let cut = try emulator.admin("POST", "/master/truncate", ["channel": "cam", "mode": mode])
        #expect(cut.json["truncated"] as? Bool == true)
        #expect(harness.waitConnected(count: 2, timeout: .seconds(10)), "\(harness.log.text.suffix(4000))")

        let line = "signaling channel disconnected: socket failure: transport failure: the WebSocket connection was lost (no close frame)"
        #expect(harness.log.lines.filter { $0.level == .notice && $0.text.hasPrefix(line) }.count == 1, "\(harness.log.text.suffix(3000))")
        let lost = harness.recorder.events.filter { if case .disconnected(.failed) = $0 { true } else { false } }
        #expect(lost.count == 1)
        let metrics = harness.snapshot.metrics
        #expect(metrics.numberOfErrors == 1)
        #expect(metrics.numberOfRuntimeErrors == 1)
        #expect(metrics.numberOfReconnects == 1)
        #expect(try emulator.stat("connections", "master") == 2)
        #expect(try emulator.admin("GET", "/master/wait?channel=cam&timeout=5").status == 200)
        #expect(harness.isConnected)
    }
}
