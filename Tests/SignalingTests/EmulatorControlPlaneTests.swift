import TestSupport
import Foundation
import Glibc
import KVSCrypto
import Testing

@testable import Signaling

/// The emulator's control plane and GetIceServerConfig, driven with the bodies this package
/// sends (`KVSRequest`) and decoded with its response models.
@Suite struct EmulatorControlPlaneTests {
    @Test func describeCreateDescribeEndpointIceConfig() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--ice-ttl", "60"])
        defer { emulator.stop() }
        let signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)

        let missing = try emulator.send(signer, .describeChannel(name: "front-door"))
        #expect(missing.status == 404)
        #expect(missing.headers["x-amzn-errortype"]?.hasPrefix("ResourceNotFoundException") == true)
        #expect(missing.json["Message"] as? String == "The requested channel is not found or not active.")

        let created = try emulator.send(signer, .createChannel(name: "front-door", messageTtlSeconds: 60))
        #expect(created.status == 200, "\(created.text)")
        let arn = try #require(created.json["ChannelARN"] as? String)
        #expect(arn.hasPrefix("arn:aws:kinesisvideo:\(emulator.info.region):\(emulator.info.accountId):channel/front-door/"))

        let again = try emulator.send(signer, .createChannel(name: "front-door", messageTtlSeconds: 60))
        #expect(again.status == 400)
        #expect(again.headers["x-amzn-errortype"]?.hasPrefix("ResourceInUseException") == true)

        let info = try KVSChannelInfo.decode(try emulator.send(signer, .describeChannel(name: "front-door")).body)
        #expect(info == KVSChannelInfo(name: "front-door", arn: arn, status: "ACTIVE", type: "SINGLE_MASTER", messageTtlSeconds: 60))

        let endpointResponse = try emulator.send(signer, .getSignalingChannelEndpoint(channelARN: arn))
        let endpoints = try KVSChannelEndpoints.decode(endpointResponse.body)
        #expect(endpoints.webSocket == emulator.info.signalingEndpoint)
        #expect(endpoints.https == emulator.info.signalingHTTPSEndpoint)

        let clientId = "kvsmaster-test"
        let iceResponse = try emulator.send(
            signer, .getIceServerConfig(channelARN: arn, httpsEndpoint: endpoints.https, clientId: clientId),
            endpoint: endpoints.https)
        #expect(iceResponse.status == 200, "\(iceResponse.text)")
        let config = try KVSIceServerConfig.decode(iceResponse.body)
        let server = try #require(config.servers.first)
        #expect(config.servers.count == 1)
        let port = try #require(emulator.info.turn?.port)
        #expect(server.uris == ["turn:127.0.0.1:\(port)?transport=udp", "turn:127.0.0.1:\(port)?transport=tcp"])
        #expect(server.ttl == .seconds(60))

        // TURN REST credentials (draft-uberti-rtcweb-turn-rest-00 §2.2) under coturn's secret.
        let parts = server.username.split(separator: ":", maxSplits: 1)
        #expect(parts.count == 2 && parts[1] == clientId[...])
        let expiry = try #require(parts.first.flatMap { Int64($0) })
        #expect(abs(expiry - (Int64(Date().timeIntervalSince1970) + 60)) <= 5)
        let secret = try #require(emulator.admin("GET", "/turn").json["secret"] as? String)
        let mac = try Crypto.hmac(.sha1, key: Array(secret.utf8), data: Array(server.username.utf8))
        #expect(server.password == Data(mac).base64EncodedString())
        #expect(!server.description.contains(server.password))

        // The TTL knob applies to later answers.
        #expect(try emulator.admin("POST", "/ice-ttl", ["seconds": 30]).status == 200)
        let shorter = try KVSIceServerConfig.decode(
            try emulator.send(
                signer, .getIceServerConfig(channelARN: arn, httpsEndpoint: endpoints.https, clientId: clientId),
                endpoint: endpoints.https
            ).body)
        #expect(shorter.minimumTTL == .seconds(30))

        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == 2)
        #expect(try emulator.stat("calls", "CreateSignalingChannel") == 2)
        #expect(try emulator.stat("calls", "GetIceServerConfig") == 2)
    }

    @Test func invalidRequestsGetKVSErrors() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        let signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)

        let badTTL = try emulator.send(signer, .createChannel(name: "other", messageTtlSeconds: 600))
        #expect(badTTL.status == 400)
        #expect(badTTL.headers["x-amzn-errortype"]?.hasPrefix("InvalidArgumentException") == true)

        let unknown = try emulator.send(signer, endpoint: emulator.info.controlPlaneEndpoint, path: "/deleteEverything", body: "{}")
        #expect(unknown.status == 404)
        #expect(unknown.headers["x-amzn-errortype"]?.hasPrefix("UnknownOperationException") == true)

        let unsigned = try Curl.request(
            method: "POST", url: emulator.info.controlPlaneEndpoint + "/describeSignalingChannel",
            headers: [("Content-Type", "application/json")], body: Array("{\"ChannelName\":\"cam\"}".utf8),
            caCertificate: emulator.info.caCertificate)
        #expect(unsigned.status == 403)
        #expect(unsigned.json["message"] as? String == "Missing Authentication Token")
        #expect(unsigned.headers["date"] != nil)

        // botocore parses the emulator's errors into the same codes it reports for KVS.
        let notFound = try emulator.botocore(
            credentials, operation: "GetSignalingChannelEndpoint",
            params: [
                "ChannelARN": "arn:aws:kinesisvideo:us-west-2:123456789012:channel/none/1",
                "SingleMasterChannelEndpointConfiguration": ["Protocols": ["WSS", "HTTPS"], "Role": "MASTER"],
            ])
        #expect(notFound["status"] as? Int == 404)
        #expect((notFound["error"] as? [String: Any])?["Code"] as? String == "ResourceNotFoundException")
    }

    /// Refusing for a second closes the listening sockets (connection refused, curl exit 7)
    /// and reopens them on the same ports.
    @Test func refusedConnectionsRecover() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        let signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)
        #expect(try emulator.send(signer, .describeChannel(name: "cam")).status == 200)

        #expect(try emulator.admin("POST", "/refuse", ["seconds": 1.0]).status == 200)
        let refused = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(refused.curlStatus == 7)
        let ice = try emulator.send(
            signer, endpoint: emulator.info.signalingHTTPSEndpoint, path: "/v1/get-ice-server-config", body: "{}")
        #expect(ice.curlStatus == 7)

        #expect(try emulator.admin("GET", "/refuse/wait?timeout=5").status == 200)
        #expect(try emulator.send(signer, .describeChannel(name: "cam")).status == 200)

        // The 503 flavour answers instead of refusing.
        #expect(try emulator.admin("POST", "/refuse", ["seconds": 1.0, "mode": "503"]).status == 200)
        let unavailable = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(unavailable.status == 503)
        #expect(try emulator.admin("GET", "/refuse/wait?timeout=5").status == 200)
        #expect(try emulator.send(signer, .describeChannel(name: "cam")).status == 200)
    }

    /// SIGTERM (unblocked by the emulator even when the test thread blocks it) stops the
    /// emulator, which stops and reaps coturn before it exits.
    @Test func sigtermStopsTheEmulatorAndCoturn() throws {
        let emulator = try EmulatorProcess(EmulatorCredentials.random())
        defer { emulator.stop() }
        let turnPID = try #require(emulator.info.turn?.pid)
        #expect(kill(turnPID, 0) == 0)
        #expect(kill(emulator.info.pid, SIGTERM) == 0)
        #expect(emulator.waitForExit(limit: .seconds(5)))
        #expect(kill(turnPID, 0) != 0)
    }
}
