import Foundation
import Signaling
import Testing

/// The presigned URL's signature, session token and credential never reach a log line (ours or
/// libwebsockets' at its most verbose) or an error description.
@Suite(.serialized) struct WebSocketSecretTests {
    static let signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    static let token = "FQoGZXIvYXdzEBsessionTOKENdoNotLog" + String(repeating: "%2BsEcReT%2F", count: 120)
    static let accessKey = "ASIAQNOTTOBELOGGED01"

    static func presignedTarget(path: String = "/") -> String {
        path + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fc%2F1"
            + "&X-Amz-Credential=\(accessKey)%2F20261121%2Fus-west-2%2Fkinesisvideo%2Faws4_request"
            + "&X-Amz-Date=20261121T074200Z&X-Amz-Expires=299&X-Amz-Security-Token=\(token)"
            + "&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)"
    }

    static func leaks(_ text: String) -> Bool {
        text.contains(signature) || text.contains(accessKey) || text.contains("sessionTOKENdoNotLog")
            || text.contains("sEcReT")
    }

    @Test func noSecretInAnyLogLineOrError() throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let log = WebSocketLogCapture()
        WebSocketLibraryLog.route(level: .debug, to: log.sink)
        defer { WebSocketLibraryLog.route(level: .error, to: nil) }
        let client = try WebSocketClient(
            configuration: WebSocketConfiguration(trust: .caFile(server.ca), pingInterval: .milliseconds(100), log: log.sink))
        defer { client.shutdown() }
        var descriptions: [String] = []

        // A full session: open (with the long-target repair), echo, keepalive, close.
        let session = WebSocketEventRecorder()
        try client.connect(url: server.url(path: Self.presignedTarget()), events: session.handler)
        #expect(session.next() == .opened)
        try client.send(text: "!info")
        let info = try #require(session.nextText())
        #expect(info.contains(Self.signature))  // the server did get it
        #expect(session.next(timeout: .seconds(2)) == .pongReceived)
        try client.close(code: 1000, reason: "bye")
        #expect(session.nextIgnoringPongs() == .closed(WebSocketClose(code: 1000, reason: "bye", initiator: .local)))

        // A refused upgrade (what a bad signature gets).
        let refused = WebSocketEventRecorder()
        try client.connect(url: server.url(path: Self.presignedTarget(path: "/forbidden")), events: refused.handler)
        let rejection = try #require(refused.next())
        #expect(rejection == .failed(.upgradeRejected(status: 403)))
        descriptions.append("\(rejection)")

        // A TLS failure and an invalid URL, each with the secrets in the URL.
        let mismatch = WebSocketEventRecorder()
        try client.connect(url: server.url(path: Self.presignedTarget(), host: "127.0.0.1"), events: mismatch.handler)
        let tlsFailure = try #require(mismatch.next())
        guard case .failed(.tlsVerificationFailed) = tlsFailure else {
            Issue.record("expected a TLS failure, got \(tlsFailure)")
            return
        }
        descriptions.append("\(tlsFailure)")
        do {
            try client.connect(url: server.url(path: Self.presignedTarget() + "#fragment"), events: { _ in })
            Issue.record("a URL with a fragment was accepted")
        } catch {
            descriptions.append("\(error)")
        }
        let url = try WebSocketURL(server.url(path: Self.presignedTarget()))
        descriptions.append(url.description)
        #expect(url.description.contains("X-Amz-Signature=***"))
        #expect(url.description.contains("X-Amz-Security-Token=***&"))

        let lines = log.all
        // The capture is real: lws' own debug lines and our lines are in it.
        #expect(lines.contains { $0.hasPrefix("debug: lws: ") })
        #expect(lines.contains { $0.contains("connected to localhost:\(server.port)") })
        #expect(lines.count > 50)
        // The URL itself went through the log, masked.
        #expect(lines.contains { $0.contains("X-Amz-Credential=***&") && $0.contains("X-Amz-Signature=***") })
        for line in lines + descriptions where Self.leaks(line) {
            Issue.record("secret leaked: \(line.prefix(300))")
        }
    }
}
