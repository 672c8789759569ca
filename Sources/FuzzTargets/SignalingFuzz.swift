import Signaling

/// KVS signaling messages (service events, client frames, GetIceServerConfig bodies) through the
/// checks in `SignalingFuzzCheck`.
public enum SignalingFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome { FuzzOutcome(SignalingFuzzCheck.run(data)) }

    static let seeds: [[UInt8]] = [
        // An SDP_OFFER event: base64 of {"type":"offer","sdp":"v=0\r\n"}.
        #"{"senderClientId":"viewer-1","messageType":"SDP_OFFER","messagePayload":"eyJ0eXBlIjoib2ZmZXIiLCJzZHAiOiJ2PTBcclxuIn0="}"#,
        #"{"messageType":"GO_AWAY"}"#,
        #"{"messageType":"STATUS_RESPONSE","statusResponse":{"correlationId":"c1","errorType":"InvalidArgumentException","statusCode":"400","description":"bad"}}"#,
        #"{"action":"SDP_ANSWER","recipientClientId":"viewer-1","messagePayload":"eyJ0eXBlIjoiYW5zd2VyIiwic2RwIjoidj0wXHJcbiJ9"}"#,
        #"{"IceServerList":[{"Password":"pw","Ttl":300,"Uris":["turn:1.2.3.4:443?transport=udp"],"Username":"1700000000:ch"}]}"#,
    ].map { Array($0.utf8) }
}

/// The REST side: HTTP dates, KVS error bodies and headers, the endpoint cache file, endpoint URLs
/// (checks in `RESTFuzzCheck`).
public enum RESTFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome { FuzzOutcome(RESTFuzzCheck.run(data)) }

    static let seeds: [[UInt8]] = [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        #"{"__type":"com.amazonaws.kinesisvideo#ResourceNotFoundException","message":"The requested channel is not found"}"#,
        "https://kinesisvideo.us-west-2.amazonaws.com",
    ].map { Array($0.utf8) }
}

extension FuzzOutcome {
    init(_ outcome: SignalingFuzzCheck.Outcome) {
        switch outcome {
        case .accepted: self = .accepted
        case .rejected: self = .rejected
        case .invariantViolated(let message): self = .invariantViolated(message)
        }
    }
}
