/// Why a KVS signaling WebSocket message could not be decoded, or an outgoing one could not be
/// built (KVS WebRTC developer guide, "WebSocket endpoint APIs": SendSdpOffer, SendSdpAnswer,
/// SendIceCandidate and "Asynchronous message reception").
///
/// Every malformed input maps to exactly one case, so the daemon can count and log rejects
/// without string matching. No case carries payload text, so nothing secret can leak through it.
public enum SignalingCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The whole message is larger than the decoder accepts.
    case oversized(size: Int, limit: Int)
    /// The message (or the named nested value) is not well-formed JSON of the expected shape.
    case malformedJSON(context: String)
    /// A required member is absent (dotted path such as `statusResponse.correlationId`).
    case missingField(String)
    /// A member is present but has the wrong JSON type (e.g. a number where a string belongs).
    case wrongFieldType(String)
    /// `messageType` is not one the guide defines.
    case unknownMessageType(String)
    /// `messagePayload` is not valid base64.
    case invalidBase64
    /// The decoded payload of an SDP message has a `type` other than the message's own.
    case unexpectedSDPType(expected: String, found: String)
    /// A client or correlation id is empty, too long or outside `[a-zA-Z0-9_.-]+`.
    case invalidIdentifier(field: String, length: Int)
    /// The base64 `messagePayload` of an outgoing message exceeds the service's 10K limit.
    case payloadTooLarge(encodedSize: Int, limit: Int)

    public var description: String {
        switch self {
        case .oversized(let size, let limit): "message of \(size) bytes exceeds the \(limit)-byte limit"
        case .malformedJSON(let context): "malformed JSON in \(context)"
        case .missingField(let field): "missing field \(field)"
        case .wrongFieldType(let field): "field \(field) has the wrong JSON type"
        case .unknownMessageType(let type): "unknown messageType \(type.prefix(64))"
        case .invalidBase64: "messagePayload is not valid base64"
        case .unexpectedSDPType(let expected, let found): "SDP payload type \(found.prefix(32)), expected \(expected)"
        case .invalidIdentifier(let field, let length): "invalid \(field) (length \(length))"
        case .payloadTooLarge(let size, let limit): "messagePayload of \(size) characters exceeds the \(limit) limit"
        }
    }
}
