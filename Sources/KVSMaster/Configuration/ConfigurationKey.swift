import Signaling

/// One setting of the daemon, named like its long command-line flag; the same name is the
/// config-file key. Settings that the KVS C SDK reads from the environment also name that
/// variable: the resolver reads them from there and writes the winning value back into the
/// effective environment the signaling client resolves its endpoints and credentials from.
public enum ConfigurationKey: String, Sendable, CaseIterable, Hashable {
    case channelName = "channel-name"
    case mode
    case source
    case rtspURI = "rtsp-uri"
    case pipeline
    case sampleFrames = "sample-frames"
    case sampleAudio = "sample-audio"
    case annexB = "annexb"
    case videoCodec = "video-codec"
    case audioCodec = "audio-codec"
    case width
    case height
    case fps
    case bitrate
    case minBitrate = "min-bitrate"
    case maxBitrate = "max-bitrate"
    case maxViewers = "max-viewers"
    case logLevel = "log-level"
    case logFile = "log-file"
    case fileLogging = "file-logging"
    case logSDP = "log-sdp"
    case region
    case iceTransportPolicy = "ice-transport-policy"
    case dataChannelReply = "data-channel-reply"
    case dataChannelStdout = "data-channel-stdout"
    case playbackAudio = "playback-audio"
    case statsInterval = "stats-interval"
    case iceServerIndex = "ice-server-index"
    case stateDirectory = "state-directory"
    case controlPlaneURI = "control-plane-uri"
    case dualStackEndpoints = "dualstack-endpoints"
    case stunURI = "stun-uri"
    case caCertPath = "ca-cert-path"
    case iotCredentialEndpoint = "iot-credential-endpoint"
    case iotCert = "iot-cert"
    case iotPrivateKey = "iot-private-key"
    case iotRoleAlias = "iot-role-alias"
    case iotThingName = "iot-thing-name"
    case local
    case listen
    case token

    /// The environment variable the KVS C SDK (or systemd) uses for this setting.
    public var environmentVariable: String? {
        switch self {
        case .logLevel: "AWS_KVS_LOG_LEVEL"
        case .fileLogging: "AWS_ENABLE_FILE_LOGGING"
        case .logSDP: "DEBUG_LOG_SDP"
        case .region: KVSEndpoints.regionVariable
        case .iceTransportPolicy: "KVS_ICE_TRANSPORT_POLICY"
        case .stateDirectory: "STATE_DIRECTORY"
        case .controlPlaneURI: KVSEndpoints.controlPlaneVariable
        case .dualStackEndpoints: KVSEndpoints.dualStackVariable
        case .stunURI: KVSEndpoints.stunVariable
        case .caCertPath: CABundle.variable
        case .iotCredentialEndpoint: IoTCredentialConfiguration.endpointVariable
        case .iotCert: IoTCredentialConfiguration.certificateVariable
        case .iotPrivateKey: IoTCredentialConfiguration.privateKeyVariable
        case .iotRoleAlias: IoTCredentialConfiguration.roleAliasVariable
        case .iotThingName: IoTCredentialConfiguration.thingNameVariable
        case .token: "KVSMASTER_LOCAL_TOKEN"
        default: nil
        }
    }

    /// The keys that choose or describe where frames come from (resolved together, see
    /// `DaemonConfigurationResolver`).
    static let sourceParameters: [ConfigurationKey] = [.rtspURI, .pipeline, .sampleFrames, .annexB]

    /// Names people reach for when they try to put credentials in the file, after folding case,
    /// `_` to `-` and dropping an `aws-` prefix.
    static let secretNames: Set<String> = [
        "access-key-id", "access-key", "secret-access-key", "secret-key", "session-token", "security-token",
        "secret", "password", "credentials",
    ]

    /// The config-file spelling folded for the secret check (`AWS_SECRET_ACCESS_KEY` →
    /// `secret-access-key`).
    static func isSecretName(_ key: String) -> Bool {
        var folded = key.lowercased().replacingUnderscores()
        if folded.hasPrefix("aws-") { folded.removeFirst(4) }
        return secretNames.contains(folded)
    }
}

extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
