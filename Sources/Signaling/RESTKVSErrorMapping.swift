import WireKit

/// Turns a failed KVS REST exchange into the `KVSAPIError` the state machine acts on (KVS API
/// reference, "Common errors": the error name comes in the `x-amzn-ErrorType` header and/or the
/// JSON body's `__type`, the text in `message`/`Message`).
///
/// Bodies that are not JSON (a load balancer's HTML 502 page) are summarized, never copied
/// whole into the error, so logs stay short and free of whatever the page contains.
public enum RESTKVSErrorMapping {
    static let maximumTypeLength = 128
    static let maximumMessageLength = 512

    /// The error for a non-2xx `response`. `serverClockOffset` is the Date header minus the
    /// local clock when there was one; otherwise a SigV4 clock-skew message yields it from
    /// `clockOffset` plus the correction the message implies.
    public static func apiError(
        for response: HTTPResponse, serverClockOffset: Duration?, clockOffset: Duration
    ) -> KVSAPIError {
        var errorType = response.header("x-amzn-ErrorType").flatMap(normalizedType)
        var message = response.header("x-amzn-ErrorMessage").map { clip($0, maximumMessageLength) }
        if let fields = jsonErrorFields(response.body) {
            errorType = errorType ?? fields.type
            message = fields.message ?? message
        } else if !response.body.isEmpty {
            message = message ?? summary(of: response)
        }
        var error = KVSAPIError(kind: .http(status: response.status), errorType: errorType, message: message)
        if let serverClockOffset {
            error.serverClockOffset = serverClockOffset
        } else if error.isClockSkew, let message, let correction = KVSClockSkew.correction(fromMessage: message) {
            error.serverClockOffset = clockOffset + correction
        }
        return error
    }

    /// The error for an exchange that produced no response.
    public static func apiError(for error: HTTPError) -> KVSAPIError {
        switch error {
        case .timedOut(let detail): KVSAPIError(kind: .timeout, message: detail)
        case .cancelled: KVSAPIError(kind: .transport, errorType: "Cancelled", message: error.description)
        case .certificateUntrusted: KVSAPIError(kind: .transport, errorType: "CertificateUntrusted", message: error.description)
        case .tlsFailed: KVSAPIError(kind: .transport, errorType: "TLSFailed", message: error.description)
        case .connectionFailed: KVSAPIError(kind: .transport, errorType: "ConnectionFailed", message: error.description)
        case .responseTooLarge: KVSAPIError(kind: .transport, errorType: "ResponseTooLarge", message: error.description)
        case .invalidRequest: KVSAPIError(kind: .transport, errorType: "InvalidRequest", message: error.description)
        case .transport(_, let message): KVSAPIError(kind: .transport, message: message)
        }
    }

    /// A 2xx whose body did not decode: retried like a transport failure.
    public static func apiError(forUndecodable response: HTTPResponse, operation: String, _ error: SignalingCodecError)
        -> KVSAPIError
    {
        KVSAPIError(
            kind: .transport, errorType: "InvalidResponse",
            message: "\(operation) answered HTTP \(response.status) with an unusable body: \(error)")
    }

    /// `ResourceNotFoundException:http://internal.amazon.com/coral/…` or
    /// `com.amazonaws.kinesisvideo#ResourceNotFoundException` → `ResourceNotFoundException`.
    static func normalizedType(_ raw: String) -> String? {
        var text = Substring(raw.trimmingASCIIWhitespace())
        if let colon = text.firstIndex(of: ":") { text = text[..<colon] }
        if let hash = text.lastIndex(of: "#") { text = text[text.index(after: hash)...] }
        let name = String(text.prefix(maximumTypeLength))
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return name
    }

    /// `__type`/`code` and `message`/`Message` of a JSON error body, nil when it is not a JSON
    /// object.
    static func jsonErrorFields(_ body: [UInt8]) -> (type: String?, message: String?)? {
        guard body.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }) == UInt8(ascii: "{"),
            let fields = try? JSONValueDecoder().decode(ErrorBody.self, from: body)
        else { return nil }
        let type = (fields.type ?? fields.code).flatMap(normalizedType)
        let message = (fields.message ?? fields.capitalMessage).map { clip($0, maximumMessageLength) }
        return (type, message)
    }

    /// "text/html body (1234 bytes): 502 Bad Gateway" with the page title, if any, clipped.
    static func summary(of response: HTTPResponse) -> String {
        var text = "\(response.mediaType ?? "untyped") body (\(response.body.count) bytes)"
        if let title = htmlTitle(response.body), !title.isEmpty { text += ": \(title)" }
        return text
    }

    /// The `<title>` text of an HTML page, printable ASCII only, at most 80 characters.
    static func htmlTitle(_ body: [UInt8]) -> String? {
        let lowered = body.prefix(8192).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        guard let open = lowered.firstSubsequenceRange(of: Array("<title>".utf8)),
            let close = lowered[open.upperBound...].firstSubsequenceRange(of: Array("</title>".utf8))
        else { return nil }
        let title = body[open.upperBound..<close.lowerBound].map { $0 >= 32 && $0 < 127 ? $0 : 32 }
        return clip(String(decoding: title, as: UTF8.self).trimmingASCIIWhitespace(), 80)
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    private struct ErrorBody: Decodable {
        var type: String?
        var code: String?
        var message: String?
        var capitalMessage: String?

        enum CodingKeys: String, CodingKey {
            case type = "__type"
            case code
            case message
            case capitalMessage = "Message"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // A field of the wrong type is ignored rather than failing the whole mapping.
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            code = try? container.decodeIfPresent(String.self, forKey: .code)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
            capitalMessage = try? container.decodeIfPresent(String.self, forKey: .capitalMessage)
        }
    }
}
