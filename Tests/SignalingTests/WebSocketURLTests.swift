import Signaling
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
