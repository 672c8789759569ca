import WireKit

/// Robustness checks over the REST-side parsers (RFC 9110 §5.6.7 HTTP-date, RFC 8259 JSON, KVS
/// error bodies, the endpoint cache file, https endpoint URLs), shared by the seeded-input tests and a
/// libFuzzer entry point.
public enum RESTFuzzCheck {
    public typealias Outcome = SignalingFuzzCheck.Outcome

    public static func run(_ data: [UInt8]) -> Outcome {
        let text = String(decoding: data, as: UTF8.self)
        var accepted = false
        if let seconds = HTTPDate.parse(text) {
            accepted = true
            // Every date the parser accepts formats to an IMF-fixdate that parses back to it.
            let formatted = HTTPDate.format(seconds)
            guard HTTPDate.parse(formatted) == seconds else {
                return .invariantViolated("HTTP-date \(formatted) does not round-trip")
            }
        }
        if let value = try? JSONValue.parse(data) {
            accepted = true
            // Whatever parses writes back, compact or pretty, to text that parses to the same value.
            guard (try? JSONValue.parse(value.serialized())) == value, (try? JSONValue.parse(value.serialized(pretty: true))) == value
            else { return .invariantViolated("JSON value does not round-trip through the writer") }
        }
        if let fields = RESTKVSErrorMapping.jsonErrorFields(data) {
            accepted = true
            if let type = fields.type, type.contains(":") || type.contains("#") {
                return .invariantViolated("error type \(type) kept its namespace or URL")
            }
        }
        let response = HTTPResponse(status: 400, headers: [HTTPHeader("x-amzn-ErrorType", text)], body: data)
        let error = RESTKVSErrorMapping.apiError(for: response, serverClockOffset: nil, clockOffset: .zero)
        if let type = error.errorType, type.count > RESTKVSErrorMapping.maximumTypeLength {
            return .invariantViolated("error type longer than the cap")
        }
        if let message = error.message, message.count > RESTKVSErrorMapping.maximumMessageLength + 1 {
            return .invariantViolated("error message longer than the cap")
        }
        let entries = EndpointCache.decode(data)
        if !entries.isEmpty {
            accepted = true
            guard EndpointCache.decode(EndpointCache.encode(entries)) == entries else {
                return .invariantViolated("endpoint cache does not round-trip")
            }
        }
        if let endpoint = HTTPSEndpoint(text) {
            accepted = true
            guard HTTPSEndpoint(endpoint.description) == endpoint else {
                return .invariantViolated("endpoint \(endpoint) does not round-trip")
            }
        }
        return accepted ? .accepted : .rejected
    }
}
