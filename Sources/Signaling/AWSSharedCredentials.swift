/// Credentials from a profile in the shared files (AWS SDKs and Tools Reference Guide, "Shared
/// config and credentials files"): `[name]` in ~/.aws/credentials, `[profile name]` in
/// ~/.aws/config, selected by AWS_PROFILE (default `default`); the locations follow
/// AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and HOME.
///
/// Only static keys are resolved (aws_access_key_id, aws_secret_access_key,
/// aws_session_token); a value in the credentials file wins over the config file.
public enum AWSSharedCredentials {
    public static let accessKeyProperty = "aws_access_key_id"
    public static let secretKeyProperty = "aws_secret_access_key"
    public static let sessionTokenProperty = "aws_session_token"

    /// The profile name the environment selects.
    public static func profileName(environment: [String: String]) -> String {
        AWSEnvironmentCredentials.value("AWS_PROFILE", in: environment)
            ?? AWSEnvironmentCredentials.value("AWS_DEFAULT_PROFILE", in: environment) ?? "default"
    }

    /// The credentials and config file paths, or `.homeNotSet` when a default location is
    /// needed and HOME is unset.
    public static func paths(environment: [String: String]) -> Result<(credentials: String, config: String), CredentialProblem> {
        let home = AWSEnvironmentCredentials.value("HOME", in: environment).map { home in
            home.count > 1 && home.hasSuffix("/") ? String(home.dropLast()) : home
        }
        func locate(_ variable: String, _ defaultName: String) -> String? {
            if let explicit = AWSEnvironmentCredentials.value(variable, in: environment) {
                guard explicit.hasPrefix("~/") else { return explicit }
                return home.map { $0 + explicit.dropFirst() }
            }
            return home.map { ($0 == "/" ? "" : $0) + "/.aws/" + defaultName }
        }
        guard let credentials = locate("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            let config = locate("AWS_CONFIG_FILE", "config")
        else { return .failure(.homeNotSet) }
        return .success((credentials, config))
    }

    public static func resolve(
        environment: [String: String], fileSystem: CredentialFileSystem
    ) -> Result<(AWSCredentials, CredentialSource), CredentialProblem> {
        let profile = profileName(environment: environment)
        let located: (credentials: String, config: String)
        switch paths(environment: environment) {
        case .success(let paths): located = paths
        case .failure(let problem): return .failure(problem)
        }
        var found: [(path: String, properties: [String: String])] = []
        var existing: [String] = []
        for (path, isConfig) in [(located.credentials, false), (located.config, true)] {
            switch fileSystem.read(path) {
            case .missing: continue
            case .unreadable: return .failure(.sharedFileUnreadable(path: path))
            case .contents(let text):
                existing.append(path)
                let file = AWSConfigFile(parsing: text)
                if let properties = isConfig ? file.configProfile(profile) : file.credentialsProfile(profile) {
                    found.append((path, properties))
                }
            }
        }
        guard !existing.isEmpty else {
            return .failure(.sharedFilesMissing(credentialsPath: located.credentials, configPath: located.config))
        }
        guard let first = found.first else { return .failure(.profileNotFound(profile: profile, paths: existing)) }
        return credentials(profile: profile, sections: found, describedBy: first.path)
    }

    /// Merges the profile's sections (credentials file first, so its values win) into
    /// credentials, naming the first missing key otherwise.
    static func credentials(
        profile: String, sections: [(path: String, properties: [String: String])], describedBy path: String
    ) -> Result<(AWSCredentials, CredentialSource), CredentialProblem> {
        func property(_ name: String) -> (value: String, path: String)? {
            for section in sections {
                if let value = section.properties[name], !value.isEmpty { return (value, section.path) }
            }
            return nil
        }
        guard let accessKey = property(accessKeyProperty) else {
            return .failure(.profileIncomplete(profile: profile, path: path, missing: accessKeyProperty))
        }
        guard let secretKey = property(secretKeyProperty) else {
            return .failure(.profileIncomplete(profile: profile, path: accessKey.path, missing: secretKeyProperty))
        }
        let credentials = AWSCredentials(
            accessKeyID: accessKey.value, secretAccessKey: secretKey.value,
            sessionToken: property(sessionTokenProperty)?.value)
        return .success((credentials, .sharedFile(profile: profile, path: accessKey.path)))
    }
}
