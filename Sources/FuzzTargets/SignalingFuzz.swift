import Signaling

/// KVS signaling messages (service events, client frames, GetIceServerConfig bodies) through the
/// checks in `SignalingFuzzCheck`.
public enum SignalingFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        switch SignalingFuzzCheck.run(data) {
        case .accepted: .accepted
        case .rejected: .rejected
        case .invariantViolated(let message): .invariantViolated(message)
        }
    }

    static let seeds: [[UInt8]] = [
        // An SDP_OFFER event: base64 of {"type":"offer","sdp":"v=0\r\n"}.
        #"{"senderClientId":"viewer-1","messageType":"SDP_OFFER","messagePayload":"eyJ0eXBlIjoib2ZmZXIiLCJzZHAiOiJ2PTBcclxuIn0="}"#,
        #"{"messageType":"GO_AWAY"}"#,
        #"{"messageType":"STATUS_RESPONSE","statusResponse":{"correlationId":"c1","errorType":"InvalidArgumentException","statusCode":"400","description":"bad"}}"#,
        #"{"action":"SDP_ANSWER","recipientClientId":"viewer-1","messagePayload":"eyJ0eXBlIjoiYW5zd2VyIiwic2RwIjoidj0wXHJcbiJ9"}"#,
        #"{"IceServerList":[{"Password":"pw","Ttl":300,"Uris":["turn:1.2.3.4:443?transport=udp"],"Username":"1700000000:ch"}]}"#,
    ].map { Array($0.utf8) }
}
