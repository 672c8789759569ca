import KVSMaster
import Testing

/// The one-line message of a refused command line or configuration.
struct RefusedSettings: Error, Equatable {
    var message: String
}

/// Parses `arguments` as the run command does and resolves them against `environment` and an
/// optional config file (`file` is its text, read from `kvsmaster.conf`).
func resolveSettings(
    _ arguments: [String], environment: [String: String] = [:], file: String? = nil
) -> Result<ResolvedDaemonConfiguration, RefusedSettings> {
    let parsed: DaemonArguments
    do {
        parsed = try DaemonArguments.parse(arguments + (file == nil ? [] : ["--config", "kvsmaster.conf"]))
    } catch {
        return .failure(RefusedSettings(message: DaemonArguments.message(for: error)))
    }
    let reader = ConfigurationFileReader.files(file.map { ["kvsmaster.conf": $0] } ?? [:])
    return DaemonConfigurationResolver(environment: environment, reader: reader).resolve(parsed).mapError { RefusedSettings(message: $0.description) }
}

/// The resolved configuration, or a recorded failure naming the error.
func configuration(
    _ arguments: [String], environment: [String: String] = [:], file: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> DaemonConfiguration? {
    switch resolveSettings(arguments, environment: environment, file: file) {
    case .success(let resolved): return resolved.configuration
    case .failure(let refused):
        Issue.record("unexpected configuration error: \(refused.message)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The one-line error for a configuration that must be refused.
func configurationError(
    _ arguments: [String], environment: [String: String] = [:], file: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> String? {
    switch resolveSettings(arguments, environment: environment, file: file) {
    case .success(let resolved):
        Issue.record("expected an error, got \(resolved.configuration)", sourceLocation: sourceLocation)
        return nil
    case .failure(let refused): return refused.message
    }
}
