import WireKit

/// The `action` of a message a client sends on the signaling WebSocket (KVS developer guide,
/// SendSdpOffer / SendSdpAnswer / SendIceCandidate).
public enum SignalingMessageAction: String, Equatable, Hashable, Sendable, CaseIterable {
    case sdpOffer = "SDP_OFFER"
    case sdpAnswer = "SDP_ANSWER"
    case iceCandidate = "ICE_CANDIDATE"
}

/// A message the master sends on the KVS signaling WebSocket (KVS developer guide,
/// "WebSocket endpoint APIs": SendSdpOffer, SendSdpAnswer, SendIceCandidate):
/// `{"action":…,"recipientClientId":…,"messagePayload":<base64>,"correlationId":…}`.
///
/// The factories validate the identifiers and refuse a payload whose base64 form exceeds the
/// service's 10K limit before anything is queued, so an over-long SDP fails loudly here rather
/// than silently at the service.
public struct SignalingOutgoingMessage: Equatable, Sendable {
    /// The guide's "Maximum length of 10K" for `messagePayload` (the base64 text).
    public static let maximumPayloadLength = 10 * 1024

    public var action: SignalingMessageAction
    /// The viewer the message is for; nil for the WebRTC storage session, which is the
    /// master's only peer there and is not addressed by a client id (KVS developer guide,
    /// "Controlling WebRTC ingestion": its offers carry no senderClientId either).
    public var recipientClientId: String?
    /// Base64 of the payload JSON.
    public var messagePayload: String
    public var correlationId: String?

    /// Builds a message from its parts, checking identifiers and the payload size.
    public init(
        action: SignalingMessageAction, recipientClientId: String?, messagePayload: String,
        correlationId: String? = nil
    ) throws(SignalingCodecError) {
        if let recipientClientId, !SignalingJSON.isValidIdentifier(recipientClientId) {
            throw .invalidIdentifier(field: "recipientClientId", length: recipientClientId.utf8.count)
        }
        if let correlationId, !SignalingJSON.isValidIdentifier(correlationId) {
            throw .invalidIdentifier(field: "correlationId", length: correlationId.utf8.count)
        }
        let length = messagePayload.utf8.count
        guard length <= Self.maximumPayloadLength else {
            throw .payloadTooLarge(encodedSize: length, limit: Self.maximumPayloadLength)
        }
        guard length > 0 else { throw .missingField("messagePayload") }
        self.action = action
        self.recipientClientId = recipientClientId
        self.messagePayload = messagePayload
        self.correlationId = correlationId
    }

    /// An SDP answer (or offer, following `description.kind`) for `recipientClientId` (nil:
    /// the storage session).
    public init(
        _ description: SignalingSessionDescription, to recipientClientId: String?, correlationId: String? = nil
    ) throws(SignalingCodecError) {
        try self.init(
            action: description.kind == .answer ? .sdpAnswer : .sdpOffer, recipientClientId: recipientClientId,
            messagePayload: Base64.encode(description.json.utf8), correlationId: correlationId)
    }

    /// An ICE candidate for `recipientClientId` (nil: the storage session).
    public init(
        _ candidate: SignalingIceCandidate, to recipientClientId: String?, correlationId: String? = nil
    ) throws(SignalingCodecError) {
        try self.init(
            action: .iceCandidate, recipientClientId: recipientClientId,
            messagePayload: Base64.encode(candidate.json.utf8), correlationId: correlationId)
    }

    /// The WebSocket text frame, members in the guide's order.
    public var json: String {
        SignalingJSON.object([
            ("action", SignalingJSON.quoted(action.rawValue)),
            ("recipientClientId", recipientClientId.map(SignalingJSON.quoted)),
            ("messagePayload", SignalingJSON.quoted(messagePayload)),
            ("correlationId", correlationId.map(SignalingJSON.quoted)),
        ])
    }

    private struct Raw: Decodable {
        var action: String?
        var recipientClientId: String?
        var messagePayload: String?
        var correlationId: String?
    }

    /// Parses a client frame (what the service, or a local emulator, receives).
    public static func decode(_ bytes: [UInt8]) throws(SignalingCodecError) -> Self {
        guard bytes.count <= SignalingIncomingMessage.maximumMessageSize else {
            throw .oversized(size: bytes.count, limit: SignalingIncomingMessage.maximumMessageSize)
        }
        let raw = try SignalingJSON.decode(Raw.self, from: bytes, context: "message")
        guard let actionText = raw.action else { throw .missingField("action") }
        guard let action = SignalingMessageAction(rawValue: actionText) else {
            throw .unknownMessageType(actionText)
        }
        guard let payload = raw.messagePayload else { throw .missingField("messagePayload") }
        return try Self(
            action: action, recipientClientId: raw.recipientClientId, messagePayload: payload, correlationId: raw.correlationId)
    }

    /// The payload decoded as an SDP description (for offers and answers).
    public func sessionDescription() throws(SignalingCodecError) -> SignalingSessionDescription {
        let payload = try SignalingIncomingMessage.base64Payload(messagePayload)
        switch action {
        case .sdpOffer: return try SignalingSessionDescription.decode(payload, expecting: .offer)
        case .sdpAnswer: return try SignalingSessionDescription.decode(payload, expecting: .answer)
        case .iceCandidate: throw .unexpectedSDPType(expected: "offer or answer", found: "candidate")
        }
    }

    /// The payload decoded as an ICE candidate.
    public func iceCandidate() throws(SignalingCodecError) -> SignalingIceCandidate {
        try SignalingIceCandidate.decode(SignalingIncomingMessage.base64Payload(messagePayload))
    }
}
