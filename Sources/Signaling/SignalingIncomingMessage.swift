import WireKit

/// The `statusResponse` the service returns when a message that carried a `correlationId`
/// failed (KVS developer guide, "Asynchronous message reception").
public struct SignalingStatusResponse: Equatable, Sendable {
    public var correlationId: String
    public var errorType: String?
    /// HTTP-style status, e.g. "400" (the guide types it as a string).
    public var statusCode: String?
    public var description: String?

    public init(correlationId: String, errorType: String? = nil, statusCode: String? = nil, description: String? = nil) {
        self.correlationId = correlationId
        self.errorType = errorType
        self.statusCode = statusCode
        self.description = description
    }
}

/// A message the service delivers on the signaling WebSocket (KVS developer guide,
/// "Asynchronous message reception" and "Disconnect"):
/// `{"senderClientId":…,"messageType":…,"messagePayload":<base64>,"statusResponse":{…}}`.
///
/// `from` is nil for messages from a KVS storage session, which carry no `senderClientId`.
public enum SignalingIncomingMessage: Equatable, Sendable {
    case offer(SignalingSessionDescription, from: String?)
    case answer(SignalingSessionDescription, from: String?)
    case iceCandidate(SignalingIceCandidate, from: String?)
    /// The service is about to close the connection; reconnect.
    case goAway
    /// The TURN servers are going away; fetch a new ICE server configuration.
    case reconnectICEServer
    case statusResponse(SignalingStatusResponse)

    /// The largest frame decoded. The service caps payloads at 10K of base64 and descriptions
    /// at 1K; 64 KiB leaves room for every legal message and bounds the work on hostile input.
    public static let maximumMessageSize = 64 * 1024

    /// The `messageType` text of this message.
    public var messageType: String {
        switch self {
        case .offer: "SDP_OFFER"
        case .answer: "SDP_ANSWER"
        case .iceCandidate: "ICE_CANDIDATE"
        case .goAway: "GO_AWAY"
        case .reconnectICEServer: "RECONNECT_ICE_SERVER"
        case .statusResponse: "STATUS_RESPONSE"
        }
    }

    private struct Raw: Decodable {
        var senderClientId: String?
        var messageType: String?
        var messagePayload: String?
        var statusResponse: RawStatus?
    }

    private struct RawStatus: Decodable {
        var correlationId: String?
        var errorType: String?
        var statusCode: LenientScalar?
        var description: String?
    }

    /// Decodes a WebSocket text frame. Total: every input either decodes or throws a typed error.
    public static func decode(_ bytes: [UInt8]) throws(SignalingCodecError) -> Self {
        guard bytes.count <= maximumMessageSize else {
            throw .oversized(size: bytes.count, limit: maximumMessageSize)
        }
        let raw = try SignalingJSON.decode(Raw.self, from: bytes, context: "message")
        guard let type = raw.messageType else { throw .missingField("messageType") }
        let sender = raw.senderClientId
        switch type {
        case "SDP_OFFER":
            return .offer(try SignalingSessionDescription.decode(requiredPayload(raw), expecting: .offer), from: sender)
        case "SDP_ANSWER":
            return .answer(
                try SignalingSessionDescription.decode(requiredPayload(raw), expecting: .answer), from: sender)
        case "ICE_CANDIDATE":
            return .iceCandidate(try SignalingIceCandidate.decode(requiredPayload(raw)), from: sender)
        case "GO_AWAY":
            return .goAway
        case "RECONNECT_ICE_SERVER":
            return .reconnectICEServer
        case "STATUS_RESPONSE":
            guard let status = raw.statusResponse else { throw .missingField("statusResponse") }
            guard let correlationId = status.correlationId else {
                throw .missingField("statusResponse.correlationId")
            }
            return .statusResponse(
                SignalingStatusResponse(
                    correlationId: correlationId, errorType: status.errorType, statusCode: status.statusCode?.text,
                    description: status.description))
        default:
            throw .unknownMessageType(type)
        }
    }

    /// Decodes a WebSocket text frame given as a string.
    public static func decode(_ text: String) throws(SignalingCodecError) -> Self {
        try decode(Array(text.utf8))
    }

    private static func requiredPayload(_ raw: Raw) throws(SignalingCodecError) -> [UInt8] {
        guard let payload = raw.messagePayload else { throw .missingField("messagePayload") }
        return try base64Payload(payload)
    }

    static func base64Payload(_ text: String) throws(SignalingCodecError) -> [UInt8] {
        guard let bytes = Base64.decode(text) else { throw .invalidBase64 }
        return bytes
    }

    /// The frame as the service would send it (used by tests and the local emulator).
    public var json: String {
        func payload(_ json: String) -> String { SignalingJSON.quoted(Base64.encode(json.utf8)) }
        let type = SignalingJSON.quoted(messageType)
        switch self {
        case .offer(let sdp, let from), .answer(let sdp, let from):
            return SignalingJSON.object([
                ("senderClientId", from.map(SignalingJSON.quoted)), ("messageType", type),
                ("messagePayload", payload(sdp.json)),
            ])
        case .iceCandidate(let candidate, let from):
            return SignalingJSON.object([
                ("senderClientId", from.map(SignalingJSON.quoted)), ("messageType", type),
                ("messagePayload", payload(candidate.json)),
            ])
        case .goAway, .reconnectICEServer:
            return SignalingJSON.object([("messageType", type)])
        case .statusResponse(let status):
            let inner = SignalingJSON.object([
                ("correlationId", SignalingJSON.quoted(status.correlationId)),
                ("errorType", status.errorType.map(SignalingJSON.quoted)),
                ("statusCode", status.statusCode.map(SignalingJSON.quoted)),
                ("description", status.description.map(SignalingJSON.quoted)),
            ])
            return SignalingJSON.object([("messageType", type), ("statusResponse", inner)])
        }
    }
}
