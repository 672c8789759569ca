/// The daemon's settings and the environment the signaling client resolves endpoints and
/// credentials from, after the resolver has merged all layers.
public struct ResolvedDaemonConfiguration: Sendable, Equatable {
    public var configuration: DaemonConfiguration
    /// The process environment plus the signaling settings given on the command line or in
    /// the file (AWS_DEFAULT_REGION, CONTROL_PLANE_URI, AWS_IOT_CORE_*, …).
    public var environment: [String: String]
    /// The config file that was read, if any.
    public var configurationPath: String?

    public init(configuration: DaemonConfiguration, environment: [String: String], configurationPath: String?) {
        self.configuration = configuration
        self.environment = environment
        self.configurationPath = configurationPath
    }
}

/// Merges the command line, the environment, the config file and the defaults, in that order
/// of precedence, into a `DaemonConfiguration` and an effective environment.
///
/// The config file is `--config PATH`, else `/etc/kvsmaster/kvsmaster.conf` when that file
/// exists, else none. Every value of every layer is checked, also ones a higher layer
/// overrides; the first problem is returned as one `ConfigurationError` naming its origin.
/// With `file-logging` on and no `log-file`, the log goes to `kvsmaster.log` in the state
/// directory (`--state-directory`, `$STATE_DIRECTORY`), else in the working directory.
public struct DaemonConfigurationResolver: Sendable {
    public static let defaultConfigurationPath = "/etc/kvsmaster/kvsmaster.conf"
    public static let fileLogName = "kvsmaster.log"

    public var environment: [String: String]
    public var reader: ConfigurationFileReader

    public init(environment: [String: String], reader: ConfigurationFileReader = .local) {
        self.environment = environment
        self.reader = reader
    }

    /// Reads the config file `arguments` name (or the default one) and resolves.
    public func resolve(_ arguments: DaemonArguments) -> Result<ResolvedDaemonConfiguration, ConfigurationError> {
        let path = arguments.config ?? Self.defaultConfigurationPath
        var file: ConfigurationFile?
        switch reader.read(path) {
        case .success(let text):
            switch ConfigurationFile.parse(text, path: path) {
            case .success(let parsed): file = parsed
            case .failure(let error): return .failure(error)
            }
        case .failure(.missing) where arguments.config == nil:
            file = nil
        case .failure(let failure):
            let reason =
                switch failure {
                case .missing: "no such file"
                case .unreadable(let text): text
                case .tooLarge: "larger than \(ConfigurationFileReader.maximumSize / 1024) KiB"
                case .notUTF8: "not UTF-8 text"
                }
            return .failure(
                ConfigurationError(.unreadableFile, origin: nil, key: nil, message: "cannot read config file \(path): \(reason)"))
        }
        return Self.resolve(arguments: arguments, environment: environment, file: file)
    }

