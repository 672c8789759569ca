/// Where the credential chain looks, in order (AWS SDKs and Tools Reference Guide,
/// "Standardized credential providers": environment, shared files, then the device's AWS IoT
/// certificate through the IoT credentials provider).
public enum CredentialSource: Sendable, Equatable, Hashable, CustomStringConvertible {
    case environment
    /// A profile from the shared credentials or config file.
    case sharedFile(profile: String, path: String)
    /// The AWS IoT credentials provider at `endpoint`, assuming `roleAlias`.
    case iot(endpoint: String, roleAlias: String)

    public var description: String {
        switch self {
        case .environment: "environment variables"
        case .sharedFile(let profile, let path): "profile '\(profile)' in \(path)"
        case .iot(let endpoint, let roleAlias): "AWS IoT role alias '\(roleAlias)' at \(endpoint)"
        }
    }
}

/// What one credential source lacked or got wrong. Descriptions name the variable, file or
/// profile involved and never contain a secret.
public enum CredentialProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case environmentNotSet
    /// One of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY is set, the other is not.
    case environmentPartial(set: String, missing: String)
    case homeNotSet
    case sharedFilesMissing(credentialsPath: String, configPath: String)
    case sharedFileUnreadable(path: String)
    case profileNotFound(profile: String, paths: [String])
    /// The profile exists but lacks `missing` (e.g. a role_arn or sso profile, which this
    /// client does not resolve).
    case profileIncomplete(profile: String, path: String, missing: String)
    case iotNotConfigured
    /// Some AWS_IOT_CORE_* variables are set but these required ones are not.
    case iotVariablesMissing([String])
    case iotFileMissing(variable: String, path: String)
    case iotFetchFailed(IoTCredentialError)

    public var description: String {
        switch self {
        case .environmentNotSet:
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
        case .environmentPartial(let set, let missing):
            "\(set) is set but \(missing) is not"
        case .homeNotSet:
            "HOME is not set, so ~/.aws/credentials and ~/.aws/config cannot be located"
        case .sharedFilesMissing(let credentialsPath, let configPath):
            "neither \(credentialsPath) nor \(configPath) exists"
        case .sharedFileUnreadable(let path):
            "\(path) exists but cannot be read"
        case .profileNotFound(let profile, let paths):
            "profile '\(profile)' not found in \(paths.joined(separator: " or "))"
        case .profileIncomplete(let profile, let path, let missing):
            "profile '\(profile)' in \(path) has no \(missing) (only static keys are supported)"
        case .iotNotConfigured:
            "AWS_IOT_CORE_CREDENTIAL_ENDPOINT and the other AWS_IOT_CORE_* variables are not set"
        case .iotVariablesMissing(let names):
            "\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") not set (other AWS_IOT_CORE_* variables are)"
        case .iotFileMissing(let variable, let path):
            "\(variable) points to a file that does not exist: \(path)"
        case .iotFetchFailed(let error):
            "fetching credentials failed: \(error)"
        }
    }

    /// True when the source was not configured at all (as opposed to configured wrongly), so a
    /// later source succeeding makes it uninteresting.
    public var isAbsence: Bool {
        switch self {
        case .environmentNotSet, .homeNotSet, .sharedFilesMissing, .iotNotConfigured: true
        case .profileNotFound(let profile, _): profile == "default"
        default: false
        }
    }
}

/// No credential source produced usable credentials: one error naming every place looked at
/// and what was wrong with it.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [CredentialProblem]

    public init(problems: [CredentialProblem]) {
        self.problems = problems
    }

    public var description: String {
        "no usable AWS credentials. Looked at: "
            + problems.map { problem in "\(Self.sourceName(problem)) (\(problem))" }.joined(separator: "; ")
    }

    static func sourceName(_ problem: CredentialProblem) -> String {
        switch problem {
        case .environmentNotSet, .environmentPartial: "environment"
        case .homeNotSet, .sharedFilesMissing, .sharedFileUnreadable, .profileNotFound, .profileIncomplete: "shared files"
        case .iotNotConfigured, .iotVariablesMissing, .iotFileMissing, .iotFetchFailed: "AWS IoT"
        }
    }
}
