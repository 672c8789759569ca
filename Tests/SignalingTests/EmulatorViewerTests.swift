import TestSupport
import Foundation
import Testing

@testable import Signaling

/// Real ConnectAsViewer sockets, the viewer quota, frame limits and the WebRTC storage session.
@Suite struct EmulatorViewerTests {
    static func viewerURL(_ setup: EmulatorWebSocketTests.Setup, clientId: String) throws -> String {
        try setup.signer.presign(
            host: EmulatorProcess.authority(setup.emulator.info.signalingEndpoint),
            query: [SigV4QueryItem("X-Amz-ChannelARN", setup.arn), SigV4QueryItem("X-Amz-ClientId", clientId)],
            now: Int64(Date().timeIntervalSince1970)
        ).url
    }

    @Test func viewerSocketExchangesWithTheMaster() throws {
        let setup = try EmulatorWebSocketTests.Setup(arguments: ["--max-viewers", "1"])
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()
        let viewer = try WebSocketPeer(
            url: Self.viewerURL(setup, clientId: "phone"), caCertificate: setup.emulator.info.caCertificate)
        #expect(viewer.nextEvent()?["event"] as? String == "connected")

        let offer = SignalingSessionDescription(kind: .offer, sdp: "v=0\r\ns=viewer\r\n")
        let payload = Data(offer.json.utf8).base64EncodedString()
        // A viewer's recipientClientId is ignored: the offer goes to the master.
        viewer.send(#"{"action":"SDP_OFFER","recipientClientId":"anyone","messagePayload":"\#(payload)"}"#)
        #expect(try SignalingIncomingMessage.decode(#require(master.nextMessage())) == .offer(offer, from: "phone"))

        let answer = SignalingSessionDescription(kind: .answer, sdp: "v=0\r\ns=master\r\n")
        master.send(try SignalingOutgoingMessage(answer, to: "phone").json)
        #expect(try SignalingIncomingMessage.decode(#require(viewer.nextMessage())) == .answer(answer, from: nil))
        #expect(try setup.emulator.stat("connections", "viewer") == 1)

        // The quota (1 here, 10 in KVS) refuses another client id with ClientLimitExceededException.
        let second = try WebSocketPeer(
            url: Self.viewerURL(setup, clientId: "tablet"), caCertificate: setup.emulator.info.caCertificate)
        let refused = try #require(second.nextEvent())
        #expect(refused["event"] as? String == "handshake-failed")
        #expect(refused["status"] as? Int == 400)
    }

    @Test func framesOverTheLimitCloseTheSocket() throws {
        let setup = try EmulatorWebSocketTests.Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()
        master.send(#"{"action":"ICE_CANDIDATE","recipientClientId":"v","messagePayload":"\#(String(repeating: "A", count: 200_000))"}"#)
        let closed = try #require(master.nextEvent())
        #expect(closed["event"] as? String == "closed")
        // The emulator closes with 1009; when the client is still writing the rest of the frame
        // the kernel answers the unread bytes with a reset, so the client may see 1006 instead.
        #expect([1009, 1006].contains(closed["code"] as? Int ?? 0))
        #expect(try setup.emulator.admin("GET", "/master/wait?connected=0&timeout=5").status == 200)
        #expect(try setup.emulator.stat("messagesRejected", "oversized") == 1)
    }

    @Test func storageSessionOffersAndTakesTheAnswer() throws {
        let stream = "arn:aws:kinesisvideo:us-west-2:123456789012:stream/cam-stream/1700000000000"
        let setup = try EmulatorWebSocketTests.Setup(arguments: ["--storage-stream", stream])
        defer { setup.emulator.stop() }
        let emulator = setup.emulator

        let storage = try emulator.send(
            setup.signer, endpoint: emulator.info.controlPlaneEndpoint, path: "/describeMediaStorageConfiguration",
            body: #"{"ChannelARN":"\#(setup.arn)"}"#)
        let configuration = storage.json["MediaStorageConfiguration"] as? [String: Any]
        #expect(configuration?["Status"] as? String == "ENABLED")
        #expect(configuration?["StreamARN"] as? String == stream)

        let endpoints = try emulator.send(
            setup.signer, endpoint: emulator.info.controlPlaneEndpoint, path: "/getSignalingChannelEndpoint",
            body: #"{"ChannelARN":"\#(setup.arn)","SingleMasterChannelEndpointConfiguration":{"Protocols":["WSS","HTTPS","WEBRTC"],"Role":"MASTER"}}"#)
        let list = try #require(endpoints.json["ResourceEndpointList"] as? [[String: String]])
        #expect(list.map { $0["Protocol"] ?? "" } == ["WSS", "HTTPS", "WEBRTC"])
        let webrtc = try #require(list.last?["ResourceEndpoint"])

        let join = #"{"channelArn":"\#(setup.arn)"}"#
        let early = try emulator.send(setup.signer, endpoint: webrtc, path: "/joinStorageSession", body: join)
        #expect(early.status == 400)

        let master = try setup.connectedMaster()
        #expect(try emulator.send(setup.signer, endpoint: webrtc, path: "/joinStorageSession", body: join).status == 200)
        guard case .offer(_, let from) = try SignalingIncomingMessage.decode(#require(master.nextMessage())) else {
            Issue.record("expected the storage session's offer")
            return
        }
        #expect(from == nil)

        let answer = Data(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n").json.utf8).base64EncodedString()
        master.send(#"{"action":"SDP_ANSWER","messagePayload":"\#(answer)","correlationId":"s1"}"#)
        let received = try emulator.admin("GET", "/storage/received?count=1&timeout=5").json
        let messages = try #require(received["messages"] as? [[String: Any]])
        #expect(messages.first?["messagePayload"] as? String == answer)
    }
}