    /// Resolves from an already parsed file (nil: no file).
    public static func resolve(
        arguments: DaemonArguments, environment: [String: String], file: ConfigurationFile?
    ) -> Result<ResolvedDaemonConfiguration, ConfigurationError> {
        let layers: [SettingLayer]
        switch (arguments.commandLineLayer(), environmentLayer(environment), file.map(fileLayer) ?? .success(SettingLayer())) {
        case (.success(let cli), .success(let env), .success(let fileSettings)): layers = [cli, env, fileSettings]
        case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)): return .failure(error)
        }
        var scratch = DaemonConfiguration(channelName: "")
        for layer in layers {
            if case .failure(let error) = layer.check(into: &scratch) { return .failure(error) }
        }
        var winners = SettingLayer()
        for layer in layers.reversed() {
            for (key, value) in layer.values { winners[key] = value }
        }
        guard let channel = winners[.channelName] else {
            return .failure(
                ConfigurationError(
                    .missingValue, origin: nil, key: nil,
                    message: "no channel name: give it as the first argument, with --channel-name, or as channel-name in the config file"))
        }
        var configuration = DaemonConfiguration(channelName: channel.raw)
        // Checked above, so this only stores.
        _ = winners.check(into: &configuration)
        switch resolveSource(layers: layers, winners: winners) {
        case .success(let source): configuration.source = source
        case .failure(let error): return .failure(error)
        }
        if case .failure(let error) = resolveBitrates(&configuration, winners: winners) { return .failure(error) }
        if configuration.localMode, configuration.mode == .audioVideoStorage {
            return .failure(
                ConfigurationError(
                    .conflict, origin: winners[.local]?.origin, key: nil,
                    message: "audio-video-storage ingests into a Kinesis video stream through KVS; it cannot run in local mode"))
        }
        if configuration.logFile == nil, let logging = winners[.fileLogging], (try? SettingValues.boolean(logging.raw).get()) == true {
            configuration.logFile = configuration.stateDirectory.map { "\($0)/\(fileLogName)" } ?? fileLogName
        }
        return .success(
            ResolvedDaemonConfiguration(
                configuration: configuration, environment: effectiveEnvironment(environment, winners: winners),
                configurationPath: file?.path))
    }

    static func environmentLayer(_ environment: [String: String]) -> Result<SettingLayer, ConfigurationError> {
        var layer = SettingLayer()
        for key in ConfigurationKey.allCases {
            guard let variable = key.environmentVariable, let raw = environment[variable] else { continue }
            let value = String(raw.trimmingWhitespace())
            // Unset and empty mean the same to the C SDK's getenv checks that matter here.
            guard !value.isEmpty else { continue }
            layer[key] = SettingLayer.Value(raw: value, origin: .environment(variable))
        }
        return .success(layer)
    }

    static func fileLayer(_ file: ConfigurationFile) -> Result<SettingLayer, ConfigurationError> {
        var layer = SettingLayer()
        for entry in file.entries {
            let origin = SettingOrigin.file(path: file.path, line: entry.line)
            if ConfigurationKey.isSecretName(entry.key) {
                return .failure(
                    ConfigurationError(
                        .secretInFile, origin: origin, key: entry.key,
                        message: "credentials are not read from the config file; set AWS_ACCESS_KEY_ID, "
                            + "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in the environment "
                            + "(/etc/kvsmaster/kvsmaster.env under systemd) or use the shared credentials file (~/.aws/credentials)"))
            }
            guard let key = ConfigurationKey(rawValue: entry.key) else {
                return .failure(ConfigurationError(.unknownKey, origin: origin, key: entry.key, message: "unknown key"))
            }
            layer[key] = SettingLayer.Value(raw: entry.value, origin: origin)
        }
        return .success(layer)
    }

    /// The highest layer that says anything about the source decides which one; its parameter
    /// then comes from the highest layer that has it.
    static func resolveSource(layers: [SettingLayer], winners: SettingLayer) -> Result<DaemonConfiguration.Source, ConfigurationError> {
        var chosen: (kind: SourceKind, origin: SettingOrigin)?
        for layer in layers {
            switch layer.sourceChoice() {
            case .failure(let error): return .failure(error)
            case .success(let choice?) where chosen == nil: chosen = choice
            case .success: break
            }
        }
        guard let (kind, origin) = chosen else { return .success(.testsrc) }
        func parameter(_ key: ConfigurationKey, _ what: String) -> Result<String, ConfigurationError> {
            guard let value = winners[key] else {
                return .failure(
                    ConfigurationError(
                        .missingValue, origin: origin, key: nil,
                        message: "source \(kind.rawValue) needs \(what) (--\(key.rawValue) or \(key.rawValue) in the config file)"))
            }
            return .success(value.raw)
        }
        switch kind {
        case .testsrc: return .success(.testsrc)
        case .devicesrc: return .success(.devicesrc)
        case .rtspsrc: return parameter(.rtspURI, "an RTSP URI, the 4th argument").map { .rtspsrc(uri: $0) }
        case .pipeline: return parameter(.pipeline, "a pipeline description").map { .pipeline($0) }
        case .sampleFrames:
            return parameter(.sampleFrames, "a folder of frames").map { .sampleFrames(video: $0, audio: winners[.sampleAudio]?.raw) }
        case .annexB: return parameter(.annexB, "a file path or -").map { .annexB(path: $0) }
        }
    }

    /// Bounds that were not given follow the start bitrate; bounds that were given must hold it.
    static func resolveBitrates(_ configuration: inout DaemonConfiguration, winners: SettingLayer) -> Result<Void, ConfigurationError> {
        if winners[.maxBitrate] == nil { configuration.maxVideoBitrate = max(configuration.maxVideoBitrate, configuration.videoBitrate) }
        if winners[.minBitrate] == nil { configuration.minVideoBitrate = min(configuration.minVideoBitrate, configuration.videoBitrate) }
        let (low, start, high) = (configuration.minVideoBitrate, configuration.videoBitrate, configuration.maxVideoBitrate)
        guard low <= start, start <= high else {
            let origin = winners[.bitrate]?.origin ?? winners[.minBitrate]?.origin ?? winners[.maxBitrate]?.origin
            return .failure(
                ConfigurationError(
                    .conflict, origin: origin, key: ConfigurationKey.bitrate.rawValue,
                    message: "bitrates must satisfy min-bitrate ≤ bitrate ≤ max-bitrate, got \(low / 1000) ≤ \(start / 1000) ≤ \(high / 1000) kbit/s"))
        }
        return .success(())
    }

    /// The process environment with the signaling settings that the command line or the file
    /// chose written in (the command line over the environment, the environment over the file).
    static func effectiveEnvironment(_ environment: [String: String], winners: SettingLayer) -> [String: String] {
        var result = environment
        for (key, value) in winners.values {
            guard let variable = key.environmentVariable else { continue }
            switch value.origin {
            case .environment: continue
            case .commandLine, .file: result[variable] = key.environmentValue(value.raw)
            }
        }
        return result
    }
}
