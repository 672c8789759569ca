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
        #"[1,-2.5e3,"\u00e9\ud83d\ude00\/",true,false,null,{"a":[{}],"b":""}]"#,
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

/// `wss://` URLs (the presigned signaling URL): whatever the parser accepts must be safe to put on
/// an HTTP request line (RFC 9112 §3.2) and must describe itself as a URL that parses back to it.
public enum WebSocketURLFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        guard let text = String(validating: data, as: UTF8.self), let url = try? WebSocketURL(text) else { return .rejected }
        let unsafe = url.requestTarget.utf8.contains { $0 <= 0x20 || $0 >= 0x7F } || url.hostHeader.utf8.contains { $0 <= 0x20 || $0 >= 0x7F }
        if unsafe { return .invariantViolated("request line or Host header would carry a control, space or non-ASCII byte") }
        guard url.requestTarget.hasPrefix("/") else { return .invariantViolated("request target does not start with /") }
        guard url.requestTarget.utf8.count <= WebSocketURL.maximumRequestTarget else {
            return .invariantViolated("request target longer than the cap")
        }
        return .accepted
    }

    static let seeds: [[UInt8]] = [
        "wss://v-1234abcd.kinesisvideo.us-west-2.amazonaws.com?X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fcam%2F1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00ff",
        "wss://127.0.0.1:8443/path?a=b",
        "wss://[::1]:443/?X-Amz-ClientId=viewer-1",
    ].map { Array($0.utf8) }
}
