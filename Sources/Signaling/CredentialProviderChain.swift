/// The default credential chain (AWS SDKs and Tools Reference Guide, "Standardized credential
/// providers", in the order the KVS C SDK samples need): environment variables, then a shared
/// files profile, then the AWS IoT credentials provider. The environment, the file access and
/// the IoT fetch are inputs, so every path is testable without the process's state or a network.
public struct CredentialProviderChain: Sendable {
    /// Usable credentials and where they came from. `warnings` lists sources that were
    /// configured but broken and were skipped (e.g. only AWS_SECRET_ACCESS_KEY set).
    public struct Resolved: Sendable, Equatable {
        public var credentials: AWSCredentials
        public var source: CredentialSource
        /// Set when the credentials came from AWS IoT, so the caller can refresh them.
        public var iotConfiguration: IoTCredentialConfiguration?
        public var warnings: [CredentialProblem]
    }

    public var environment: [String: String]
    public var fileSystem: CredentialFileSystem
    public var fetchIoT: @Sendable (IoTCredentialConfiguration) -> Result<AWSCredentials, IoTCredentialError>

    public init(
        environment: [String: String], fileSystem: CredentialFileSystem = .local,
        fetchIoT: @escaping @Sendable (IoTCredentialConfiguration) -> Result<AWSCredentials, IoTCredentialError> =
            IoTCredentialFetcher.fetch
    ) {
        self.environment = environment
        self.fileSystem = fileSystem
        self.fetchIoT = fetchIoT
    }

    public func resolve() -> Result<Resolved, CredentialError> {
        var problems: [CredentialProblem] = []
        func resolved(_ credentials: AWSCredentials, _ source: CredentialSource, _ iot: IoTCredentialConfiguration? = nil)
            -> Result<Resolved, CredentialError>
        {
            .success(
                Resolved(
                    credentials: credentials, source: source, iotConfiguration: iot,
                    warnings: problems.filter { !$0.isAbsence }))
        }

        switch AWSEnvironmentCredentials.resolve(environment: environment) {
        case .success(let credentials): return resolved(credentials, .environment)
        case .failure(let problem): problems.append(problem)
        }
        switch AWSSharedCredentials.resolve(environment: environment, fileSystem: fileSystem) {
        case .success(let (credentials, source)): return resolved(credentials, source)
        case .failure(let problem): problems.append(problem)
        }
        switch IoTCredentialConfiguration.from(environment: environment, fileSystem: fileSystem) {
        case .success(let configuration):
            switch fetchIoT(configuration) {
            case .success(let credentials):
                return resolved(
                    credentials, .iot(endpoint: configuration.endpoint, roleAlias: configuration.roleAlias), configuration)
            case .failure(let error): problems.append(.iotFetchFailed(error))
            }
        case .failure(let problem): problems.append(problem)
        }
        return .failure(CredentialError(problems: problems))
    }
}
