/// AWS security credentials as used to sign requests (AWS SigV4, "AWS security credentials"):
/// an access key id, its secret, and for temporary credentials (STS, the IoT credentials
/// provider) a session token and an expiration time.
///
/// The secret and the token never appear in `description`, `debugDescription` or a mirror
/// (`dump`), so a credential value can be logged or put in an error safely.
public struct AWSCredentials: Sendable, Equatable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Unix seconds after which the credentials stop working; nil for long-term keys.
    public var expiration: Int64?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int64? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// True when the credentials expire at or before `now` (Unix seconds).
    public func isExpired(now: Int64) -> Bool {
        guard let expiration else { return false }
        return expiration <= now
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shown in place of a secret.
    public static let redacted = "<redacted>"

    public var description: String {
        var text = "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: \(Self.redacted)"
        text += ", sessionToken: \(sessionToken == nil ? "none" : Self.redacted)"
        if let expiration {
            text += ", expiration: \(SigV4Timestamp(unixSeconds: expiration).amzDate)"
        }
        return text + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": Self.redacted,
                "sessionToken": sessionToken == nil ? "none" : Self.redacted,
                "expiration": expiration as Any,
            ],
            displayStyle: .struct)
    }
}
