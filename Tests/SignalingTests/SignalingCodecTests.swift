import Foundation
import Testing

@testable import Signaling

/// Exact wire shapes from the KVS developer guide ("WebSocket endpoint APIs") and every
/// decode error path.
@Suite struct SignalingCodecTests {
    static let answerPayload = "eyJ0eXBlIjoiYW5zd2VyIiwic2RwIjoidj0wXHJcbiJ9"
    static let candidatePayload =
        "eyJjYW5kaWRhdGUiOiJjYW5kaWRhdGU6MSAxIHVkcCAyMTMwNzA2NDMxIDE5Mi4wLjIuMSA1MDAwIHR5cCBob3N0Iiwic2RwTWlkIjoiMCIsInNkcE1MaW5lSW5kZXgiOjB9"
    static let offerPayload = "eyJ0eXBlIjoib2ZmZXIiLCJzZHAiOiJ2PTBcclxubz0tIDEgMSBJTiBJUDQgMC4wLjAuMFxyXG4ifQ=="
    static let storageCandidatePayload =
        "eyJjYW5kaWRhdGUiOiJjYW5kaWRhdGU6MiAxIHVkcCAxIDE5OC41MS4xMDAuNyA5IHR5cCBob3N0Iiwic2RwTUxpbmVJbmRleCI6MX0="

