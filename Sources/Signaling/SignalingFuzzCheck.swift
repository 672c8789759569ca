/// Robustness checks over the KVS signaling decoders, shared by the 100,000-input tests and a
/// libFuzzer entry point (KVS developer guide, "Asynchronous message reception").
public enum SignalingFuzzCheck {
    /// What one input did.
    public enum Outcome: Equatable, Sendable {
        case accepted
        case rejected
        case invariantViolated(String)
    }

    /// Decodes `data` as a service event, as a client frame and as a GetIceServerConfig body;
    /// whatever decodes must re-encode to text that decodes to the same value.
    public static func run(_ data: [UInt8]) -> Outcome {
        var accepted = false
        if let message = try? SignalingIncomingMessage.decode(data) {
            accepted = true
            guard let again = try? SignalingIncomingMessage.decode(message.json) else {
                return .invariantViolated("re-encoded \(message.messageType) does not decode")
            }
            guard again == message else { return .invariantViolated("\(message.messageType) round trip differs") }
        }
        if let message = try? SignalingOutgoingMessage.decode(data) {
            accepted = true
            guard let again = try? SignalingOutgoingMessage.decode(Array(message.json.utf8)), again == message else {
                return .invariantViolated("client frame round trip differs")
            }
        }
        if let config = try? KVSIceServerConfig.decode(data) {
            accepted = true
            // The description must not depend on the password beyond its being empty or not.
            for server in config.servers where !server.password.isEmpty {
                var other = server
                other.password = server.password + "x"
                if other.description != server.description {
                    return .invariantViolated("password visible in description")
                }
            }
        }
        return accepted ? .accepted : .rejected
    }
}
