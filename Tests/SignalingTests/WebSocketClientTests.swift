import Foundation
import Signaling
import Testing

/// The libwebsockets client against a real WSS server (aiohttp) over TLS with a test CA.
@Suite(.serialized) struct WebSocketClientTests {
    static func configuration(
        _ server: WebSocketTestServer, trust: WebSocketTrust? = nil, log: WebSocketLogSink? = nil,
        pingInterval: Duration = .seconds(30), pongTimeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(5), maxMessageSize: Int = 256 * 1024
    ) -> WebSocketConfiguration {
        WebSocketConfiguration(
            trust: trust ?? .caFile(server.ca), connectTimeout: connectTimeout, pingInterval: pingInterval,
            pongTimeout: pongTimeout, closeTimeout: .seconds(2), maxMessageSize: maxMessageSize, log: log)
    }

    /// Connects and waits for `opened`; returns the milliseconds it took.
    @discardableResult
    static func open(_ client: WebSocketClient, _ url: String, _ recorder: WebSocketEventRecorder) throws -> Double {
        let start = ContinuousClock.now
        try client.connect(url: url, events: recorder.handler)
        let event = try #require(recorder.nextTimed())
        #expect(event.event == .opened)
        let elapsed = event.at - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// A WSS test server and a client on it configured with ``configuration(_:trust:log:pingInterval:pongTimeout:connectTimeout:maxMessageSize:)``
    /// (the given ping interval and pong timeout), opened on the server's root URL with ``open(_:_:_:)``.
    static func opened(pingInterval: Duration = .seconds(30), pongTimeout: Duration = .seconds(10)) throws -> OpenWebSocket {
        let server = try WebSocketTestServer()
        let client: WebSocketClient
        do {
            client = try WebSocketClient(configuration: configuration(server, pingInterval: pingInterval, pongTimeout: pongTimeout))
        } catch {
            server.stop()
            throw error
        }
        let recorder = WebSocketEventRecorder()
        do {
            let milliseconds = try open(client, server.url(), recorder)
            return OpenWebSocket(server: server, client: client, recorder: recorder, openMilliseconds: milliseconds)
        } catch {
            client.shutdown()
            server.stop()
            throw error
        }
    }

    @Test func echoesAThousandMessagesSentFromSeveralThreads() throws {
        let connection = try Self.opened()
        defer { connection.stop() }
        let (server, client, recorder) = (connection.server, connection.client, connection.recorder)
        var connectTimes = [connection.openMilliseconds]

        let threads = 4
        let perThread = 250
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                do {
                    try client.send(text: "thread \(thread) message \(index) " + String(repeating: "x", count: index % 97))
                } catch {
                    Issue.record("send failed: \(error)")
                }
            }
        }
        var nextIndex = [Int](repeating: 0, count: threads)
        for _ in 0..<(threads * perThread) {
            let text = try #require(recorder.nextText(), "echo missing after \(nextIndex)")
            let words = text.split(separator: " ")
            let thread = try #require(Int(words[1]))
            let index = try #require(Int(words[3]))
            // Each thread's messages come back in the order it sent them, contents intact.
            #expect(index == nextIndex[thread])
            #expect(text == "thread \(thread) message \(index) " + String(repeating: "x", count: index % 97))
            nextIndex[thread] = index + 1
        }
        #expect(nextIndex == [Int](repeating: perThread, count: threads))
        // One large message (lws writes it in several sends) comes back whole.
        let large = String((0..<200_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        try client.send(text: large)
        #expect(recorder.nextText() == large)

        try client.close(code: 1000, reason: "done")
        #expect(recorder.nextIgnoringPongs() == .closed(WebSocketClose(code: 1000, reason: "done", initiator: .local)))

        for _ in 0..<4 {
            let again = WebSocketEventRecorder()
            connectTimes.append(try Self.open(client, server.url(), again))
            try client.close()
            _ = again.nextIgnoringPongs()
        }
        let sorted = connectTimes.sorted()
        print("WSS connect time to the local server (TCP + TLS 1.3 + upgrade), ms: \(connectTimes.map { ($0 * 10).rounded() / 10 }) median \(sorted[sorted.count / 2])")
    }

    @Test func upgradeRefusedWith403ReportsTheStatus() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let log = WebSocketLogCapture()
        let client = try WebSocketClient(configuration: Self.configuration(server, log: log.sink))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try client.connect(url: server.url(path: "/forbidden?X-Amz-Signature=deadbeef"), events: recorder.handler)
        #expect(recorder.next() == .failed(.upgradeRejected(status: 403)))
        #expect(log.all.contains { $0.contains("HTTP 403") })
    }

