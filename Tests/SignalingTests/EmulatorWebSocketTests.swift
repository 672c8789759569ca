import TestSupport
import Foundation
import Testing

@testable import Signaling

/// The emulator's signaling WebSocket: ConnectAsMaster with a URL presigned by this package's
/// signer (the master is played by an aiohttp script), fault injection, and routing between
/// the master and a virtual viewer driven through the admin API.
@Suite struct EmulatorWebSocketTests {
    struct Setup {
        let emulator: EmulatorProcess
        let credentials: EmulatorCredentials
        let signer: SigV4Signer
        let arn: String

        init(arguments: [String] = []) throws {
            credentials = EmulatorCredentials.random()
            emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"] + arguments)
            signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)
            arn = try #require(emulator.info.channels.first?.arn)
        }

        func connectMaster(with signer: SigV4Signer? = nil) throws -> WebSocketPeer {
            let url = try (signer ?? self.signer).connectAsMasterURL(
                endpoint: emulator.info.signalingEndpoint, channelARN: arn, now: Int64(Date().timeIntervalSince1970))
            return try WebSocketPeer(url: url.url, caCertificate: emulator.info.caCertificate)
        }

        /// Connects the master and waits until the emulator has registered it.
        func connectedMaster() throws -> WebSocketPeer {
            let master = try connectMaster()
            let first = master.nextEvent()
            #expect(first?["event"] as? String == "connected", "\(String(describing: first)) \(master.stderr)")
            #expect(try emulator.admin("GET", "/master/wait?timeout=5").status == 200)
            return master
        }
    }

    @Test func presignedHandshakeIsAcceptedAndAWrongSignatureIsRefused() throws {
        let setup = try Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()
        #expect(try setup.emulator.stat("connections", "master") == 1)
        _ = master

        var wrong = setup.credentials
        wrong.secretKey += "x"
        let impostor = try setup.connectMaster(with: SigV4Signer(credentials: wrong.aws, region: setup.emulator.info.region))
        let refused = try #require(impostor.nextEvent())
        #expect(refused["event"] as? String == "handshake-failed")
        #expect(refused["status"] as? Int == 403)

        let skewed = try setup.connectMaster(
            with: SigV4Signer(credentials: setup.credentials.aws, region: setup.emulator.info.region, clockOffset: 900))
        #expect(skewed.nextEvent()?["status"] as? Int == 403)
        #expect(try setup.emulator.stat("signatureFailures", "mismatch") == 1)
        #expect(try setup.emulator.stat("signatureFailures", "skew") == 1)
    }

    @Test func injectedEventsReachTheMaster() throws {
        let setup = try Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()

        #expect(try setup.emulator.admin("POST", "/master/go-away").json["sent"] as? Bool == true)
        #expect(try SignalingIncomingMessage.decode(#require(master.nextMessage())) == .goAway)

        #expect(try setup.emulator.admin("POST", "/master/reconnect-ice-server").status == 200)
        #expect(try SignalingIncomingMessage.decode(#require(master.nextMessage())) == .reconnectICEServer)

        let status: [String: Any] = [
            "correlationId": "1700186220273", "errorType": "InvalidArgumentException", "statusCode": "400",
            "description": "codec not supported",
        ]
        #expect(try setup.emulator.admin("POST", "/master/status-response", status).status == 200)
        #expect(
            try SignalingIncomingMessage.decode(#require(master.nextMessage()))
                == .statusResponse(
                    SignalingStatusResponse(
                        correlationId: "1700186220273", errorType: "InvalidArgumentException", statusCode: "400",
                        description: "codec not supported")))

        // A reset drops the TCP connection without a close frame.
        #expect(try setup.emulator.admin("POST", "/master/reset").status == 200)
        let closed = try #require(master.nextEvent())
        #expect(closed["event"] as? String == "closed")
        #expect(closed["code"] as? Int != 1000)
        #expect(try setup.emulator.admin("GET", "/master/wait?connected=0&timeout=5").status == 200)
    }

    @Test func offerReachesTheMasterAndTheAnswerReachesTheViewer() throws {
        let setup = try Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()

        let offer = SignalingSessionDescription(kind: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
        let sent = try setup.emulator.admin(
            "POST", "/viewer/viewer-1/send", ["action": "SDP_OFFER", "payload": offer.json])
        #expect(sent.json["delivered"] as? Bool == true)
        #expect(try SignalingIncomingMessage.decode(#require(master.nextMessage())) == .offer(offer, from: "viewer-1"))

        let candidate = SignalingIceCandidate(
            candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0", sdpMLineIndex: 0)
        #expect(
            try setup.emulator.admin("POST", "/viewer/viewer-1/send", ["action": "ICE_CANDIDATE", "payload": candidate.json])
                .status == 200)
        #expect(
            try SignalingIncomingMessage.decode(#require(master.nextMessage())) == .iceCandidate(candidate, from: "viewer-1"))

        let answer = SignalingSessionDescription(kind: .answer, sdp: "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
        let outgoing = try SignalingOutgoingMessage(answer, to: "viewer-1", correlationId: "42")
        master.send(outgoing.json)
        let received = try setup.emulator.admin("GET", "/viewer/viewer-1/received?count=1&timeout=5").json
        let messages = try #require(received["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        #expect(messages.first?["action"] as? String == "SDP_ANSWER")
        #expect(messages.first?["messagePayload"] as? String == outgoing.messagePayload)
        #expect(messages.first?["correlationId"] as? String == "42")
        #expect(try setup.emulator.stat("messagesRouted", "viewerToMaster") == 2)
        #expect(try setup.emulator.stat("messagesRouted", "masterToViewer") == 1)
    }

    /// Invalid frames with a correlationId get a STATUS_RESPONSE; without one they are dropped.
    @Test func invalidMessagesGetStatusResponses() throws {
        let setup = try Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()

        master.send(#"{"action":"SDP_ANSWER","messagePayload":"eyJ0eXBlIjoiYW5zd2VyIn0=","correlationId":"c1"}"#)
        let missingRecipient = try SignalingIncomingMessage.decode(#require(master.nextMessage()))
        guard case .statusResponse(let status) = missingRecipient else {
            Issue.record("expected a STATUS_RESPONSE, got \(missingRecipient)")
            return
        }
        #expect(status.correlationId == "c1")
        #expect(status.statusCode == "400")
        #expect(status.errorType == "InvalidArgumentException")

        let oversized = String(repeating: "A", count: 10 * 1024 + 4)
        master.send(#"{"action":"ICE_CANDIDATE","recipientClientId":"v","messagePayload":"\#(oversized)","correlationId":"c2"}"#)
        guard case .statusResponse(let tooLarge) = try SignalingIncomingMessage.decode(#require(master.nextMessage())) else {
            Issue.record("expected a STATUS_RESPONSE for the oversized payload")
            return
        }
        #expect(tooLarge.correlationId == "c2")
        #expect(tooLarge.description?.contains("10K") == true)

        master.send(#"{"action":"SDP_ANSWER","messagePayload":"eA=="}"#)
        master.send(#"{"action":"NOPE","messagePayload":"eA==","correlationId":"c3"}"#)
        guard case .statusResponse(let third) = try SignalingIncomingMessage.decode(#require(master.nextMessage())) else {
            Issue.record("expected a STATUS_RESPONSE for the unknown action")
            return
        }
        // The uncorrelated invalid frame before it produced nothing.
        #expect(third.correlationId == "c3")
        #expect(try setup.emulator.stat("messagesRejected", "invalid") == 4)
    }

    /// The storage session offers without a senderClientId (KVS developer guide, "Controlling
    /// and controlled peers").
    @Test func storageSessionOfferHasNoSender() throws {
        let setup = try Setup()
        defer { setup.emulator.stop() }
        let master = try setup.connectedMaster()
        #expect(try setup.emulator.admin("POST", "/storage/offer").json["delivered"] as? Bool == true)
        let message = try SignalingIncomingMessage.decode(#require(master.nextMessage()))
        guard case .offer(let description, let from) = message else {
            Issue.record("expected an offer, got \(message)")
            return
        }
        #expect(from == nil)
        #expect(description.sdp.hasPrefix("v=0\r\n"))
    }
}
