/// The run command's arguments: the KVS GStreamer sample's positionals
/// (`<channel-name> [audio-video|video-only|audio-video-storage] [testsrc|devicesrc|rtspsrc]
/// [rtsp-uri|opus|pcmu|pcma] [h264|h265]`) and a named flag for every setting. Values stay
/// text here and are checked by the same rules as the environment and the config file
/// (`DaemonConfigurationResolver`); `validate()` runs those rules on the command line alone.
/// `commandLineOptions` is the table the parser and the help read.
public struct DaemonArguments: CommandLineArguments, Sendable {
    // MARK: The KVS sample's positionals.
    public var channelArgument: String?
    public var modeArgument: String?
    public var sourceArgument: String?
    public var fourthArgument: String?
    public var videoCodecArgument: String?

    // MARK: Channel and media.
    public var channelName: String?
    public var mode: String?
    public var source: String?
    public var rtspURI: String?
    public var pipeline: String?
    public var sampleFrames: String?
    public var sampleAudio: String?
    public var annexB: String?
    public var videoCodec: String?
    public var audioCodec: String?
    public var width: String?
    public var height: String?
    public var fps: String?
    public var bitrate: String?
    public var minBitrate: String?
    public var maxBitrate: String?
    public var maxViewers: String?

    // MARK: Logging.
    public var logLevel: String?
    public var logFile: String?
    public var fileLogging: Bool?
    public var logSDP: Bool?

    // MARK: Files and AWS.
    public var config: String?
    public var region: String?
    public var controlPlaneURI: String?
    public var stunURI: String?
    public var caCertPath: String?
    public var stateDirectory: String?

    // MARK: ICE and viewers.
    public var relayOnly: Bool?
    public var iceServerIndex: String?
    public var dataChannelReply: String?
    public var noDataChannelReply = false
    public var dataChannelStdout: Bool?
    public var playbackAudio: Bool?
    public var statsInterval: String?

    // MARK: Local mode.
    public var local: Bool?
    public var listen: String?
    public var token: String?

    public init() {}

