import Foundation
import Testing

@testable import Signaling

/// `RESTKVSClient` against the scripted server, which re-signs every request with botocore.
@Suite struct RESTKVSClientTests {
    typealias KVSResult = Result<RESTKVSReply<KVSResponse>, KVSAPIError>

    static func kvsClient(
        _ server: RESTTestServer, totalTimeout: Duration = .seconds(15), includeWebRTC: Bool = false,
        wallClock: @escaping @Sendable () -> Int64 = RESTKVSClient.systemWallClock
    ) throws -> RESTKVSClient {
        let endpoints = try KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": server.baseURL]).get()
        return RESTKVSClient(
            http: try server.client(totalTimeout: totalTimeout), endpoints: endpoints, includeWebRTCEndpoint: includeWebRTC,
            wallClock: wallClock)
    }

    static func call(
        _ client: RESTKVSClient, _ request: KVSRequest, clockOffset: Duration = .zero,
        credentials: AWSCredentials = RESTTestServer.credentials
    ) -> KVSResult? {
        let results = RESTResults<KVSResult>()
        client.call(request, credentials: credentials, clockOffset: clockOffset) { results.add($0) }
        return results.wait(for: 1).first
    }

    static let arn = "arn:aws:kinesisvideo:us-west-2:123456789012:channel/front-door/1234567890123"

