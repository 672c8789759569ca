import Media
import WireKit
import Signaling

/// Where frames come from, as named by `--source` and the KVS sample's third argument; the
/// source's parameter (URI, pipeline, folder, path) is a separate key.
enum SourceKind: String, Sendable, CaseIterable {
    case testsrc, devicesrc, rtspsrc, pipeline
    case sampleFrames = "sample-frames"
    case annexB = "annexb"

    /// The key that carries this source's parameter.
    var parameterKey: ConfigurationKey? {
        switch self {
        case .testsrc, .devicesrc: nil
        case .rtspsrc: .rtspURI
        case .pipeline: .pipeline
        case .sampleFrames: .sampleFrames
        case .annexB: .annexB
        }
    }

    /// The source a parameter key implies when `source` itself is not given.
    static func implied(by key: ConfigurationKey) -> SourceKind? {
        switch key {
        case .rtspURI: .rtspsrc
        case .pipeline: .pipeline
        case .sampleFrames, .sampleAudio: .sampleFrames
        case .annexB: .annexB
        default: nil
        }
    }
}

/// Why one setting's text was refused: the message after `origin: key:` in the error line.
struct SettingProblem: Error, Sendable, Equatable, ExpressibleByStringInterpolation {
    var message: String

    init(stringLiteral value: String) { message = value }
    init(stringInterpolation: DefaultStringInterpolation) { message = String(stringInterpolation: stringInterpolation) }
}

/// Parsing of one setting's text, shared by the command line, the environment and the file so
/// each accepts the same spellings and reports the same message.
enum SettingValues {
    static let trueWords: Set<String> = ["true", "yes", "on", "1"]
    static let falseWords: Set<String> = ["false", "no", "off", "0"]

    static func boolean(_ raw: String) -> Result<Bool, SettingProblem> {
        let word = raw.lowercased()
        if trueWords.contains(word) { return .success(true) }
        if falseWords.contains(word) { return .success(false) }
        return .failure("expected true or false, got \(raw.quotedForMessage)")
    }

    static func integer(_ raw: String, _ range: ClosedRange<Int>, unit: String = "") -> Result<Int, SettingProblem> {
        guard let value = Int(raw), range.contains(value) else {
            return .failure("expected a number from \(range.lowerBound) to \(range.upperBound)\(unit), got \(raw.quotedForMessage)")
        }
        return .success(value)
    }

    static func logLevel(_ raw: String) -> Result<DaemonLogLevel, SettingProblem> {
        if let level = DaemonLogLevel(name: raw) { return .success(level) }
        return .failure(
            "expected 1 (verbose) to 7 (silent) or verbose, debug, info, warning, error, fatal, silent, got \(raw.quotedForMessage)")
    }

    static func mode(_ raw: String) -> Result<DaemonConfiguration.StreamMode, SettingProblem> {
        if let mode = DaemonConfiguration.StreamMode(rawValue: raw.lowercased()) { return .success(mode) }
        return .failure("expected audio-video, video-only or audio-video-storage, got \(raw.quotedForMessage)")
    }

    static func sourceKind(_ raw: String) -> Result<SourceKind, SettingProblem> {
        if let kind = SourceKind(rawValue: raw.lowercased()) { return .success(kind) }
        return .failure(
            "expected testsrc, devicesrc, rtspsrc, pipeline, sample-frames or annexb, got \(raw.quotedForMessage)")
    }

    static func videoCodec(_ raw: String) -> Result<MediaCodec, SettingProblem> {
        switch raw.lowercased() {
        case "h264", "avc": return .success(.h264)
        case "h265", "hevc": return .success(.h265)
        default: return .failure("expected h264 or h265, got \(raw.quotedForMessage)")
        }
    }

    static func audioCodec(_ raw: String) -> Result<MediaCodec, SettingProblem> {
        switch raw.lowercased() {
        case "opus": return .success(.opus)
        case "pcmu", "g711u", "mulaw": return .success(.pcmu)
        case "pcma", "g711a", "alaw": return .success(.pcma)
        case "aac":
            return .failure("aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma")
        default:
            let hint = raw.containsText("://") ? " (an RTSP URI is the 4th argument only with the rtspsrc source)" : ""
            return .failure("expected opus, pcmu or pcma, got \(raw.quotedForMessage)\(hint)")
        }
    }

    static func iceTransportPolicy(_ raw: String) -> Result<Bool, SettingProblem> {
        switch raw.lowercased() {
        case "relay": return .success(true)
        case "all": return .success(false)
        default: return .failure("expected relay or all, got \(raw.quotedForMessage)")
        }
    }

