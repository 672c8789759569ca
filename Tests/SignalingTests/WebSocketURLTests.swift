import Signaling
import WireKit
import Testing

/// URL splitting, secret masking and argument checks (no network).
@Suite struct WebSocketURLTests {
    @Test func splitsAPresignedURLWithoutReencoding() throws {
        let text = "wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com/?X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fc%2F1&X-Amz-Signature=ab+cd~e%2F"
        let url = try WebSocketURL(text)
        #expect(url.host == "v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com")
        #expect(url.port == 443)
        #expect(url.hostHeader == "v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com")
        #expect(url.requestTarget == "/?X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fc%2F1&X-Amz-Signature=ab+cd~e%2F")
    }

    @Test func portsPathsAndIPv6() throws {
        let local = try WebSocketURL("WSS://localhost:8443/ws/path?x=1")
        #expect(local.host == "localhost")
        #expect(local.port == 8443)
        #expect(local.hostHeader == "localhost:8443")
        #expect(local.requestTarget == "/ws/path?x=1")
        let bare = try WebSocketURL("wss://example.com")
        #expect(bare.requestTarget == "/")
        let queryOnly = try WebSocketURL("wss://example.com?a=b")
        #expect(queryOnly.requestTarget == "/?a=b")
        let v6 = try WebSocketURL("wss://[::1]:9000/x")
        #expect(v6.host == "::1")
        #expect(v6.port == 9000)
        #expect(v6.hostHeader == "[::1]:9000")
    }

    @Test func refusesWhatCannotBeSentSafely() {
        let bad = [
            "ws://example.com/", "https://example.com/", "wss://", "wss:///path", "wss://example.com:0/",
            "wss://example.com:65536/", "wss://example.com:12a/", "wss://example.com:/", "wss://user@example.com/",
            "wss://example.com/a b", "wss://example.com/a\r\nX-Injected: 1", "wss://example.com/#frag",
            "wss://example.com/é", "wss://[::1/", "wss://[::1]x/",
            "wss://example.com/?" + String(repeating: "a", count: WebSocketURL.maximumRequestTarget),
            "wss://" + String(repeating: "h", count: 120) + "/",
        ]
        for text in bad {
            #expect(throws: WebSocketError.self, "\(text.prefix(60))") { try WebSocketURL(text) }
        }
    }

    @Test func invalidURLErrorsNeverQuoteTheQuery() {
        do {
            _ = try WebSocketURL("wss://example.com/?X-Amz-Signature=feedface0123 oops")
            Issue.record("accepted a space")
        } catch {
            #expect(!"\(error)".contains("feedface0123"))
            #expect("\(error)" == "invalid WebSocket URL: the path or query contains byte 0x20, which must be percent-encoded")
        }
    }

    @Test func redactsTheThreeSecretParameters() {
        #expect(
            WebSocketRedaction.redact(
                "GET /?X-Amz-Credential=AKIA%2F2026&X-Amz-Date=20261121T000000Z&x-amz-security-token=tok%2Ben&X-Amz-Signature=abc123 HTTP/1.1")
                == "GET /?X-Amz-Credential=***&X-Amz-Date=20261121T000000Z&x-amz-security-token=***&X-Amz-Signature=*** HTTP/1.1")
        // A line cut in the middle of a value, and values ended by quotes.
        #expect(WebSocketRedaction.redact("path '/?X-Amz-Signature=abc1") == "path '/?X-Amz-Signature=***")
        #expect(WebSocketRedaction.redact("\"X-Amz-Security-Token=zzz\" next") == "\"X-Amz-Security-Token=***\" next")
        #expect(WebSocketRedaction.redact("X-Amz-Signature=a&X-Amz-Signature=b") == "X-Amz-Signature=***&X-Amz-Signature=***")
        #expect(WebSocketRedaction.redact("nothing secret here") == "nothing secret here")
        #expect(WebSocketRedaction.redact("X-Amz-Signature=") == "X-Amz-Signature=***")
        #expect(WebSocketRedaction.redact("ünïcode X-Amz-Credential=ä€ end") == "ünïcode X-Amz-Credential=*** end")
    }

    @Test func closeArgumentsAreChecked() throws {
        let client = try WebSocketClient(configuration: WebSocketConfiguration())
        defer { client.shutdown() }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
            #expect(throws: WebSocketError.invalidCloseCode(code)) { try client.close(code: code) }
        }
        #expect(throws: WebSocketError.notConnected) { try client.close(code: 1000) }
        #expect(throws: WebSocketError.notConnected) { try client.send(text: "nobody listens") }
        #expect(throws: WebSocketError.invalidURL(reason: "the URL must start with wss://")) {
            try client.connect(url: "ws://insecure.example/", events: { _ in })
        }
        client.shutdown()
        #expect(throws: WebSocketError.shutDown) { try client.close(code: 1000) }
    }

    @Test func errorDescriptionsAreSpecific() {
        #expect("\(WebSocketError.upgradeRejected(status: 403))" == "the server refused the WebSocket upgrade with HTTP 403")
        #expect("\(WebSocketError.connectionRefused(host: "h", port: 1))" == "connection to h:1 refused")
        #expect("\(WebSocketError.connectFailed(detail: "x /?X-Amz-Signature=abc"))" == "WebSocket connect failed: x /?X-Amz-Signature=***")
    }
}

/// Seeded random and mutated URLs: parsing never traps, and whatever is accepted is safe to put
/// on a request line and parses back to the same value.
@Suite struct WebSocketURLRobustnessTests {
    @Test func hundredThousandMutatedURLs() {
        var random = SplitMix64(seed: 0x5753_5552_4C21)
        let seeds = [
            "wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00ff",
            "wss://localhost:8443/ws?a=1&b=%2F", "wss://[::1]:9000/x", "wss://example.com", "wss://h:1?q",
        ].map { Array($0.utf8) }
        let alphabet = Array("wss:/[]@?#%&=.:-_~ \r\n\u{7f}aZ09".utf8) + [0, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for round in 0..<100_000 {
            var bytes = seeds[Int(random.next() % UInt64(seeds.count))]
            if round % 10 == 0 {
                bytes = (0..<Int(random.next() % 40)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            } else {
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
                    let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    switch random.next() % 3 {
                    case 0: bytes.insert(byte, at: position)
                    case 1: if position < bytes.count { bytes.remove(at: position) }
                    default: if position < bytes.count { bytes[position] = byte }
                    }
                }
            }
            guard let url = try? WebSocketURL(String(decoding: bytes, as: UTF8.self)) else { continue }
            accepted += 1
            let target = Array(url.requestTarget.utf8)
            if target.first != UInt8(ascii: "/") || target.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "#") })
                || !(1...65535).contains(url.port) || url.host.isEmpty
            {
                Issue.record("unsafe URL accepted: \(bytes)")
                continue
            }
            let again = try? WebSocketURL("wss://\(url.hostHeader)\(url.requestTarget)")
            if again != url { Issue.record("round trip changed \(bytes)") }
        }
        #expect(accepted > 20_000)
    }
}