    @Test func theWholeChainDecodesAndIsSignedCorrectly() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }

        let described = try #require(try Self.call(client, .describeChannel(name: "front-door"))?.get())
        #expect(described.value == .channelDescribed(KVSChannelInfo(name: "front-door", arn: Self.arn, status: "ACTIVE", type: "SINGLE_MASTER", messageTtlSeconds: 60)))
        let offset = try #require(described.serverClockOffset)
        #expect(offset < .seconds(3) && offset > .seconds(-3))

        let created = try #require(try Self.call(client, .createChannel(name: "front-door", messageTtlSeconds: 60))?.get())
        #expect(created.value == .channelCreated(channelARN: Self.arn))

        let endpoints = try #require(try Self.call(client, .getSignalingChannelEndpoint(channelARN: Self.arn))?.get())
        #expect(endpoints.value == .endpoints(KVSChannelEndpoints(webSocket: "wss://127.0.0.1:\(server.port)", https: server.baseURL)))

        let ice = try #require(
            try Self.call(client, .getIceServerConfig(channelARN: Self.arn, httpsEndpoint: server.baseURL, clientId: "master-1"))?.get())
        #expect(
            ice.value
                == .iceServerConfig(
                    KVSIceServerConfig(servers: [
                        KVSIceServer(
                            uris: ["turn:127.0.0.1:3478?transport=udp"], username: "1700000000:master-1",
                            password: "turnPasswordDoNotLog", ttl: .seconds(300))
                    ])))

        let log = try server.log()
        #expect(log.map(\.path) == ["/describeSignalingChannel", "/createSignalingChannel", "/getSignalingChannelEndpoint", "/v1/get-ice-server-config"])
        for entry in log {
            #expect(entry.signature == "valid", "\(entry.path): \(entry.signature)")
            #expect(entry.method == "POST")
            #expect(entry.header("Content-Type") == "application/json")
            #expect(entry.header("X-Amz-Security-Token") == RESTTestServer.sessionToken)
            #expect(entry.header("Host") == "127.0.0.1:\(server.port)")
            #expect(entry.header("Authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=\(RESTTestServer.accessKey)/") == true)
            #expect(entry.header("Authorization")?.contains("/us-west-2/kinesisvideo/aws4_request") == true)
        }
        #expect(log[0].body == #"{"ChannelName":"front-door"}"#)
        #expect(log[1].body == #"{"ChannelName":"front-door","ChannelType":"SINGLE_MASTER","SingleMasterConfiguration":{"MessageTtlSeconds":60}}"#)
        #expect(log[2].body == #"{"ChannelARN":"\#(Self.arn)","SingleMasterChannelEndpointConfiguration":{"Protocols":["WSS","HTTPS"],"Role":"MASTER"}}"#)
        #expect(log[3].body == #"{"ChannelARN":"\#(Self.arn)","ClientId":"master-1","Service":"TURN"}"#)
        // Keep-alive across the whole chain.
        #expect(Set(log.map(\.peerPort)).count == 1)
    }

    /// The server's botocore check is not a rubber stamp: a request signed with another secret,
    /// or altered after signing, is reported as a mismatch and refused.
    @Test func botocoreCatchesBadSignatures() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }
        var wrong = RESTTestServer.credentials
        wrong.secretAccessKey += "x"
        let result = Self.call(client, .describeChannel(name: "front-door"), credentials: wrong)
        guard case .failure(let error) = result else {
            Issue.record("expected a signature rejection, got \(String(describing: result))")
            return
        }
        #expect(error == KVSAPIError(
            kind: .http(status: 403), errorType: "InvalidSignatureException",
            message: "The request signature we calculated does not match the signature you provided.",
            serverClockOffset: error.serverClockOffset))
        #expect(!error.isClockSkew)
        // A body changed after signing.
        var request = try client.httpRequest(
            .describeChannel(name: "front-door"), credentials: RESTTestServer.credentials, clockOffset: .zero,
            now: RESTKVSClient.systemWallClock()
        ).get()
        request.body = Array(#"{"ChannelName":"back-door"}"#.utf8)
        let tampered = try #require(try client.http.sendAndWait(request)?.get())
        #expect(tampered.status == 403)
        let log = try server.log()
        #expect(log.count == 2)
        #expect(log.allSatisfy { $0.signature.hasPrefix("mismatch: botocore AWS4-HMAC-SHA256") }, "\(log.map(\.signature))")
    }

    @Test func storageCalls() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server, includeWebRTC: true)
        defer { client.http.close() }
        let credentials = AWSCredentials(accessKeyID: RESTTestServer.accessKey, secretAccessKey: RESTTestServer.secretKey)

        let storage = RESTResults<Result<RESTKVSReply<KVSMediaStorageConfiguration>, KVSAPIError>>()
        client.describeMediaStorageConfiguration(channelARN: Self.arn, credentials: credentials, clockOffset: .zero) { storage.add($0) }
        let configuration = try #require(try storage.wait(for: 1).first?.get())
        #expect(configuration.value == KVSMediaStorageConfiguration(enabled: true, streamARN: "arn:aws:kinesisvideo:us-west-2:123456789012:stream/front-door/1"))

        let endpoints = RESTResults<Result<RESTKVSReply<KVSResourceEndpoints>, KVSAPIError>>()
        client.getEndpoints(channelARN: Self.arn, includeWebRTC: true, credentials: credentials, clockOffset: .zero) { endpoints.add($0) }
        let all = try #require(try endpoints.wait(for: 1).first?.get())
        #expect(all.value.webRTC == server.baseURL + "/webrtc")

        let joined = RESTResults<Result<RESTKVSReply<Bool>, KVSAPIError>>()
        client.joinStorageSession(channelARN: Self.arn, webRTCEndpoint: try #require(all.value.webRTC), credentials: credentials, clockOffset: .zero) {
            joined.add($0)
        }
        #expect(try joined.wait(for: 1).first?.get().value == true)

        // The state-machine path asks for WEBRTC as well in storage mode.
        _ = try #require(try Self.call(client, .getSignalingChannelEndpoint(channelARN: Self.arn), credentials: credentials)?.get())

        let log = try server.log()
        #expect(log.map(\.path) == ["/describeMediaStorageConfiguration", "/getSignalingChannelEndpoint", "/webrtc/joinStorageSession", "/getSignalingChannelEndpoint"])
        #expect(log.allSatisfy { $0.signature == "valid" }, "\(log.map(\.signature))")
        #expect(log[0].body == #"{"ChannelARN":"\#(Self.arn)"}"#)
        #expect(log[1].body.contains(#""Protocols":["WSS","HTTPS","WEBRTC"]"#))
        #expect(log[2].body == #"{"channelArn":"\#(Self.arn)"}"#)
        #expect(log[3].body.contains(#""Protocols":["WSS","HTTPS","WEBRTC"]"#))
        #expect(log.allSatisfy { $0.header("X-Amz-Security-Token") == nil })
    }

    static let errorCases: [(type: String, status: Int)] = [
        ("ResourceNotFoundException", 404), ("AccessDeniedException", 403), ("ClientLimitExceededException", 400),
        ("InvalidArgumentException", 400), ("NotAuthorizedException", 401), ("InternalFailure", 500),
        ("ServiceUnavailableException", 503),
    ]

    @Test(arguments: ["header", "body"])
    func kvsErrorTypesAreMapped(where location: String) throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }
        for (type, status) in Self.errorCases {
            let result = Self.call(client, .describeChannel(name: "error.\(type).\(status).\(location)"))
            guard case .failure(let error) = result else {
                Issue.record("expected \(type), got \(String(describing: result))")
                continue
            }
            #expect(error.kind == .http(status: status))
            #expect(error.errorType == type)
            #expect(error.message == "\(type) for test")
            #expect(error.serverClockOffset != nil)
            #expect(!error.isClockSkew)
        }
        #expect(try server.log().allSatisfy { $0.signature == "valid" })
    }

    @Test func htmlErrorPageBecomesATypedErrorWithoutTheBody() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }
        let result = Self.call(client, .describeChannel(name: "html502"))
        guard case .failure(let error) = result else {
            Issue.record("expected a 502, got \(String(describing: result))")
            return
        }
        #expect(error.kind == .http(status: 502))
        #expect(error.errorType == nil)
        let message = try #require(error.message)
        #expect(message.hasPrefix("text/html body ("))
        #expect(message.hasSuffix("bytes): 502 Bad Gateway"))
        #expect(!message.contains("upstream-detail"))
        #expect(!error.description.contains("upstream-detail"))
    }

    @Test func malformedSuccessBodyIsAnInvalidResponse() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }
        let result = Self.call(client, .describeChannel(name: "malformed"))
        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(String(describing: result))")
            return
        }
        #expect(error.kind == .transport)
        #expect(error.errorType == "InvalidResponse")
        #expect(error.message?.hasPrefix("DescribeSignalingChannel answered HTTP 200 with an unusable body") == true)
    }

    @Test func timeoutAndRefusedConnectionAreTyped() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server, totalTimeout: .milliseconds(500))
        defer { client.http.close() }
        let slow = Self.call(client, .describeChannel(name: "hang"))
        guard case .failure(let timeout) = slow else {
            Issue.record("expected a timeout, got \(String(describing: slow))")
            return
        }
        #expect(timeout.kind == .timeout)

        let port = try RESTClientTests.unusedPort()
        let endpoints = try KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": "https://127.0.0.1:\(port)"]).get()
        let refused = RESTKVSClient(http: try server.client(), endpoints: endpoints)
        defer { refused.http.close() }
        let result = Self.call(refused, .describeChannel(name: "front-door"))
        guard case .failure(let error) = result else {
            Issue.record("expected a transport failure, got \(String(describing: result))")
            return
        }
        #expect(error.kind == .transport)
        #expect(error.errorType == "ConnectionFailed")
        #expect(error.message?.contains("\(port)") == true)
    }

    @Test func untrustedServerIsATransportError() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let endpoints = try KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": server.baseURL]).get()
        let client = RESTKVSClient(http: try server.client(ca: server.rogueCA), endpoints: endpoints)
        defer { client.http.close() }
        let result = Self.call(client, .describeChannel(name: "front-door"))
        guard case .failure(let error) = result else {
            Issue.record("expected a TLS failure, got \(String(describing: result))")
            return
        }
        #expect(error.kind == .transport)
        #expect(error.errorType == "CertificateUntrusted")
    }

    /// The server's clock runs 15 minutes ahead: the first call is refused with "Signature
    /// expired", the error carries the offset, and a call signed with it succeeds.
    @Test func clockSkewIsLearnedAndCorrected() throws {
        let server = try RESTTestServer(clockOffset: 900)
        defer { server.stop() }
        let client = try Self.kvsClient(server)
        defer { client.http.close() }
        let first = Self.call(client, .describeChannel(name: "front-door"))
        guard case .failure(let error) = first else {
            Issue.record("expected a skew rejection, got \(String(describing: first))")
            return
        }
        #expect(error.kind == .http(status: 403))
        #expect(error.errorType == "InvalidSignatureException")
        #expect(error.isClockSkew)
        #expect(error.message?.hasPrefix("Signature expired: ") == true)
        let offset = try #require(error.serverClockOffset)
        #expect(offset >= .seconds(897) && offset <= .seconds(903), "\(offset)")
        #expect(RESTClockSkew.exceedsTolerance(offset))

        let second = try #require(try Self.call(client, .describeChannel(name: "front-door"), clockOffset: offset)?.get())
        #expect(second.value == .channelDescribed(KVSChannelInfo(name: "front-door", arn: Self.arn, status: "ACTIVE", type: "SINGLE_MASTER", messageTtlSeconds: 60)))
        let log = try server.log()
        #expect(log.count == 2)
        #expect(log[0].signature.hasPrefix("skew:Signature expired"))
        #expect(log[1].signature == "valid")
    }

    /// A local clock 15 minutes fast, against a correct server: "Signature not yet current".
    @Test func localClockAheadIsCorrected() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server, wallClock: { RESTKVSClient.systemWallClock() + 900 })
        defer { client.http.close() }
        guard case .failure(let error) = Self.call(client, .describeChannel(name: "front-door")) else {
            Issue.record("expected a skew rejection")
            return
        }
        #expect(error.message?.hasPrefix("Signature not yet current: ") == true)
        let offset = try #require(error.serverClockOffset)
        #expect(offset >= .seconds(-903) && offset <= .seconds(-897), "\(offset)")
        #expect(try Self.call(client, .describeChannel(name: "front-door"), clockOffset: offset)?.get() != nil)
    }

    /// A 2xx with a Date 15 minutes off reports the offset with the value.
    @Test func successfulReplyReportsTheServerClock() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try Self.kvsClient(server, wallClock: { RESTKVSClient.systemWallClock() - 900 })
        defer { client.http.close() }
        // The skewed local clock signs 15 minutes in the past; sign with the correction up front.
        let reply = try #require(try Self.call(client, .describeChannel(name: "front-door"), clockOffset: .seconds(900))?.get())
        let offset = try #require(reply.serverClockOffset)
        #expect(offset >= .seconds(897) && offset <= .seconds(903), "\(offset)")
    }
}
