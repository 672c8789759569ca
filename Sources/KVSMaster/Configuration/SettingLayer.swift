/// The settings one source of configuration (command line, environment, file) gives, as text
/// with where each came from. The resolver stacks three of these.
struct SettingLayer: Sendable, Equatable {
    struct Value: Sendable, Equatable {
        var raw: String
        var origin: SettingOrigin
    }

    var values: [ConfigurationKey: Value] = [:]

    subscript(key: ConfigurationKey) -> Value? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The entries in a stable order for checking: file entries by line, the others by key.
    var ordered: [(ConfigurationKey, Value)] {
        let keyOrder = Dictionary(uniqueKeysWithValues: ConfigurationKey.allCases.enumerated().map { ($1, $0) })
        return values.sorted { a, b in
            switch (a.value.origin, b.value.origin) {
            case (.file(_, let x), .file(_, let y)): x < y
            default: keyOrder[a.key, default: 0] < keyOrder[b.key, default: 0]
            }
        }.map { ($0.key, $0.value) }
    }

    /// Checks every value (also those a higher layer will override: a wrong line in the file is
    /// wrong whatever else is set) and applies them to `configuration`.
    func check(into configuration: inout DaemonConfiguration) -> Result<Void, ConfigurationError> {
        for (key, value) in ordered {
            if case .failure(let problem) = key.apply(value.raw, to: &configuration) {
                return .failure(ConfigurationError(.invalidValue, origin: value.origin, key: key.rawValue, message: problem.message))
            }
        }
        return .success(())
    }

    /// The source this layer chooses, stated (`source`) or implied by the one source parameter
    /// it sets; nil when it says nothing about the source. A parameter of another source in the
    /// same layer, or two parameters that imply different sources, is a conflict.
    func sourceChoice() -> Result<(kind: SourceKind, origin: SettingOrigin)?, ConfigurationError> {
        let parameters = (ConfigurationKey.sourceParameters + [.sampleAudio]).compactMap { key in
            self[key].map { (key, $0) }
        }
        if let stated = self[.source] {
            guard let kind = try? SettingValues.sourceKind(stated.raw).get() else { return .success(nil) }
            for (key, value) in parameters where SourceKind.implied(by: key) != kind {
                let implied = SourceKind.implied(by: key)?.rawValue ?? ""
                return .failure(
                    ConfigurationError(
                        .conflict, origin: value.origin, key: key.rawValue,
                        message: "only used with source \(implied), but \(stated.origin) chose \(kind.rawValue)"))
            }
            return .success((kind, stated.origin))
        }
        let implying = parameters.filter { $0.0 != .sampleAudio }
        guard let first = implying.first else { return .success(nil) }
        if let second = implying.dropFirst().first {
            return .failure(
                ConfigurationError(
                    .conflict, origin: second.1.origin, key: second.0.rawValue,
                    message: "choose one source: \(first.1.origin) and \(second.1.origin) are both set"))
        }
        return .success((SourceKind.implied(by: first.0) ?? .testsrc, first.1.origin))
    }
}
