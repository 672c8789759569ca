import Testing
import WireKit

@testable import Signaling

/// GetIceServerConfig and control-plane response models, and that secrets never show in
/// descriptions.
@Suite struct SignalingIceServerTests {
    static let response = """
        {"IceServerList":[\
        {"Uris":["turn:1-2-3-4.t-1.kinesisvideo.us-west-2.amazonaws.com:443?transport=udp",\
        "turns:1-2-3-4.t-1.kinesisvideo.us-west-2.amazonaws.com:443?transport=tcp"],\
        "Username":"1700000300:djE6YXJu","Password":"S3cr3tTurnPassw0rd=","Ttl":300},\
        {"Uris":["turn:5-6-7-8.t-1.kinesisvideo.us-west-2.amazonaws.com:443?transport=udp"],\
        "Username":"1700000240:djE6YXJu","Password":"AnotherSecretValue","Ttl":240}]}
        """

    @Test func decodesIceServerList() throws {
        let config = try KVSIceServerConfig.decode(Array(Self.response.utf8))
        #expect(config.servers.count == 2)
        #expect(config.servers[0].uris.count == 2)
        #expect(config.servers[0].username == "1700000300:djE6YXJu")
        #expect(config.servers[0].password == "S3cr3tTurnPassw0rd=")
        #expect(config.servers[0].ttl == .seconds(300))
        #expect(config.minimumTTL == .seconds(240))
    }

