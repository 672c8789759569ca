import Testing
import WireKit

@testable import Signaling

@Suite struct RESTErrorMappingTests {
    static func map(_ status: Int, headers: [HTTPHeader] = [], body: String, clockOffset: Duration = .zero) -> KVSAPIError {
        RESTKVSErrorMapping.apiError(
            for: HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), serverClockOffset: nil, clockOffset: clockOffset)
    }

    @Test func typeFromHeaderOrBody() {
        let coral = Self.map(
            404, headers: [HTTPHeader("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesisvideo/")],
            body: #"{"Message":"The requested channel is not found or not active."}"#)
        #expect(coral == .http(404, "ResourceNotFoundException", message: "The requested channel is not found or not active."))
        let body = Self.map(403, body: #"{"__type":"com.amazonaws.kinesisvideo#AccessDeniedException","message":"denied"}"#)
        #expect(body == .http(403, "AccessDeniedException", message: "denied"))
        let code = Self.map(400, body: #"{"code":"ClientLimitExceededException","message":7}"#)
        #expect(code == .http(400, "ClientLimitExceededException"))
        let headerWins = Self.map(400, headers: [HTTPHeader("x-amzn-ErrorType", "InvalidArgumentException")], body: #"{"__type":"Other"}"#)
        #expect(headerWins.errorType == "InvalidArgumentException")
        let headerMessage = Self.map(500, headers: [HTTPHeader("x-amzn-ErrorMessage", "internal")], body: "")
        #expect(headerMessage == .http(500, nil, message: "internal"))
        #expect(Self.map(503, body: "") == .http(503))
    }

    @Test func nonJSONBodiesAreSummarized() {
        let page = "<HTML><HEAD><TITLE>504 Gateway\nTime-out</TITLE></HEAD><body>" + String(repeating: "secret-ish ", count: 500) + "</body></HTML>"
        let error = Self.map(504, headers: [HTTPHeader("Content-Type", "text/html")], body: page)
        #expect(error == .http(504, nil, message: "text/html body (\(page.utf8.count) bytes): 504 Gateway Time-out"))
        #expect(Self.map(502, body: "oops") == .http(502, nil, message: "untyped body (4 bytes)"))
        let long = Self.map(400, body: #"{"message":""# + String(repeating: "m", count: 2000) + #""}"#)
        #expect(long.message?.count == RESTKVSErrorMapping.maximumMessageLength + 1)
    }

    @Test func skewMessageWithoutDateYieldsAnAbsoluteOffset() {
        let message = "Signature expired: 20240919T085634Z is now earlier than 20240919T155135Z (20240919T155635Z - 5 min.)"
        let error = Self.map(403, headers: [HTTPHeader("x-amzn-ErrorType", "InvalidSignatureException")], body: #"{"message":"\#(message)"}"#, clockOffset: .seconds(60))
        #expect(error.isClockSkew)
        // 15:56:35 − 08:56:34 = 7 h 0 min 1 s, on top of the offset already in use.
        #expect(error.serverClockOffset == .seconds(60 + 25_201))
        let dated = RESTKVSErrorMapping.apiError(for: HTTPResponse(status: 403, body: Array(#"{"message":"\#(message)"}"#.utf8)), serverClockOffset: .seconds(900), clockOffset: .zero)
        #expect(dated.serverClockOffset == .seconds(900))
    }

    @Test func transportErrors() {
        #expect(RESTKVSErrorMapping.apiError(for: .timedOut("Operation timed out after 500 milliseconds")) == KVSAPIError(kind: .timeout, message: "Operation timed out after 500 milliseconds"))
        #expect(RESTKVSErrorMapping.apiError(for: .transport(code: 56, message: "Recv failure")) == KVSAPIError(kind: .transport, message: "Recv failure"))
        #expect(RESTKVSErrorMapping.apiError(for: .cancelled).errorType == "Cancelled")
    }

    @Test func skewWarning() {
        #expect(RESTClockSkew.warning(offset: .seconds(900)).hasPrefix("the local clock is 900 s behind the KVS service"))
        #expect(RESTClockSkew.warning(offset: .seconds(-400)).hasPrefix("the local clock is 400 s ahead of the KVS service"))
        #expect(!RESTClockSkew.exceedsTolerance(.seconds(300)))
        #expect(RESTClockSkew.exceedsTolerance(.seconds(-301)))
    }

    /// Signed requests can be logged: the token and the signature are masked.
    @Test func requestDescriptionMasksSecrets() throws {
        let endpoints = try KVSEndpoints.resolve(environment: [:]).get()
        let http = try RESTClient(configuration: .init(trustStore: .libraryDefault))
        defer { http.close() }
        let client = RESTKVSClient(http: http, endpoints: endpoints)
        let request = try client.httpRequest(
            .describeChannel(name: "cam"), credentials: RESTTestServer.credentials, clockOffset: .zero, now: 1_700_000_000
        ).get()
        #expect(request.url == "https://kinesisvideo.us-west-2.amazonaws.com/describeSignalingChannel")
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        let signature = try #require(authorization.split(separator: "=").last)
        for text in [request.description, request.debugDescription, "\(request)"] {
            #expect(!text.contains(RESTTestServer.sessionToken))
            #expect(!text.contains(RESTTestServer.secretKey))
            #expect(!text.contains(String(signature)))
            #expect(text.contains("Authorization: <redacted>"))
        }
    }

    /// Seeded random and mutated inputs through every REST-side parser: nothing traps and the
    /// round-trip invariants hold.
    @Test func robustness() {
        let seeds: [[UInt8]] = [
            "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
            #"{"__type":"com.amazonaws.kinesisvideo#AccessDeniedException","message":"denied"}"#,
            "<html><title>502</title></html>", "https://127.0.0.1:8443/base",
            String(decoding: EndpointCache.encode([EndpointCacheEntry(
                key: EndpointCacheKey(channelName: "c", region: "us-west-2", dualStack: false), channelARN: "arn",
                endpoints: KVSChannelEndpoints(webSocket: "wss://a", https: "https://b"), storedAt: 5)]), as: UTF8.self),
        ].map { Array($0.utf8) }
        var rng = SplitMix64(seed: 0x5E57)
        var accepted = 0
        var violations: [String] = []
        for round in 0..<20_000 {
            var input = seeds[round % seeds.count]
            let edits = Int(rng.next() % 4)
            for _ in 0..<edits where !input.isEmpty {
                let index = Int(rng.next() % UInt64(input.count))
                switch rng.next() % 3 {
                case 0: input[index] = UInt8(truncatingIfNeeded: rng.next())
                case 1: input.remove(at: index)
                default: input.insert(UInt8(truncatingIfNeeded: rng.next() % 128), at: index)
                }
            }
            switch RESTFuzzCheck.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why): violations.append(why)
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        #expect(accepted > 5_000, "\(accepted)")
    }
}

@Suite struct HTTPMessageDescriptionTests {
    /// A response's description never includes its body (GetIceServerConfig carries TURN passwords).
    @Test func responseDescriptionHidesTheBody() {
        let response = HTTPResponse(
            status: 200, headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(#"{"IceServerList":[{"Password":"turnPasswordDoNotLog"}]}"#.utf8))
        for text in [response.description, response.debugDescription, "\(response)"] {
            #expect(text == "HTTP 200 [Content-Type] (\(response.body.count)-byte body)")
        }
        let request = HTTPRequest(method: "POST", url: "https://h/p", headers: [HTTPHeader("X-Amz-Security-Token", "tok"), HTTPHeader("Host", "h")], body: [1, 2])
        #expect(request.description == "POST https://h/p [X-Amz-Security-Token: <redacted>; Host: h] (2-byte body)")
    }
}
