/// Credentials from environment variables (AWS SDKs and Tools Reference Guide, "Environment
/// variables": AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the way the KVS C
/// SDK samples take them. The environment is passed in, so tests need not touch the process's.
public enum AWSEnvironmentCredentials {
    public static let accessKeyVariable = "AWS_ACCESS_KEY_ID"
    public static let secretKeyVariable = "AWS_SECRET_ACCESS_KEY"
    public static let sessionTokenVariable = "AWS_SESSION_TOKEN"

    /// The credentials, or what is missing. An empty variable counts as unset.
    public static func resolve(environment: [String: String]) -> Result<AWSCredentials, CredentialProblem> {
        let accessKey = value(accessKeyVariable, in: environment)
        let secretKey = value(secretKeyVariable, in: environment)
        switch (accessKey, secretKey) {
        case (let accessKey?, let secretKey?):
            return .success(
                AWSCredentials(
                    accessKeyID: accessKey, secretAccessKey: secretKey,
                    sessionToken: value(sessionTokenVariable, in: environment)))
        case (nil, nil):
            return .failure(.environmentNotSet)
        case (nil, _):
            return .failure(.environmentPartial(set: secretKeyVariable, missing: accessKeyVariable))
        case (_, nil):
            return .failure(.environmentPartial(set: accessKeyVariable, missing: secretKeyVariable))
        }
    }

    /// The trimmed value of `name`, nil when unset or blank (a stray newline from `export
    /// AWS_SECRET_ACCESS_KEY=$(cat key)` would otherwise break every signature).
    static func value(_ name: String, in environment: [String: String]) -> String? {
        guard let raw = environment[name] else { return nil }
        let trimmed = AWSConfigFile.trim(raw.filter { $0 != "\n" && $0 != "\r\n" })
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}
