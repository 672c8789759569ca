import WireKit

/// The request to the AWS IoT credentials provider (AWS IoT Core Developer Guide, "Authorizing
/// direct calls to AWS services"): `GET https://<endpoint>/role-aliases/<alias>/credentials`
/// over TLS with the device certificate, with the thing name in `x-amzn-iot-thingname`.
public struct IoTCredentialRequest: Sendable, Equatable {
    public var url: String
    public var headers: [SigV4Header]

    public init(configuration: IoTCredentialConfiguration) {
        url = "https://\(configuration.endpoint)/role-aliases/\(SigV4Encoding.uriEncode(configuration.roleAlias))/credentials"
        var headers = [SigV4Header("Accept", "application/json")]
        if let thing = configuration.thingName {
            headers.append(SigV4Header("x-amzn-iot-thingname", thing))
        }
        self.headers = headers
    }
}

/// Why the IoT credentials provider gave no credentials. Descriptions carry libcurl's and the
/// service's messages, never credential material.
public enum IoTCredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP 403: the certificate is unknown, inactive, not attached to the thing, or its policy
    /// does not allow iot:AssumeRoleWithCertificate on the role alias.
    case forbidden(message: String?)
    case httpStatus(Int, message: String?)
    /// The endpoint's certificate did not verify against the trust anchors.
    case serverCertificateUntrusted(String)
    /// The client certificate or key file could not be used (CURLE_SSL_CERTPROBLEM).
    case clientCertificateUnusable(String)
    /// The TLS handshake failed, or the server closed the connection right after it without an
    /// HTTP response: typically the server refusing the client certificate.
    case tlsHandshakeFailed(String)
    case caCertificateUnusable(String)
    case timedOut(String)
    case connectionFailed(code: Int, message: String)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .forbidden(let message):
            "the IoT credentials provider refused the device certificate (HTTP 403\(message.map { ": \($0)" } ?? ""));"
                + " check the certificate is active, attached to the thing, and allowed to assume the role alias"
        case .httpStatus(let status, let message):
            "the IoT credentials provider answered HTTP \(status)\(message.map { ": \($0)" } ?? "")"
        case .serverCertificateUntrusted(let detail):
            "the IoT endpoint's certificate is not trusted (check AWS_KVS_CACERT_PATH): \(detail)"
        case .clientCertificateUnusable(let detail):
            "the device certificate or private key cannot be used: \(detail)"
        case .tlsHandshakeFailed(let detail):
            "TLS handshake with the IoT endpoint failed or was closed without a response"
                + " (device certificate rejected?): \(detail)"
        case .caCertificateUnusable(let detail):
            "the CA certificate bundle cannot be used: \(detail)"
        case .timedOut(let detail):
            "the IoT credentials request timed out: \(detail)"
        case .connectionFailed(let code, let message):
            "the IoT credentials request failed (libcurl error \(code)): \(message)"
        case .invalidResponse(let reason):
            "the IoT credentials response is not usable: \(reason)"
        }
    }
}

/// The IoT credentials provider's answer:
/// `{"credentials":{"accessKeyId":…,"secretAccessKey":…,"sessionToken":…,"expiration":"2026-11-21T08:15:27Z"}}`.
public enum IoTCredentialResponse {
    private struct Body: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String?
            var secretAccessKey: String?
            var sessionToken: String?
            var expiration: String?
        }
        var credentials: Credentials?
    }

    private struct ErrorBody: Decodable {
        var message: String?
    }

    /// The credentials in a 200 response. Errors name the missing or malformed field only.
    public static func parse(_ body: [UInt8]) throws(IoTCredentialError) -> AWSCredentials {
        guard let decoded = try? JSONValueDecoder().decode(Body.self, from: body) else {
            throw .invalidResponse("not a JSON object")
        }
        guard let fields = decoded.credentials else { throw .invalidResponse("no \"credentials\" object") }
        guard let accessKey = fields.accessKeyId, !accessKey.isEmpty else { throw .invalidResponse("no accessKeyId") }
        guard let secret = fields.secretAccessKey, !secret.isEmpty else { throw .invalidResponse("no secretAccessKey") }
        guard let token = fields.sessionToken, !token.isEmpty else { throw .invalidResponse("no sessionToken") }
        guard let expirationText = fields.expiration else { throw .invalidResponse("no expiration") }
        guard let expiration = ISO8601.unixSeconds(expirationText) else {
            throw .invalidResponse("expiration is not an ISO 8601 date-time")
        }
        return AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }

    /// The typed error for a non-200 answer, with the service's `message` when it sent one.
    public static func error(status: Int, body: [UInt8]) -> IoTCredentialError {
        let message = (try? JSONValueDecoder().decode(ErrorBody.self, from: body))?.message.map { String($0.prefix(200)) }
        return status == 403 ? .forbidden(message: message) : .httpStatus(status, message: message)
    }

    /// RFC 3339 date-times (the ISO 8601 profile AWS uses): `YYYY-MM-DDTHH:MM:SS`, optional
    /// fraction (truncated), then `Z` or `±HH:MM` / `±HHMM`.
    public enum ISO8601 {
        public static func unixSeconds(_ text: String) -> Int64? {
            let bytes = Array(text.utf8)
            guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
                let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2)
            else { return nil }
            var index = 19
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                let digits = bytes[index...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
                guard digits > 0 else { return nil }
                index += digits
            }
            guard let offset = zoneOffset(bytes[index...]) else { return nil }
            let civil = CivilDateTime(
                year: Int64(year), month: month, day: day, hour: hour, minute: minute, second: min(second, 60))
            guard let local = civil.unixSeconds else { return nil }
            return local - offset
        }

        /// Seconds east of UTC for `Z`, `+HH:MM` or `+HHMM`; nil for anything else.
        static func zoneOffset(_ zone: ArraySlice<UInt8>) -> Int64? {
            let bytes = Array(zone)
            if bytes == [UInt8(ascii: "Z")] || bytes == [UInt8(ascii: "z")] { return 0 }
            guard bytes.count == 6 || bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-")
            else { return nil }
            let minuteStart = bytes.count == 6 ? 4 : 3
            guard bytes.count == 5 || bytes[3] == UInt8(ascii: ":"), let hours = number(bytes, 1, 2),
                let minutes = number(bytes, minuteStart, 2), hours < 24, minutes < 60
            else { return nil }
            let seconds = Int64(hours * 3600 + minutes * 60)
            return bytes[0] == UInt8(ascii: "-") ? -seconds : seconds
        }

        static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
            guard start >= 0, start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
    }
}