    /// A KVS signaling channel name (KVS API CreateSignalingChannel: 1–256 of `a-zA-Z0-9_.-`).
    static func channelName(_ raw: String) -> Result<String, SettingProblem> {
        let allowed = { (c: UInt8) in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2E
                || c == 0x2D
        }
        guard (1...256).contains(raw.utf8.count), raw.utf8.allSatisfy(allowed) else {
            return .failure("expected 1 to 256 letters, digits, '_', '.' or '-', got \(raw.quotedForMessage)")
        }
        return .success(raw)
    }

    static func nonEmpty(_ raw: String, _ what: String) -> Result<String, SettingProblem> {
        raw.isEmpty ? .failure("expected \(what), got an empty value") : .success(raw)
    }

    static func rtspURI(_ raw: String) -> Result<String, SettingProblem> {
        let lower = raw.lowercased()
        guard lower.hasPrefix("rtsp://") || lower.hasPrefix("rtsps://"), raw.count > 8,
            !raw.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else { return .failure("expected an rtsp:// or rtsps:// URI, got \(raw.quotedForMessage)") }
        return .success(raw)
    }

    static func stunURI(_ raw: String) -> Result<String, SettingProblem> {
        let lower = raw.lowercased()
        guard lower.hasPrefix("stun:") || lower.hasPrefix("stuns:"), raw.count > 6 else {
            return .failure("expected a stun: URI (e.g. stun:stun.example.com:3478), got \(raw.quotedForMessage)")
        }
        return .success(raw)
    }

    static func region(_ raw: String) -> Result<String, SettingProblem> {
        guard case .success = KVSEndpoints.resolve(environment: [KVSEndpoints.regionVariable: raw]), !raw.isEmpty else {
            return .failure("expected an AWS region name (e.g. us-west-2), got \(raw.quotedForMessage)")
        }
        return .success(raw)
    }

    static func listen(_ raw: String) -> Result<SocketAddress, SettingProblem> {
        guard let address = LocalListenAddress.parse(raw) else {
            return .failure("expected HOST:PORT with an IP address (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080), got \(raw.quotedForMessage)")
        }
        return .success(address)
    }

    /// Never echoes the value: it is a secret.
    static func token(_ raw: String) -> Result<String, SettingProblem> {
        guard LocalAccessToken.isValid(raw) else {
            return .failure("expected 8 to 128 letters, digits, '_', '.' or '-' (\(raw.utf8.count) characters given)")
        }
        return .success(raw)
    }

    static func httpsURL(_ raw: String) -> Result<String, SettingProblem> {
        guard HTTPSEndpoint(raw) != nil else {
            return .failure("expected an https:// URL (TLS is required), got \(raw.quotedForMessage)")
        }
        return .success(raw)
    }
}

extension DaemonLogLevel {
    /// `1`…`7` as AWS_KVS_LOG_LEVEL, or a name (`warn` and `off` included).
    public init?(name: String) {
        if let number = Int(name), let level = DaemonLogLevel(rawValue: number) {
            self = level
            return
        }
        switch name.lowercased() {
        case "verbose", "trace": self = .verbose
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "fatal", "critical": self = .fatal
        case "silent", "off", "none": self = .silent
        default: return nil
        }
    }
}