    public static var commandLineOptions: [CommandLineOption<DaemonArguments>] {
        typealias Option = CommandLineOption<DaemonArguments>
        return [
            // The KVS sample's positionals, in its order.
            Option(
                "channel-name", valueName: "channel-name",
                help: "The signaling channel (or --channel-name, or channel-name in the config file).",
                kind: .positional(\.channelArgument)),
            Option(
                "mode", valueName: "mode", help: "audio-video (default), video-only or audio-video-storage.",
                kind: .positional(\.modeArgument)),
            Option(
                "source", valueName: "source", help: "testsrc (default), devicesrc or rtspsrc.",
                kind: .positional(\.sourceArgument)),
            Option(
                "rtsp-uri|audio-codec", valueName: "rtsp-uri|audio-codec",
                help: "The RTSP URI with rtspsrc, else the audio codec: opus (default), pcmu or pcma.",
                kind: .positional(\.fourthArgument)),
            Option("video-codec", valueName: "video-codec", help: "h264 (default) or h265.", kind: .positional(\.videoCodecArgument)),

            // Channel and media.
            Option("channel-name", valueName: "name", help: "The signaling channel.", kind: .value(\.channelName)),
            Option("mode", valueName: "mode", help: "audio-video, video-only or audio-video-storage.", kind: .value(\.mode)),
            Option(
                "source", valueName: "source", help: "testsrc, devicesrc, rtspsrc, pipeline, sample-frames or annexb.",
                kind: .value(\.source)),
            Option(
                "rtsp-uri", valueName: "uri", help: "Camera stream for rtspsrc (implies --source rtspsrc).",
                kind: .value(\.rtspURI)),
            Option(
                "pipeline", valueName: "description",
                help: "gst-launch description with appsinks named video and/or audio (implies --source pipeline).",
                kind: .text(\.pipeline)),
            Option(
                "sample-frames", valueName: "dir",
                help: "Folder of frame-NNNN.h264/.h265 files (implies --source sample-frames).", kind: .value(\.sampleFrames)),
            Option(
                "sample-audio", valueName: "dir", help: "Folder of sample-NNN.opus files for --sample-frames.",
                kind: .value(\.sampleAudio)),
            Option(
                "annexb", valueName: "path",
                help: "Annex-B H.264/H.265 file or FIFO, - for stdin (implies --source annexb).", kind: .value(\.annexB)),
            Option("video-codec", valueName: "codec", help: "h264 or h265.", kind: .value(\.videoCodec)),
            Option("audio-codec", valueName: "codec", help: "opus, pcmu or pcma.", kind: .value(\.audioCodec)),
            Option("width", valueName: "pixels", help: "Capture width (testsrc, devicesrc; default 640).", kind: .value(\.width)),
            Option("height", valueName: "pixels", help: "Capture height (default 480).", kind: .value(\.height)),
            Option("fps", valueName: "n", help: "Frame rate (default 30).", kind: .value(\.fps)),
            Option("bitrate", valueName: "kbps", help: "Start video bitrate in kbit/s (default 1000).", kind: .value(\.bitrate)),
            Option(
                "min-bitrate", valueName: "kbps", help: "Lowest bitrate adaptation goes to, kbit/s (default 150).",
                kind: .value(\.minBitrate)),
            Option(
                "max-bitrate", valueName: "kbps", help: "Highest bitrate adaptation goes to, kbit/s (default 2500).",
                kind: .value(\.maxBitrate)),
            Option("max-viewers", valueName: "n", help: "Viewers served at once, 1–100 (default 10).", kind: .value(\.maxViewers)),

            // Logging.
            Option(
                "log-level", valueName: "level",
                help: "1 verbose … 7 silent, or a name (default 4, warning; AWS_KVS_LOG_LEVEL).", kind: .value(\.logLevel)),
            Option("log-file", valueName: "path", help: "Also append the log to this file.", kind: .value(\.logFile)),
            Option(
                "file-logging", help: "Log to kvsmaster.log in the state directory (AWS_ENABLE_FILE_LOGGING).",
                kind: .invertibleFlag(\.fileLogging)),
            Option("log-sdp", help: "Log every offer and answer (DEBUG_LOG_SDP).", kind: .invertibleFlag(\.logSDP)),

            // Files and AWS.
            Option(
                "config", valueName: "path", help: "Config file (default /etc/kvsmaster/kvsmaster.conf when it exists).",
                kind: .value(\.config)),
            Option("region", valueName: "region", help: "AWS region (AWS_DEFAULT_REGION; default us-west-2).", kind: .value(\.region)),
            Option(
                "control-plane-uri", valueName: "url", help: "KVS control-plane endpoint (CONTROL_PLANE_URI).",
                kind: .value(\.controlPlaneURI)),
            Option("stun-uri", valueName: "uri", help: "STUN server (KVS_STUN_URI).", kind: .value(\.stunURI)),
            Option(
                "ca-cert-path", valueName: "path", help: "CA bundle for AWS endpoints (AWS_KVS_CACERT_PATH).",
                kind: .value(\.caCertPath)),
            Option(
                "state-directory", valueName: "dir", help: "Where the endpoint cache lives (default $STATE_DIRECTORY).",
                kind: .value(\.stateDirectory)),

            // ICE and viewers.
            Option(
                "relay-only", help: "Use TURN relay candidates only (KVS_ICE_TRANSPORT_POLICY=relay).",
                kind: .invertibleFlag(\.relayOnly)),
            Option(
                "ice-server-index", valueName: "n", help: "Which TURN server of GetIceServerConfig to use (default 0).",
                kind: .value(\.iceServerIndex)),
            Option(
                "data-channel-reply", valueName: "text", help: "Reply sent for each data-channel message (default: the KVS sample's).",
                kind: .text(\.dataChannelReply)),
            Option("no-data-channel-reply", help: "Do not answer data-channel messages.", kind: .flag(\.noDataChannelReply)),
            Option(
                "data-channel-stdout", help: "Print each data-channel message as a line on stdout.",
                kind: .invertibleFlag(\.dataChannelStdout)),
            Option("playback-audio", help: "Play the viewers' audio.", kind: .invertibleFlag(\.playbackAudio)),
            Option(
                "stats-interval", valueName: "seconds", help: "Seconds between per-viewer statistics lines (default 60).",
                kind: .value(\.statsInterval)),

            // Local mode.
            Option(
                "local", help: "Serve signaling and a viewer page here instead of KVS (no AWS account needed).",
                kind: .invertibleFlag(\.local)),
            Option(
                "listen", valueName: "host:port",
                help: "Where --local listens (default 127.0.0.1:8080; other addresses need the access token).",
                kind: .value(\.listen)),
            Option(
                "token", valueName: "token",
                help: "Access token --local requires (default: generated and printed when not on loopback; KVSMASTER_LOCAL_TOKEN).",
                kind: .value(\.token)),
        ]
    }

    /// The command line alone checked by the configuration's rules (values, conflicts, the source).
    public func validate() throws(CommandLineError) {
        switch commandLineLayer() {
        case .success(let layer):
            var scratch = DaemonConfiguration(channelName: "")
            if case .failure(let error) = layer.check(into: &scratch) { throw .invalid(error.description) }
            if case .failure(let error) = layer.sourceChoice() { throw .invalid(error.description) }
        case .failure(let error): throw .invalid(error.description)
        }
    }

    /// The run command's arguments from `words` (the command line after `run`).
    public static func parse(_ words: [String]) throws(CommandLineError) -> DaemonArguments {
        try parse(words, command: "run")
    }

    /// The one-line message for an error `parse` threw.
    public static func message(for error: any Error) -> String {
        (error as? CommandLineError)?.description ?? "\(error)"
    }
}
