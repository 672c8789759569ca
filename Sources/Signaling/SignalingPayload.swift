/// An SDP offer or answer as carried in a KVS `messagePayload`: the JSON form of a W3C
/// `RTCSessionDescriptionInit` (`{"type":"offer","sdp":"v=0…"}`), base64-encoded by the sender
/// (KVS developer guide, SendSdpOffer / SendSdpAnswer).
public struct SignalingSessionDescription: Equatable, Sendable {
    /// The `type` member; KVS relays only offers and answers.
    public enum Kind: String, Equatable, Sendable {
        case offer
        case answer
    }

    public var kind: Kind
    public var sdp: String

    public init(kind: Kind, sdp: String) {
        self.kind = kind
        self.sdp = sdp
    }

    /// The payload JSON before base64, members in the order browsers write them.
    public var json: String {
        SignalingJSON.object([("type", SignalingJSON.quoted(kind.rawValue)), ("sdp", SignalingJSON.quoted(sdp))])
    }

    private struct Raw: Decodable {
        var type: String?
        var sdp: String?
    }

    /// Parses the decoded payload of a message whose `messageType` says it is a `kind`.
    static func decode(_ payload: [UInt8], expecting kind: Kind) throws(SignalingCodecError) -> Self {
        let raw = try SignalingJSON.decode(Raw.self, from: payload, context: "messagePayload")
        guard let sdp = raw.sdp else { throw .missingField("messagePayload.sdp") }
        // Some senders omit `type`; the message type already says what it is.
        if let type = raw.type, type != kind.rawValue {
            throw .unexpectedSDPType(expected: kind.rawValue, found: type)
        }
        return Self(kind: kind, sdp: sdp)
    }
}

/// An ICE candidate as carried in a KVS `messagePayload`: the JSON form of a W3C
/// `RTCIceCandidateInit` (`{"candidate":"candidate:…","sdpMid":"0","sdpMLineIndex":0}`).
///
/// Candidates from a KVS storage session carry no `sdpMid` (developer guide, "Review ICE
/// candidate conversion"), so both media-line references are optional. An empty `candidate`
/// is the browsers' end-of-candidates marker and is kept as is.
public struct SignalingIceCandidate: Equatable, Sendable {
    /// The `a=candidate` value (RFC 8839 §5.1), `candidate:` prefix included.
    public var candidate: String
    public var sdpMid: String?
    public var sdpMLineIndex: Int?
    public var usernameFragment: String?

    public init(candidate: String, sdpMid: String? = nil, sdpMLineIndex: Int? = nil, usernameFragment: String? = nil) {
        self.candidate = candidate
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self.usernameFragment = usernameFragment
    }

    /// The payload JSON before base64; absent members are left out rather than written as null.
    public var json: String {
        SignalingJSON.object([
            ("candidate", SignalingJSON.quoted(candidate)),
            ("sdpMid", sdpMid.map(SignalingJSON.quoted)),
            ("sdpMLineIndex", sdpMLineIndex.map { String($0) }),
            ("usernameFragment", usernameFragment.map(SignalingJSON.quoted)),
        ])
    }

    private struct Raw: Decodable {
        var candidate: String?
        var sdpMid: LenientScalar?
        var sdpMLineIndex: LenientScalar?
        var usernameFragment: String?
    }

    static func decode(_ payload: [UInt8]) throws(SignalingCodecError) -> Self {
        let raw = try SignalingJSON.decode(Raw.self, from: payload, context: "messagePayload")
        guard let candidate = raw.candidate else { throw .missingField("messagePayload.candidate") }
        var index: Int?
        if let text = raw.sdpMLineIndex?.text {
            // A media-line index is small and non-negative; anything else is not a real index.
            guard let value = Int(text), value >= 0, value <= 0xFFFF else {
                throw .wrongFieldType("messagePayload.sdpMLineIndex")
            }
            index = value
        }
        return Self(
            candidate: candidate, sdpMid: raw.sdpMid?.text, sdpMLineIndex: index,
            usernameFragment: raw.usernameFragment)
    }
}
