import WireKit

/// The settings for the AWS IoT credentials provider (AWS IoT Core Developer Guide,
/// "Authorizing direct calls to AWS services using AWS IoT Core credential provider"), taken
/// from the variables the KVS C SDK samples use: AWS_IOT_CORE_CREDENTIAL_ENDPOINT,
/// AWS_IOT_CORE_CERT, AWS_IOT_CORE_PRIVATE_KEY, AWS_IOT_CORE_ROLE_ALIAS,
/// AWS_IOT_CORE_THING_NAME, and AWS_KVS_CACERT_PATH for the CA bundle.
public struct IoTCredentialConfiguration: Sendable, Equatable, Hashable {
    public static let endpointVariable = "AWS_IOT_CORE_CREDENTIAL_ENDPOINT"
    public static let certificateVariable = "AWS_IOT_CORE_CERT"
    public static let privateKeyVariable = "AWS_IOT_CORE_PRIVATE_KEY"
    public static let roleAliasVariable = "AWS_IOT_CORE_ROLE_ALIAS"
    public static let thingNameVariable = "AWS_IOT_CORE_THING_NAME"
    public static let caCertificateVariable = "AWS_KVS_CACERT_PATH"

    /// How to find the CA that signed the endpoint's certificate.
    public enum TrustAnchors: Sendable, Equatable, Hashable {
        /// libcurl's built-in default bundle.
        case system
        /// A PEM bundle (CURLOPT_CAINFO).
        case file(String)
        /// An OpenSSL hashed certificate directory (CURLOPT_CAPATH).
        case directory(String)
    }

    /// `c2xxxx.credentials.iot.us-west-2.amazonaws.com`, optionally with `:port`.
    public var endpoint: String
    public var certificatePath: String
    public var privateKeyPath: String
    public var roleAlias: String
    /// Sent as `x-amzn-iot-thingname` when set (needed when the role's policy uses the
    /// `credentials-iot:ThingName` variable).
    public var thingName: String?
    public var trustAnchors: TrustAnchors
    /// Seconds allowed for the TCP and TLS handshake, and for the whole request.
    public var connectTimeout: Int
    public var totalTimeout: Int

    public init(
        endpoint: String, certificatePath: String, privateKeyPath: String, roleAlias: String, thingName: String? = nil,
        trustAnchors: TrustAnchors = .system, connectTimeout: Int = 5, totalTimeout: Int = 10
    ) {
        self.endpoint = Self.host(fromEndpoint: endpoint)
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.roleAlias = roleAlias
        self.thingName = thingName
        self.trustAnchors = trustAnchors
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }

    /// Reads the configuration from `environment`, checking that the files it names exist.
    /// `.iotNotConfigured` when none of the AWS_IOT_CORE_* variables is set.
    public static func from(
        environment: [String: String], fileSystem: CredentialFileSystem
    ) -> Result<IoTCredentialConfiguration, CredentialProblem> {
        let value = { (name: String) in AWSEnvironmentCredentials.value(name, in: environment) }
        let required = [endpointVariable, certificateVariable, privateKeyVariable, roleAliasVariable]
        let all = required + [thingNameVariable]
        guard all.contains(where: { value($0) != nil }) else { return .failure(.iotNotConfigured) }
        let missing = required.filter { value($0) == nil }
        guard missing.isEmpty, let endpoint = value(endpointVariable), let certificate = value(certificateVariable),
            let key = value(privateKeyVariable), let alias = value(roleAliasVariable)
        else { return .failure(.iotVariablesMissing(missing)) }
        for (variable, path) in [(certificateVariable, certificate), (privateKeyVariable, key)]
        where fileSystem.kind(path) != .file {
            return .failure(.iotFileMissing(variable: variable, path: path))
        }
        var anchors = TrustAnchors.system
        if let ca = value(caCertificateVariable) {
            switch fileSystem.kind(ca) {
            case .missing: return .failure(.iotFileMissing(variable: caCertificateVariable, path: ca))
            case .file: anchors = .file(ca)
            case .directory: anchors = .directory(ca)
            }
        }
        return .success(
            IoTCredentialConfiguration(
                endpoint: endpoint, certificatePath: certificate, privateKeyPath: key, roleAlias: alias,
                thingName: value(thingNameVariable), trustAnchors: anchors))
    }

    /// Accepts `host`, `https://host` or `https://host/` and keeps only the authority.
    static func host(fromEndpoint endpoint: String) -> String {
        var rest = Substring(endpoint)
        if let scheme = rest.firstTextRange(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        return String(rest)
    }
}
