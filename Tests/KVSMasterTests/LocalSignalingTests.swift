import EventLoop
import Foundation
import KVSMaster
import Media
import Security
import TestSupport
import Testing
import WireKit

/// A master on its own loop with the local signaling server of `--local` (as the daemon wires
/// them), streaming an Annex-B file of GStreamer's colour-bar test pattern.
final class LocalHarness {
    let loop: EventLoop
    let master: Master
    let server: LocalSignalingServer
    let log = CapturedLog()
    let stream: URL
    private var stopped = false

    init(listen: SocketAddress, token: String? = nil, maxViewers: Int = 10, environment: [String: String] = [:]) throws {
        stream = try Self.colourBarStream()
        let source = try AnnexBStreamSource(input: .file(path: stream.path, loop: true), codec: .h264, frameRate: 30)
        var configuration = DaemonConfiguration(channelName: "local-test")
        configuration.statsInterval = .zero
        configuration.maxViewers = maxViewers
        configuration.localMode = true
        configuration.listen = listen
        configuration.localToken = token
        loop = try EventLoop(name: "local-test")
        var settings = MasterSettings(daemon: configuration, environment: environment)
        settings.adoptLocalMode(listen: listen)
        let master = Master(
            settings: settings, loop: loop, certificates: MasterHarness.certificates, source: source,
            logger: log.logger(level: .debug, label: "master"))
        self.master = master
        let local = LocalSignalingSettings.resolve(listen: listen, token: token, maxConnections: maxViewers)
        server = try LocalSignalingServer(
            settings: local, loop: loop, logger: log.logger(level: .debug, label: "local-signaling"),
            onEvent: { [weak master] event in master?.assumeIsolated { $0.handleSignaling(event) } })
        master.start(signaling: server)
    }

    deinit { stop() }

    var port: Int { server.port }
    var token: String? { server.settings.token }
    var logText: String { log.text }

    func stop() {
        guard !stopped else { return }
        stopped = true
        let done = DispatchSemaphore(value: 0)
        master.shutdown(deadline: .milliseconds(1000)) { done.signal() }
        _ = done.wait(timeout: .now() + .seconds(3))
        loop.stop()
        loop.join()
        try? FileManager.default.removeItem(at: stream.deletingLastPathComponent())
    }

    /// Ten seconds of SMPTE colour bars (many distinct colours, for the screenshot check).
    static func colourBarStream() throws -> URL {
        try MasterStreamingTests.makeH264Stream(frames: 300, bitrate: 1500, pattern: "smpte", keyInterval: 30)
    }

    /// Runs Tests/Support/Local/local_viewer.py (aiortc) to completion; its JSON lines.
    func runScript(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> [[String: Any]] {
        let python = ViewerProcess.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw EmulatorProcess.Failure(description: "aiortc is not installed: \(python) is missing (run scripts/install-deps.sh --test)")
        }
        let script = ViewerProcess.repositoryRoot.appendingPathComponent("Tests/Support/Local/local_viewer.py").path
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-local-viewer-\(UUID().uuidString).stderr")
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = try ScriptProcess(executable: python, arguments: [script] + arguments + ["--port", String(port)], stderrFile: errors)
        defer { process.stop(grace: .seconds(2)) }
        var lines: [[String: Any]] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, let line = process.lines.next(timeout: deadline - ContinuousClock.now) {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { lines.append(object) }
        }
        if !process.waitForExit(limit: .seconds(5)) || process.process.terminationStatus != 0 {
            lines.append(["event": "scriptFailed", "stderr": String(process.stderrText.suffix(3000))])
        }
        return lines
    }
}

extension Array where Element == [String: Any] {
    func event(_ name: String) -> [String: Any]? { first { $0["event"] as? String == name } }
}

@Suite(.serialized) struct LocalSignalingTests {
    /// aiortc, speaking the KVS viewer messages over the local WebSocket, streams from the
    /// master; frames the server must drop (not JSON, oversized, unknown action, binary) come
    /// first on the same socket and leave it working.
    @Test func aiortcViewerStreamsThroughLocalSignaling() throws {
        let harness = try LocalHarness(listen: SocketAddress("127.0.0.1:0")!)
        defer { harness.stop() }
        #expect(harness.port > 0)
        #expect(harness.token == nil)
        let started = ContinuousClock.now
        let lines = try harness.runScript(["view", "--bad-frames", "--frames", "60", "--messages", "3", "--timeout", "30"])
        let done = try #require(lines.event("done"), "no result from the viewer: \(lines.suffix(3))\n\(harness.logText.suffix(3000))")
        print("local signaling: aiortc decoded \(done["video"] ?? 0) frames, \(done["replies"] ?? 0) replies in \(ContinuousClock.now - started)")
        #expect(lines.event("answer")?["sender"] as? String == "kvsmaster")
        #expect(done.int("video") >= 60, "decoded \(done.int("video")) frames:\n\(harness.logText.suffix(3000))")
        #expect(done.int("width") == 640 && done.int("height") == 480)
        #expect(done.int("replies") == 3)
        #expect(done["replyText"] as? String == DaemonConfiguration.sampleDataChannelReply)
        let log = harness.logText
        #expect(log.contains("a bad frame from aiortc-viewer dropped: malformed JSON"))
        #expect(log.contains("a frame over 64 KiB from aiortc-viewer dropped"))
        #expect(log.contains("a bad frame from aiortc-viewer dropped: unknown messageType DANCE"))
        #expect(log.contains("a binary frame (KVS signaling is JSON text) from aiortc-viewer dropped"))
        #expect(log.contains("answering viewer aiortc-viewer"))
        #expect(harness.server.statusSummary.contains("received 1,"), "\(harness.server.statusSummary)")
    }