    @Test func passwordsAreMaskedInDescriptions() throws {
        let config = try KVSIceServerConfig.decode(Array(Self.response.utf8))
        let texts = [
            config.description, String(describing: config), "\(config.servers[0])", String(reflecting: config.servers[1]),
            "\(SignalingEvent.iceServersUpdated(config))",
            "\(SignalingOutput.event(.iceServersUpdated(config)))",
        ]
        for text in texts {
            #expect(!text.contains("S3cr3tTurnPassw0rd"))
            #expect(!text.contains("AnotherSecretValue"))
        }
        #expect(
            config.servers[1].description
                == "KVSIceServer(uris: [\"turn:5-6-7-8.t-1.kinesisvideo.us-west-2.amazonaws.com:443?transport=udp\"], username: 1700000240:djE6YXJu, password: <redacted>, ttl: 240s)"
        )
    }

    @Test func machineDescriptionsCarryNoSecrets() throws {
        var harness = SignalingHarness()
        harness.start()
        harness.connect()
        let config = try KVSIceServerConfig.decode(Array(Self.response.utf8))
        #expect(harness.machine.iceRefresh == .idle)
        harness.input(.webSocketMessage(try #require(harness.connectedSocket), Array("{\"messageType\":\"RECONNECT_ICE_SERVER\"}".utf8)))
        let id = try #require(harness.refreshCallID)
        harness.input(.callSucceeded(id, .iceServerConfig(config)))
        #expect(harness.machine.iceConfiguration == config)
        let everything = "\(harness.machine)" + "\(harness.log)" + String(reflecting: harness.machine)
        #expect(everything.contains("<redacted>"))
        #expect(!everything.contains("S3cr3tTurnPassw0rd"))
        #expect(!everything.contains("AnotherSecretValue"))
        #expect(!everything.contains("turn-pass"))
    }

    @Test(arguments: [
        ("{}", SignalingCodecError.missingField("IceServerList")),
        ("{\"IceServerList\":[{\"Username\":\"u\",\"Password\":\"p\",\"Ttl\":1}]}", .missingField("IceServerList.0.Uris")),
        ("{\"IceServerList\":[{\"Uris\":[],\"Password\":\"p\",\"Ttl\":1}]}", .missingField("IceServerList.0.Username")),
        ("{\"IceServerList\":[{\"Uris\":[],\"Username\":\"u\",\"Ttl\":1}]}", .missingField("IceServerList.0.Password")),
        ("{\"IceServerList\":[{\"Uris\":[],\"Username\":\"u\",\"Password\":\"p\"}]}", .missingField("IceServerList.0.Ttl")),
        ("{\"IceServerList\":[{\"Uris\":[],\"Username\":\"u\",\"Password\":\"p\",\"Ttl\":-5}]}", .wrongFieldType("IceServerList.0.Ttl")),
        ("{\"IceServerList\":[{\"Uris\":\"x\",\"Username\":\"u\",\"Password\":\"p\",\"Ttl\":5}]}", .wrongFieldType("IceServerList.0.Uris")),
        ("nope", .malformedJSON(context: "GetIceServerConfig")),
    ])
    func iceServerConfigErrors(body: String, expected: SignalingCodecError) {
        #expect(throws: expected) { try KVSIceServerConfig.decode(Array(body.utf8)) }
    }

    @Test func stunServerOfRegion() {
        #expect(KVSIceServer.stun(region: "eu-west-1").uris == ["stun:stun.kinesisvideo.eu-west-1.amazonaws.com:443"])
    }

    @Test func decodesDescribeSignalingChannel() throws {
        // The response shape shown in the developer guide.
        let body = """
            {"ChannelInfo":{"ChannelName":"YourChannelName",\
            "ChannelARN":"arn:aws:kinesisvideo:us-west-2:123456789012:channel/YourChannelName/1234567890123",\
            "ChannelType":"SINGLE_MASTER","ChannelStatus":"ACTIVE","CreationTime":"2024-07-07T23:28:24.941000-07:00",\
            "SingleMasterConfiguration":{"MessageTtlSeconds":60}},"Version":"Ws0fZvFGXzEpuZ2CE1s9"}
            """
        let info = try KVSChannelInfo.decode(Array(body.utf8))
        #expect(
            info
                == KVSChannelInfo(
                    name: "YourChannelName",
                    arn: "arn:aws:kinesisvideo:us-west-2:123456789012:channel/YourChannelName/1234567890123",
                    status: "ACTIVE", type: "SINGLE_MASTER", messageTtlSeconds: 60))
        #expect(throws: SignalingCodecError.missingField("ChannelInfo.ChannelARN")) {
            try KVSChannelInfo.decode(Array("{\"ChannelInfo\":{\"ChannelStatus\":\"ACTIVE\"}}".utf8))
        }
    }

    @Test func decodesSignalingChannelEndpoint() throws {
        let body = """
            {"ResourceEndpointList":[{"Protocol":"HTTPS","ResourceEndpoint":"https://your-endpoint.kinesisvideo.us-east-1.amazonaws.com"},\
            {"Protocol":"WSS","ResourceEndpoint":"wss://your-endpoint.kinesisvideo.us-east-1.amazonaws.com"}]}
            """
        let endpoints = try KVSChannelEndpoints.decode(Array(body.utf8))
        #expect(endpoints.webSocket == "wss://your-endpoint.kinesisvideo.us-east-1.amazonaws.com")
        #expect(endpoints.https == "https://your-endpoint.kinesisvideo.us-east-1.amazonaws.com")
        #expect(throws: SignalingCodecError.missingField("ResourceEndpointList.WSS")) {
            try KVSChannelEndpoints.decode(Array("{\"ResourceEndpointList\":[{\"Protocol\":\"HTTPS\",\"ResourceEndpoint\":\"h\"}]}".utf8))
        }
    }

    @Test func requestBodies() {
        #expect(KVSRequest.describeChannel(name: "cam").body == "{\"ChannelName\":\"cam\"}")
        #expect(
            KVSRequest.createChannel(name: "cam", messageTtlSeconds: 60).body
                == "{\"ChannelName\":\"cam\",\"ChannelType\":\"SINGLE_MASTER\",\"SingleMasterConfiguration\":{\"MessageTtlSeconds\":60}}"
        )
        #expect(
            KVSRequest.getSignalingChannelEndpoint(channelARN: "arn:a").body
                == "{\"ChannelARN\":\"arn:a\",\"SingleMasterChannelEndpointConfiguration\":{\"Protocols\":[\"WSS\",\"HTTPS\"],\"Role\":\"MASTER\"}}"
        )
        #expect(
            KVSRequest.getIceServerConfig(channelARN: "arn:a", httpsEndpoint: "https://h", clientId: "m").body
                == "{\"ChannelARN\":\"arn:a\",\"ClientId\":\"m\",\"Service\":\"TURN\"}")
        #expect(KVSRequest.getIceServerConfig(channelARN: "a", httpsEndpoint: "h", clientId: "m").path == "/v1/get-ice-server-config")
        #expect(KVSRequest.credentials.body == nil)
    }

    @Test func clockSkewMessageFromTheGuide() throws {
        let message =
            "Signature expired: 20240919T085634Z is now earlier than 20240919T155135Z (20240919T155635Z - 5 min.)"
        // Server 15:56:35 minus signed 08:56:34 = 7 h 1 s.
        #expect(KVSClockSkew.correction(fromMessage: message) == .seconds(7 * 3600 + 1))
        let ahead = "Signature not yet current: 20240919T160000Z is still later than 20240919T155500Z (20240919T155000Z + 5 min.)"
        #expect(KVSClockSkew.correction(fromMessage: ahead) == .seconds(-600))
        #expect(KVSClockSkew.correction(fromMessage: "Signature expired") == nil)
        #expect(KVSClockSkew.parseStamp(ArraySlice("19700101T000000Z".utf8)) == 0)
        #expect(KVSClockSkew.parseStamp(ArraySlice("20000301T000000Z".utf8)) == 951_868_800)
        #expect(KVSClockSkew.parseStamp(ArraySlice("20241319T000000Z".utf8)) == nil)
        #expect(KVSAPIError.http(403, "InvalidSignatureException", message: message).isClockSkew)
        #expect(!KVSAPIError.http(403, "AccessDeniedException", message: "denied").isClockSkew)
    }
}