    static let hostCandidate = SignalingIceCandidate(
        candidate: "candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0)

    @Test func sdpAnswerHasTheGuideShape() throws {
        let message = try SignalingOutgoingMessage(
            SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), to: "viewer-1", correlationId: "c.1")
        #expect(message.action == .sdpAnswer)
        #expect(
            message.json
                == "{\"action\":\"SDP_ANSWER\",\"recipientClientId\":\"viewer-1\",\"messagePayload\":\"\(Self.answerPayload)\",\"correlationId\":\"c.1\"}"
        )
    }

    @Test func sdpOfferWithoutCorrelationIdOmitsIt() throws {
        let message = try SignalingOutgoingMessage(
            SignalingSessionDescription(kind: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"), to: "v2")
        #expect(
            message.json
                == "{\"action\":\"SDP_OFFER\",\"recipientClientId\":\"v2\",\"messagePayload\":\"\(Self.offerPayload)\"}")
    }

    @Test func iceCandidateHasTheGuideShape() throws {
        let message = try SignalingOutgoingMessage(Self.hostCandidate, to: "viewer-1")
        #expect(
            message.json
                == "{\"action\":\"ICE_CANDIDATE\",\"recipientClientId\":\"viewer-1\",\"messagePayload\":\"\(Self.candidatePayload)\"}"
        )
        #expect(
            Self.hostCandidate.json
                == "{\"candidate\":\"candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"
        )
    }

    @Test func outgoingRoundTrips() throws {
        let answer = try SignalingOutgoingMessage(
            SignalingSessionDescription(kind: .answer, sdp: "v=0\r\ns=\"quoted\" \\ \u{01}\r\n"), to: "a_b.c-d",
            correlationId: "42")
        let decoded = try SignalingOutgoingMessage.decode(Array(answer.json.utf8))
        #expect(decoded == answer)
        #expect(try decoded.sessionDescription() == SignalingSessionDescription(kind: .answer, sdp: "v=0\r\ns=\"quoted\" \\ \u{01}\r\n"))
        let candidate = try SignalingOutgoingMessage(Self.hostCandidate, to: "x")
        #expect(try SignalingOutgoingMessage.decode(Array(candidate.json.utf8)).iceCandidate() == Self.hostCandidate)
    }

    @Test func jsonEscapingIsReadableByFoundation() throws {
        let tricky = "a\"b\\c\n\r\t\u{08}\u{0C}\u{1F}é😀"
        let text = SignalingJSON.quoted(tricky)
        #expect(text == "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u001fé😀\"")
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String]
        #expect(parsed == [tricky])
    }

    @Test func oversizedPayloadIsRefusedBeforeSending() {
        let sdp = String(repeating: "a=x\r\n", count: 2000)  // 10,000 bytes of SDP → 18,704 characters of base64
        #expect(throws: SignalingCodecError.payloadTooLarge(encodedSize: 18704, limit: 10240)) {
            try SignalingOutgoingMessage(SignalingSessionDescription(kind: .answer, sdp: sdp), to: "v")
        }
        // Exactly at the limit is allowed.
        let atLimit = String(repeating: "A", count: 10240)
        #expect(throws: Never.self) {
            try SignalingOutgoingMessage(action: .sdpAnswer, recipientClientId: "v", messagePayload: atLimit)
        }
    }

    @Test func invalidIdentifiersAreRefused() {
        #expect(throws: SignalingCodecError.invalidIdentifier(field: "recipientClientId", length: 0)) {
            try SignalingOutgoingMessage(Self.hostCandidate, to: "")
        }
        #expect(throws: SignalingCodecError.invalidIdentifier(field: "recipientClientId", length: 9)) {
            try SignalingOutgoingMessage(Self.hostCandidate, to: "has space")
        }
        #expect(throws: SignalingCodecError.invalidIdentifier(field: "recipientClientId", length: 257)) {
            try SignalingOutgoingMessage(Self.hostCandidate, to: String(repeating: "v", count: 257))
        }
        #expect(throws: SignalingCodecError.invalidIdentifier(field: "correlationId", length: 3)) {
            try SignalingOutgoingMessage(Self.hostCandidate, to: "v", correlationId: "a/b")
        }
        #expect(throws: SignalingCodecError.missingField("messagePayload")) {
            try SignalingOutgoingMessage(action: .iceCandidate, recipientClientId: "v", messagePayload: "")
        }
    }

    // MARK: Incoming

    @Test func decodesOfferFromViewer() throws {
        let frame = "{\"senderClientId\":\"viewer-7\",\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"\(Self.offerPayload)\"}"
        let message = try SignalingIncomingMessage.decode(frame)
        #expect(
            message == .offer(SignalingSessionDescription(kind: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"), from: "viewer-7"))
        #expect(message.json == frame)
    }

    @Test func decodesStorageSessionCandidateWithoutSenderOrMid() throws {
        let frame = "{\"messageType\":\"ICE_CANDIDATE\",\"messagePayload\":\"\(Self.storageCandidatePayload)\"}"
        let message = try SignalingIncomingMessage.decode(frame)
        #expect(
            message
                == .iceCandidate(
                    SignalingIceCandidate(candidate: "candidate:2 1 udp 1 198.51.100.7 9 typ host", sdpMLineIndex: 1),
                    from: nil))
        #expect(message.json == frame)
    }

    @Test func acceptsStringMLineIndexAndUsernameFragment() throws {
        let payload = Data("{\"candidate\":\"\",\"sdpMid\":\"1\",\"sdpMLineIndex\":\"2\",\"usernameFragment\":\"uf\"}".utf8)
            .base64EncodedString()
        let message = try SignalingIncomingMessage.decode(
            "{\"senderClientId\":\"v\",\"messageType\":\"ICE_CANDIDATE\",\"messagePayload\":\"\(payload)\"}")
        #expect(
            message
                == .iceCandidate(
                    SignalingIceCandidate(candidate: "", sdpMid: "1", sdpMLineIndex: 2, usernameFragment: "uf"), from: "v"))
    }

    @Test func decodesDisconnectIndications() throws {
        #expect(try SignalingIncomingMessage.decode("{\"messageType\":\"GO_AWAY\"}") == .goAway)
        #expect(try SignalingIncomingMessage.decode("{\"messageType\":\"RECONNECT_ICE_SERVER\"}") == .reconnectICEServer)
        #expect(SignalingIncomingMessage.goAway.json == "{\"messageType\":\"GO_AWAY\"}")
    }

    @Test func decodesStatusResponse() throws {
        let frame =
            "{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{\"correlationId\":\"c1\",\"errorType\":\"InvalidArgumentException\",\"statusCode\":\"400\",\"description\":\"bad sdp\"}}"
        let status = SignalingStatusResponse(
            correlationId: "c1", errorType: "InvalidArgumentException", statusCode: "400", description: "bad sdp")
        #expect(try SignalingIncomingMessage.decode(frame) == .statusResponse(status))
        #expect(SignalingIncomingMessage.statusResponse(status).json == frame)
        // A numeric status code is accepted too.
        let numeric = "{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{\"correlationId\":\"c2\",\"statusCode\":403}}"
        #expect(
            try SignalingIncomingMessage.decode(numeric)
                == .statusResponse(SignalingStatusResponse(correlationId: "c2", statusCode: "403")))
    }

    @Test func incomingRoundTripsForEveryCase() throws {
        let cases: [SignalingIncomingMessage] = [
            .offer(SignalingSessionDescription(kind: .offer, sdp: "v=0\r\n"), from: "a"),
            .answer(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), from: nil),
            .iceCandidate(Self.hostCandidate, from: "b"),
            .goAway, .reconnectICEServer,
            .statusResponse(SignalingStatusResponse(correlationId: "c", errorType: "E", statusCode: "500", description: "d")),
        ]
        for message in cases {
            #expect(try SignalingIncomingMessage.decode(message.json) == message)
        }
    }

    @Test(arguments: [
        ("", SignalingCodecError.malformedJSON(context: "message")),
        ("{", .malformedJSON(context: "message")),
        ("[1,2]", .wrongFieldType("message")),
        ("{\"messageType\":5}", .wrongFieldType("messageType")),
        ("{}", .missingField("messageType")),
        ("{\"messageType\":\"HELLO\"}", .unknownMessageType("HELLO")),
        ("{\"messageType\":\"SDP_OFFER\"}", .missingField("messagePayload")),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"%%%\"}", .invalidBase64),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"bm90IGpzb24=\"}", .malformedJSON(context: "messagePayload")),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"e30=\"}", .missingField("messagePayload.sdp")),
        ("{\"messageType\":\"ICE_CANDIDATE\",\"messagePayload\":\"e30=\"}", .missingField("messagePayload.candidate")),
        ("{\"messageType\":\"STATUS_RESPONSE\"}", .missingField("statusResponse")),
        ("{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{}}", .missingField("statusResponse.correlationId")),
        ("{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{\"correlationId\":\"c\",\"statusCode\":true}}",
         .wrongFieldType("statusResponse.statusCode")),
        // Strict RFC 8259 and RFC 4648: a trailing comma, `=` inside the last base64 group and a
        // lone surrogate escape are refused (Foundation's decoders accepted the first two).
        ("{\"messageType\":\"GO_AWAY\",}", .malformedJSON(context: "message")),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"====\"}", .invalidBase64),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"e30=e30=\"}", .invalidBase64),
        ("{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"e30\"}", .invalidBase64),
        ("{\"messageType\":\"\\ud800\"}", .malformedJSON(context: "message")),
        ("{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{\"correlationId\":\"c\",\"statusCode\":4.5}}",
         .wrongFieldType("statusResponse.statusCode")),
        ("{\"messageType\":null}", .missingField("messageType")),
        ("{\"messageType\":[\"GO_AWAY\"]}", .wrongFieldType("messageType")),
    ])
    func decodeErrors(frame: String, expected: SignalingCodecError) {
        #expect(throws: expected) { try SignalingIncomingMessage.decode(frame) }
    }

    @Test func wrongSDPTypeIsRejected() {
        // {"type":"answer","sdp":"v=0\r\n"} delivered as an SDP_OFFER.
        let frame = "{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"\(Self.answerPayload)\"}"
        #expect(throws: SignalingCodecError.unexpectedSDPType(expected: "offer", found: "answer")) {
            try SignalingIncomingMessage.decode(frame)
        }
    }

    @Test func badMLineIndexIsRejected() {
        let payload = Data("{\"candidate\":\"c\",\"sdpMLineIndex\":-1}".utf8).base64EncodedString()
        #expect(throws: SignalingCodecError.wrongFieldType("messagePayload.sdpMLineIndex")) {
            try SignalingIncomingMessage.decode("{\"messageType\":\"ICE_CANDIDATE\",\"messagePayload\":\"\(payload)\"}")
        }
    }

    @Test func oversizedInputIsRejectedBeforeParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: 64 * 1024 + 1)
        #expect(throws: SignalingCodecError.oversized(size: 65537, limit: 65536)) {
            try SignalingIncomingMessage.decode(big)
        }
    }

    @Test func byteOrderMarkIntegralNumbersAndDuplicateMembersDecodeAsBefore() throws {
        #expect(try SignalingIncomingMessage.decode([0xEF, 0xBB, 0xBF] + Array(#"{"messageType":"GO_AWAY"}"#.utf8)) == .goAway)
        // The first of duplicate members counts.
        #expect(try SignalingIncomingMessage.decode(#"{"messageType":"GO_AWAY","messageType":"HELLO"}"#) == .goAway)
        let status = try SignalingIncomingMessage.decode(
            #"{"messageType":"STATUS_RESPONSE","statusResponse":{"correlationId":"c","statusCode":4e2}}"#)
        #expect(status == .statusResponse(SignalingStatusResponse(correlationId: "c", statusCode: "400")))
        let candidate = Data(#"{"candidate":"c","sdpMid":0,"sdpMLineIndex":1.0}"#.utf8).base64EncodedString()
        #expect(
            try SignalingIncomingMessage.decode(#"{"messageType":"ICE_CANDIDATE","messagePayload":"\#(candidate)"}"#)
                == .iceCandidate(SignalingIceCandidate(candidate: "c", sdpMid: "0", sdpMLineIndex: 1), from: nil))
    }

    @Test func invalidUTF8IsMalformed() {
        let bytes: [UInt8] = Array("{\"messageType\":\"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        #expect(throws: SignalingCodecError.malformedJSON(context: "message")) {
            try SignalingIncomingMessage.decode(bytes)
        }
    }
}