    @Test func untrustedCertificateIsATLSError() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let log = WebSocketLogCapture()
        let client = try WebSocketClient(configuration: Self.configuration(server, trust: .caFile(server.rogueCA), log: log.sink))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try client.connect(url: server.url(), events: recorder.handler)
        let event = recorder.next()
        guard case .failed(.tlsVerificationFailed) = event else {
            Issue.record("expected a TLS verification failure, got \(String(describing: event)); log \(log.all)")
            return
        }
        #expect(event == .failed(.tlsVerificationFailed(detail: "unable to get local issuer certificate (certificate depth 0)")))
    }

    @Test func refusedConnectionIsTyped() throws {
        let server = try WebSocketTestServer()
        let port = server.port
        server.stop()
        let log = WebSocketLogCapture()
        let client = try WebSocketClient(configuration: WebSocketConfiguration(trust: .systemStore, log: log.sink))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try client.connect(url: "wss://127.0.0.1:\(port)/", events: recorder.handler)
        #expect(recorder.next() == .failed(.connectionRefused(host: "127.0.0.1", port: port)))
        #expect(log.all.contains { $0.contains("connecting to 127.0.0.1:\(port) failed") })
    }

    @Test func longPresignedQueryArrivesByteExact() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let client = try WebSocketClient(configuration: Self.configuration(server))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        // A presigned-URL-shaped query of about 2 KB with the characters SigV4 leaves encoded.
        let token = String(repeating: "IQoJb3JpZ2luX2VjEOr%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLXdlc3QtMiJHMEUCIQ%3D%3D", count: 24)
        let target = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A123456789012%3Achannel%2Fcam-1%2F1700000000000"
            + "&X-Amz-Credential=ASIAEXAMPLEKEY%2F20261121%2Fus-west-2%2Fkinesisvideo%2Faws4_request&X-Amz-Date=20261121T074200Z"
            + "&X-Amz-Expires=299&X-Amz-Security-Token=\(token)&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&weird=a~b-c_d.e%20f%2Bg"
        #expect(target.utf8.count > 2000)
        try Self.open(client, server.url(path: target), recorder)
        try client.send(text: "!info")
        let info = try #require(recorder.nextText())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any])
        #expect(json["target"] as? String == target)
        #expect(json["host"] as? String == "localhost:\(server.port)")
        #expect(json["sni"] as? String == "localhost")
        try client.close()
        _ = recorder.nextIgnoringPongs()

        // lws 4.1 formats the request line in a 2048-byte window: targets around that edge
        // (request lines of 2046…2049 bytes) and a 4.5 KB one all arrive whole.
        for length in [2031, 2032, 2033, 2034, 4500] {
            let padded = "/?pad=" + String(repeating: "p", count: length - 7) + "z"
            #expect(padded.utf8.count == length)
            let each = WebSocketEventRecorder()
            try Self.open(client, server.url(path: padded), each)
            try client.send(text: "!info")
            let reply = try #require(each.nextText())
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any])
            #expect(fields["target"] as? String == padded, "target of \(length) bytes")
            try client.close()
            _ = each.nextIgnoringPongs()
        }
    }

    @Test func fragmentedMessageIsReassembled() throws {
        let connection = try Self.opened()
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        // Seven frames cut at byte offsets, so multi-byte characters straddle frame boundaries.
        let text = String(repeating: "fragmented – ünïcödé ✓ 🎥 ", count: 40)
        try client.send(text: "!fragment 7 \(text)")
        #expect(recorder.nextText() == text)
        try client.send(text: "!binary raw bytes")
        #expect(recorder.nextIgnoringPongs() == .binaryReceived(Array("raw bytes".utf8)))
    }

    @Test func oversizeMessageIsReportedAndTheConnectionContinues() throws {
        let connection = try Self.opened()
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        try client.send(text: "!oversize 262144")
        #expect(recorder.nextText() == String(repeating: "x", count: 256 * 1024))
        #expect(recorder.nextText() == "after-oversize")
        try client.send(text: "!oversize 300000")
        #expect(recorder.nextIgnoringPongs() == .messageDiscarded(.messageTooLarge(limit: 256 * 1024)))
        #expect(recorder.nextText() == "after-oversize")
        try client.send(text: "!badutf8")
        #expect(recorder.nextIgnoringPongs() == .messageDiscarded(.invalidUTF8))
        #expect(recorder.nextText() == "after-badutf8")
        try client.send(text: "still here")
        #expect(recorder.nextText() == "still here")
    }

    @Test func serverCloseCodeAndReasonAreReported() throws {
        let connection = try Self.opened()
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        try client.send(text: "!close 4001 going away now")
        #expect(recorder.nextIgnoringPongs() == .closed(WebSocketClose(code: 4001, reason: "going away now", initiator: .remote)))
        #expect(throws: WebSocketError.notConnected) { try client.send(text: "late") }
    }

    @Test func abruptDropIsDetectedQuickly() throws {
        let connection = try Self.opened()
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        let start = ContinuousClock.now
        try client.send(text: "!drop")
        let event = try #require(recorder.nextTimed())
        #expect(event.event == .failed(.connectionLost))
        let elapsed = event.at - start
        #expect(elapsed < .milliseconds(1000))
        print("abrupt TCP drop detected after \(elapsed)")
    }

    @Test func keepalivePingsGoOutAtTheInterval() throws {
        let connection = try Self.opened(pingInterval: .milliseconds(200))
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        for _ in 0..<5 { #expect(recorder.next(timeout: .seconds(2)) == .pongReceived) }
        try client.send(text: "!pings")
        let reply = try #require(recorder.nextText())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: [Double]])
        let pings = try #require(json["pings"])
        #expect(pings.count >= 5)
        let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }
        // Pings never come early; on a loaded machine one may come late.
        for gap in gaps { #expect(gap > 120 && gap < 1000, "ping gap \(gap) ms") }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        #expect(mean > 180 && mean < 350, "mean ping gap \(mean) ms")
        print("keepalive ping gaps at a 200 ms interval (ms): \(gaps.map { ($0 * 10).rounded() / 10 })")
    }

    @Test func deadPeerIsDetectedWhenPongsStop() throws {
        let connection = try Self.opened(pingInterval: .milliseconds(100), pongTimeout: .milliseconds(400))
        defer { connection.stop() }
        let (client, recorder) = (connection.client, connection.recorder)
        try client.send(text: "!silence")
        #expect(recorder.nextText() == "silent")
        let start = ContinuousClock.now
        let event = try #require(recorder.nextIgnoringPongs(timeout: .seconds(3)))
        #expect(event == .failed(.peerUnresponsive(milliseconds: 400)))
        let elapsed = ContinuousClock.now - start
        // At most one interval until the next ping, then the pong timeout.
        #expect(elapsed < .milliseconds(2000))
        print("dead peer detected \(elapsed) after it stopped answering pings")
    }

    @Test func answersServerPingsAndBoundsTheSendQueue() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.maxQueuedBytes = 64
        let client = try WebSocketClient(configuration: configuration)
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try Self.open(client, server.url(), recorder)
        try client.send(text: "!ping are-you-there")
        #expect(recorder.nextText() == "pong are-you-there")
        #expect(throws: WebSocketError.sendQueueFull(limit: 64)) { try client.send(text: String(repeating: "z", count: 65)) }
        try client.send(text: String(repeating: "z", count: 64))
        #expect(recorder.nextText() == String(repeating: "z", count: 64))
        try client.send(binary: [0, 1, 2, 255])
        #expect(recorder.nextIgnoringPongs() == .binaryReceived([0, 1, 2, 255]))
    }

    @Test func hostNameMismatchIsATLSError() throws {
        let server = try WebSocketTestServer(serverCertificateNames: "DNS:camera.example")
        defer { server.stop() }
        let client = try WebSocketClient(configuration: Self.configuration(server))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try client.connect(url: server.url(), events: recorder.handler)
        let event = recorder.next()
        guard case .failed(.tlsVerificationFailed(let detail)) = event else {
            Issue.record("expected a TLS verification failure, got \(String(describing: event))")
            return
        }
        #expect(detail.contains("hostname mismatch"))
    }

    @Test func trustsAHashedCADirectory() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let directory = try server.makeHashedCADirectory()
        #expect(WebSocketTrust.path(directory) == .caDirectory(directory))
        #expect(WebSocketTrust.path(server.ca) == .caFile(server.ca))
        let client = try WebSocketClient(configuration: Self.configuration(server, trust: .caDirectory(directory)))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try Self.open(client, server.url(), recorder)
        try client.send(text: "via directory")
        #expect(recorder.nextText() == "via directory")
    }

    @Test func missingCAFileFailsAtCreation() {
        #expect(throws: WebSocketError.contextCreationFailed(reason: "cannot read the CA file /nonexistent/ca.pem")) {
            _ = try WebSocketClient(configuration: WebSocketConfiguration(trust: .caFile("/nonexistent/ca.pem")))
        }
    }

    @Test func unknownHostIsTyped() throws {
        let client = try WebSocketClient(configuration: WebSocketConfiguration())
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        try client.connect(url: "wss://kvsmaster-test.invalid/", events: recorder.handler)
        #expect(recorder.next() == .failed(.hostNotFound(host: "kvsmaster-test.invalid")))
    }

    @Test func connectTimesOutWhenTheServerNeverAnswers() throws {
        // A listening socket nobody accepts from: TCP completes, the TLS handshake never does.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let client = try WebSocketClient(
            configuration: WebSocketConfiguration(trust: .systemStore, connectTimeout: .milliseconds(300)))
        defer { client.shutdown() }
        let recorder = WebSocketEventRecorder()
        let start = ContinuousClock.now
        try client.connect(url: "wss://127.0.0.1:\(port)/", events: recorder.handler)
        let event = try #require(recorder.nextTimed())
        #expect(event.event == .failed(.connectTimeout(milliseconds: 300)))
        let elapsed = event.at - start
        #expect(elapsed >= .milliseconds(300) && elapsed < .milliseconds(3000))
        // Abandoning a connection that is still opening reports our close.
        let abandoned = WebSocketEventRecorder()
        try client.connect(url: "wss://127.0.0.1:\(port)/", events: abandoned.handler)
        try client.close(code: 1000, reason: "never mind")
        #expect(abandoned.next() == .closed(WebSocketClose(code: 1000, reason: "never mind", initiator: .local)))
    }

    @Test func reconnectsAfterCloseFailureAndFromTheCallback() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let client = try WebSocketClient(configuration: Self.configuration(server))
        defer { client.shutdown() }
        // Refused upgrade, then a good connection on the same client.
        let refused = WebSocketEventRecorder()
        try client.connect(url: server.url(path: "/forbidden"), events: refused.handler)
        #expect(refused.next() == .failed(.upgradeRejected(status: 403)))
        let first = WebSocketEventRecorder()
        try Self.open(client, server.url(), first)
        #expect(throws: WebSocketError.alreadyConnected) { try client.connect(url: server.url(), events: first.handler) }
        try client.close()
        #expect(first.nextIgnoringPongs() == .closed(WebSocketClose(code: 1000, reason: "", initiator: .local)))
        // The server closes the next one; its events callback connects again at once.
        let second = WebSocketEventRecorder()
        let third = WebSocketEventRecorder()
        let url = server.url()
        try Self.open(client, url, second)
        try client.send(text: "!close 1000 bye")
        #expect(second.nextIgnoringPongs() == .closed(WebSocketClose(code: 1000, reason: "bye", initiator: .remote)))
        let reconnecting = WebSocketEventRecorder()
        let thirdHandler = third.handler
        try client.connect(url: url, events: { [client] event in
            reconnecting.handler(event)
            if event.isTerminal { try? client.connect(url: url, events: thirdHandler) }
        })
        #expect(reconnecting.next() == .opened)
        try client.send(text: "!close 4000 again")
        #expect(reconnecting.nextIgnoringPongs() == .closed(WebSocketClose(code: 4000, reason: "again", initiator: .remote)))
        #expect(third.next() == .opened)
        try client.send(text: "third connection")
        #expect(third.nextText() == "third connection")
    }

    @Test func shutdownWithAnOpenConnectionIsClean() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let client = try WebSocketClient(configuration: Self.configuration(server))
        let recorder = WebSocketEventRecorder()
        try Self.open(client, server.url(), recorder)
        try client.send(text: "before shutdown")
        #expect(recorder.nextText() == "before shutdown")
        client.shutdown()
        #expect(recorder.nextIgnoringPongs(timeout: .seconds(1)) == .closed(WebSocketClose(code: 1001, reason: "", initiator: .local)))
        #expect(throws: WebSocketError.shutDown) { try client.send(text: "after") }
        #expect(throws: WebSocketError.shutDown) { try client.connect(url: server.url(), events: recorder.handler) }
        client.shutdown()
    }
}

/// A WSS test server with a client connected to it (see ``WebSocketClientTests/opened(pingInterval:pongTimeout:)``).
/// `stop()` (call it in a `defer`) shuts the client down, then stops the server.
struct OpenWebSocket {
    let server: WebSocketTestServer
    let client: WebSocketClient
    let recorder: WebSocketEventRecorder
    /// How long the connect took until `opened`.
    let openMilliseconds: Double

    func stop() {
        client.shutdown()
        server.stop()
    }
}