    /// Off loopback the page and the WebSocket need the token: none or a wrong one gets 403 and
    /// a refused upgrade; the right one gets the page and an open socket. The token never
    /// reaches the log.
    @Test func offLoopbackTheTokenIsRequired() throws {
        let namespace = try VethNamespace()
        defer { namespace.remove() }
        let harness = try LocalHarness(listen: SocketAddress("\(namespace.hostAddress):0")!)
        defer { harness.stop() }
        let token = try #require(harness.token, "no token generated off loopback")
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
        #expect(harness.server.viewerURL == "http://\(namespace.hostAddress):\(harness.port)/?token=\(token)")
        let host = ["--host", namespace.hostAddress]
        for presented in [nil, "0123456789abcdef0123456789abcdef", String(token.dropLast())] as [String?] {
            let lines = try harness.runScript(["probe"] + host + (presented.map { ["--token", $0] } ?? []))
            let probe = try #require(lines.event("probe"), "no probe result: \(lines)")
            #expect(probe.int("http") == 403, "token \(presented ?? "none"): \(probe)")
            #expect((probe["websocket"] as? String)?.hasPrefix("refused") == true, "token \(presented ?? "none"): \(probe)")
        }
        let lines = try harness.runScript(["probe", "--token", token] + host)
        let probe = try #require(lines.event("probe"), "no probe result: \(lines)")
        #expect(probe.int("http") == 200)
        #expect(probe["page"] as? Bool == true)
        #expect(probe["websocket"] as? String == "open")
        let log = harness.logText
        #expect(log.contains("refused (403): no access token"))
        #expect(log.contains("refused (403): wrong access token"))
        #expect(log.contains("WebSocket from \(namespace.hostAddress) refused: wrong access token"))
        #expect(!log.contains(token), "the token is in the log")
        #expect(harness.server.statusSummary.contains("refused 6"), "\(harness.server.statusSummary)")
    }

    /// A page of another site (Origin) or a DNS name rebound to loopback (Host) cannot open the
    /// signaling socket through a browser; the same socket from this server's own origin can.
    @Test func crossSiteWebSocketsAreRefused() throws {
        let harness = try LocalHarness(listen: SocketAddress("127.0.0.1:0")!)
        defer { harness.stop() }
        let own = try #require(try harness.runScript(["probe", "--origin", "http://127.0.0.1:\(harness.port)"]).event("probe"))
        #expect(own["websocket"] as? String == "open", "\(own)")
        let foreign = try #require(try harness.runScript(["probe", "--origin", "http://evil.example"]).event("probe"))
        #expect((foreign["websocket"] as? String)?.hasPrefix("refused") == true, "\(foreign)")
        let rebound = try #require(
            try harness.runScript(["probe", "--origin", "http://rebound.example:\(harness.port)", "--host-header", "rebound.example:\(harness.port)"])
                .event("probe"))
        #expect((rebound["websocket"] as? String)?.hasPrefix("refused") == true, "\(rebound)")
        #expect(harness.logText.contains("refused: cross-origin request from http://evil.example"))
        #expect(harness.logText.contains("refused: Host rebound.example:\(harness.port) is not an address of this machine"))
    }

    /// A second socket with a client id in use replaces the first, which is closed with 4000.
    @Test func aSecondSocketWithTheSameClientIdReplacesTheFirst() throws {
        let harness = try LocalHarness(listen: SocketAddress("127.0.0.1:0")!, maxViewers: 1)
        defer { harness.stop() }
        let lines = try harness.runScript(["sockets", "--count", "2", "--same-id"])
        let results = try #require(lines.event("sockets")?["results"] as? [[String: Any]], "no result: \(lines)")
        #expect(results.count == 2)
        #expect(results.first?["open"] as? Bool == false && results.first?.int("closeCode") == 4000, "\(results)")
        #expect(results.last?["open"] as? Bool == true, "\(results)")
        #expect(harness.logText.contains("socket connected again from 127.0.0.1; closing its previous socket"))
    }

    /// max-viewers bounds the signaling sockets: the one over the limit is closed with 1013.
    @Test func socketsOverMaxViewersAreRefused() throws {
        let harness = try LocalHarness(listen: SocketAddress("127.0.0.1:0")!, maxViewers: 2)
        defer { harness.stop() }
        let lines = try harness.runScript(["sockets", "--count", "3"])
        let results = try #require(lines.event("sockets")?["results"] as? [[String: Any]], "no result: \(lines)")
        #expect(results.count == 3)
        let open = results.filter { $0["open"] as? Bool == true }.compactMap { $0["id"] as? String }
        let refused = results.filter { $0["open"] as? Bool == false }
        #expect(open.sorted() == ["socket-0", "socket-1"], "\(results)")
        #expect(refused.count == 1 && refused.first?.int("closeCode") == 1013, "\(results)")
        #expect((refused.first?["reason"] as? String)?.contains("max-viewers 2") == true, "\(results)")
        #expect(harness.logText.contains("refused: 2 viewers connected, max-viewers is 2"))
    }
}