extension ConfigurationKey {
    /// Checks `raw` and stores it in `configuration`. Keys that only feed the environment
    /// (endpoints, CA path, IoT) are checked and leave `configuration` as it is; the source
    /// keys are combined later by the resolver.
    func apply(_ raw: String, to configuration: inout DaemonConfiguration) -> Result<Void, SettingProblem> {
        func set<T>(_ result: Result<T, SettingProblem>, _ store: (inout DaemonConfiguration, T) -> Void) -> Result<Void, SettingProblem> {
            result.map { store(&configuration, $0) }
        }
        func kbps(_ raw: String) -> Result<Int, SettingProblem> {
            SettingValues.integer(raw, 16...100_000, unit: " kbit/s").map { $0 * 1000 }
        }
        switch self {
        case .channelName: return set(SettingValues.channelName(raw)) { $0.channelName = $1 }
        case .mode: return set(SettingValues.mode(raw)) { $0.mode = $1 }
        case .source: return set(SettingValues.sourceKind(raw)) { _, _ in }
        case .rtspURI: return set(SettingValues.rtspURI(raw)) { _, _ in }
        case .pipeline: return set(SettingValues.nonEmpty(raw, "a GStreamer pipeline description")) { _, _ in }
        case .sampleFrames, .sampleAudio: return set(SettingValues.nonEmpty(raw, "a folder")) { _, _ in }
        case .annexB: return set(SettingValues.nonEmpty(raw, "a file path or -")) { _, _ in }
        case .videoCodec: return set(SettingValues.videoCodec(raw)) { $0.videoCodec = $1 }
        case .audioCodec: return set(SettingValues.audioCodec(raw)) { $0.audioCodec = $1 }
        case .width: return set(SettingValues.integer(raw, 16...7680)) { $0.width = $1 }
        case .height: return set(SettingValues.integer(raw, 16...4320)) { $0.height = $1 }
        case .fps: return set(SettingValues.integer(raw, 1...120)) { $0.frameRate = $1 }
        case .bitrate: return set(kbps(raw)) { $0.videoBitrate = $1 }
        case .minBitrate: return set(kbps(raw)) { $0.minVideoBitrate = $1 }
        case .maxBitrate: return set(kbps(raw)) { $0.maxVideoBitrate = $1 }
        case .maxViewers: return set(SettingValues.integer(raw, 1...100)) { $0.maxViewers = $1 }
        case .logLevel: return set(SettingValues.logLevel(raw)) { $0.logLevel = $1 }
        case .logFile: return set(SettingValues.nonEmpty(raw, "a file path")) { $0.logFile = $1 }
        case .fileLogging, .dualStackEndpoints: return set(SettingValues.boolean(raw)) { _, _ in }
        case .logSDP: return set(SettingValues.boolean(raw)) { $0.logSDP = $1 }
        case .region: return set(SettingValues.region(raw)) { $0.region = $1 }
        case .iceTransportPolicy: return set(SettingValues.iceTransportPolicy(raw)) { $0.relayOnly = $1 }
        case .dataChannelReply: return set(.success(raw)) { $0.dataChannelReply = $1.isEmpty ? nil : $1 }
        case .dataChannelStdout: return set(SettingValues.boolean(raw)) { $0.dataChannelToStdout = $1 }
        case .playbackAudio: return set(SettingValues.boolean(raw)) { $0.playbackAudio = $1 }
        case .statsInterval:
            return set(SettingValues.integer(raw, 1...86_400, unit: " seconds")) { $0.statsInterval = .seconds($1) }
        case .iceServerIndex: return set(SettingValues.integer(raw, 0...9)) { $0.iceServerIndex = $1 }
        case .stateDirectory:
            // systemd passes a colon-separated list when several StateDirectory= are set.
            let first = raw.split(separator: ":").first.map(String.init) ?? ""
            return set(SettingValues.nonEmpty(first, "a folder")) { $0.stateDirectory = $1 }
        case .controlPlaneURI: return set(SettingValues.httpsURL(raw)) { _, _ in }
        case .stunURI: return set(SettingValues.stunURI(raw)) { _, _ in }
        case .caCertPath, .iotCert, .iotPrivateKey: return set(SettingValues.nonEmpty(raw, "a file path")) { _, _ in }
        case .iotCredentialEndpoint: return set(SettingValues.nonEmpty(raw, "a host name")) { _, _ in }
        case .iotRoleAlias, .iotThingName: return set(SettingValues.nonEmpty(raw, "a name")) { _, _ in }
        case .local: return set(SettingValues.boolean(raw)) { $0.localMode = $1 }
        case .listen: return set(SettingValues.listen(raw)) { $0.listen = $1 }
        case .token: return set(SettingValues.token(raw)) { $0.localToken = $1 }
        }
    }

    /// The value written into the effective environment when the command line or the file
    /// sets a setting that the signaling client reads from there.
    func environmentValue(_ raw: String) -> String {
        switch self {
        case .logLevel: return DaemonLogLevel(name: raw).map { String($0.rawValue) } ?? raw
        case .logSDP, .fileLogging:
            return (try? SettingValues.boolean(raw).get()).map { $0 ? "TRUE" : "FALSE" } ?? raw
        case .dualStackEndpoints: return (try? SettingValues.boolean(raw).get()).map { $0 ? "ON" : "OFF" } ?? raw
        case .iceTransportPolicy: return raw.lowercased()
        default: return raw
        }
    }

    /// Whether two spellings mean the same (for a flag and a positional that both give a value).
    func sameValue(_ a: String, _ b: String) -> Bool {
        switch self {
        case .mode, .source: return a.lowercased() == b.lowercased()
        case .videoCodec: return (try? SettingValues.videoCodec(a).get()) == (try? SettingValues.videoCodec(b).get())
        case .audioCodec: return (try? SettingValues.audioCodec(a).get()) == (try? SettingValues.audioCodec(b).get())
        default: return a == b
        }
    }
}
