import ArgumentParser

/// The run command's arguments: the KVS GStreamer sample's positionals
/// (`<channel-name> [audio-video|video-only|audio-video-storage] [testsrc|devicesrc|rtspsrc]
/// [rtsp-uri|opus|pcmu|pcma] [h264|h265]`) and a named flag for every setting. Values stay
/// text here and are checked by the same rules as the environment and the config file
/// (`DaemonConfigurationResolver`); `validate()` runs those rules on the command line alone.
public struct DaemonArguments: ParsableArguments {
    // MARK: The KVS sample's positionals.
    @Argument(help: ArgumentHelp("The signaling channel (or --channel-name, or channel-name in the config file).", valueName: "channel-name"))
    public var channelArgument: String?

    @Argument(help: ArgumentHelp("audio-video (default), video-only or audio-video-storage.", valueName: "mode"))
    public var modeArgument: String?

    @Argument(help: ArgumentHelp("testsrc (default), devicesrc or rtspsrc.", valueName: "source"))
    public var sourceArgument: String?

    @Argument(help: ArgumentHelp("The RTSP URI with rtspsrc, else the audio codec: opus (default), pcmu or pcma.", valueName: "rtsp-uri|audio-codec"))
    public var fourthArgument: String?

    @Argument(help: ArgumentHelp("h264 (default) or h265.", valueName: "video-codec"))
    public var videoCodecArgument: String?

    // MARK: Channel and media.
    @Option(name: .customLong("channel-name"), help: ArgumentHelp("The signaling channel.", valueName: "name"))
    public var channelName: String?

    @Option(help: ArgumentHelp("audio-video, video-only or audio-video-storage.", valueName: "mode"))
    public var mode: String?

    @Option(help: ArgumentHelp("testsrc, devicesrc, rtspsrc, pipeline, sample-frames or annexb.", valueName: "source"))
    public var source: String?

    @Option(name: .customLong("rtsp-uri"), help: ArgumentHelp("Camera stream for rtspsrc (implies --source rtspsrc).", valueName: "uri"))
    public var rtspURI: String?

    @Option(help: ArgumentHelp("gst-launch description with appsinks named video and/or audio (implies --source pipeline).", valueName: "description"))
    public var pipeline: String?

    @Option(name: .customLong("sample-frames"), help: ArgumentHelp("Folder of frame-NNNN.h264/.h265 files (implies --source sample-frames).", valueName: "dir"))
    public var sampleFrames: String?

    @Option(name: .customLong("sample-audio"), help: ArgumentHelp("Folder of sample-NNN.opus files for --sample-frames.", valueName: "dir"))
    public var sampleAudio: String?

    @Option(name: .customLong("annexb"), help: ArgumentHelp("Annex-B H.264/H.265 file or FIFO, - for stdin (implies --source annexb).", valueName: "path"))
    public var annexB: String?

    @Option(name: .customLong("video-codec"), help: ArgumentHelp("h264 or h265.", valueName: "codec"))
    public var videoCodec: String?

    @Option(name: .customLong("audio-codec"), help: ArgumentHelp("opus, pcmu or pcma.", valueName: "codec"))
    public var audioCodec: String?

    @Option(help: ArgumentHelp("Capture width (testsrc, devicesrc; default 640).", valueName: "pixels"))
    public var width: String?

    @Option(help: ArgumentHelp("Capture height (default 480).", valueName: "pixels"))
    public var height: String?

    @Option(help: ArgumentHelp("Frame rate (default 30).", valueName: "n"))
    public var fps: String?

    @Option(help: ArgumentHelp("Start video bitrate in kbit/s (default 1000).", valueName: "kbps"))
    public var bitrate: String?

    @Option(name: .customLong("min-bitrate"), help: ArgumentHelp("Lowest bitrate adaptation goes to, kbit/s (default 150).", valueName: "kbps"))
    public var minBitrate: String?

    @Option(name: .customLong("max-bitrate"), help: ArgumentHelp("Highest bitrate adaptation goes to, kbit/s (default 2500).", valueName: "kbps"))
    public var maxBitrate: String?

    @Option(name: .customLong("max-viewers"), help: ArgumentHelp("Viewers served at once, 1–100 (default 10).", valueName: "n"))
    public var maxViewers: String?

    // MARK: Logging.
    @Option(name: .customLong("log-level"), help: ArgumentHelp("1 verbose … 7 silent, or a name (default 4, warning; AWS_KVS_LOG_LEVEL).", valueName: "level"))
    public var logLevel: String?

    @Option(name: .customLong("log-file"), help: ArgumentHelp("Also append the log to this file.", valueName: "path"))
    public var logFile: String?

    @Flag(name: .customLong("file-logging"), inversion: .prefixedNo, help: "Log to kvsmaster.log in the state directory (AWS_ENABLE_FILE_LOGGING).")
    public var fileLogging: Bool?

    @Flag(name: .customLong("log-sdp"), inversion: .prefixedNo, help: "Log every offer and answer (DEBUG_LOG_SDP).")
    public var logSDP: Bool?

    // MARK: Files and AWS.
    @Option(help: ArgumentHelp("Config file (default /etc/kvsmaster/kvsmaster.conf when it exists).", valueName: "path"))
    public var config: String?

    @Option(help: ArgumentHelp("AWS region (AWS_DEFAULT_REGION; default us-west-2).", valueName: "region"))
    public var region: String?

    @Option(name: .customLong("control-plane-uri"), help: ArgumentHelp("KVS control-plane endpoint (CONTROL_PLANE_URI).", valueName: "url"))
    public var controlPlaneURI: String?

    @Option(name: .customLong("stun-uri"), help: ArgumentHelp("STUN server (KVS_STUN_URI).", valueName: "uri"))
    public var stunURI: String?

    @Option(name: .customLong("ca-cert-path"), help: ArgumentHelp("CA bundle for AWS endpoints (AWS_KVS_CACERT_PATH).", valueName: "path"))
    public var caCertPath: String?

    @Option(name: .customLong("state-directory"), help: ArgumentHelp("Where the endpoint cache lives (default $STATE_DIRECTORY).", valueName: "dir"))
    public var stateDirectory: String?

    // MARK: ICE and viewers.
    @Flag(name: .customLong("relay-only"), inversion: .prefixedNo, help: "Use TURN relay candidates only (KVS_ICE_TRANSPORT_POLICY=relay).")
    public var relayOnly: Bool?

    @Option(name: .customLong("ice-server-index"), help: ArgumentHelp("Which TURN server of GetIceServerConfig to use (default 0).", valueName: "n"))
    public var iceServerIndex: String?

    @Option(name: .customLong("data-channel-reply"), help: ArgumentHelp("Reply sent for each data-channel message (default: the KVS sample's).", valueName: "text"))
    public var dataChannelReply: String?

    @Flag(name: .customLong("no-data-channel-reply"), help: "Do not answer data-channel messages.")
    public var noDataChannelReply = false

    @Flag(name: .customLong("data-channel-stdout"), inversion: .prefixedNo, help: "Print each data-channel message as a line on stdout.")
    public var dataChannelStdout: Bool?

    @Flag(name: .customLong("playback-audio"), inversion: .prefixedNo, help: "Play the viewers' audio.")
    public var playbackAudio: Bool?

    @Option(name: .customLong("stats-interval"), help: ArgumentHelp("Seconds between per-viewer statistics lines (default 60).", valueName: "seconds"))
    public var statsInterval: String?

    // MARK: Local mode.
    @Flag(name: .customLong("local"), inversion: .prefixedNo, help: "Serve signaling and a viewer page here instead of KVS (no AWS account needed).")
    public var local: Bool?

    @Option(help: ArgumentHelp("Where --local listens (default 127.0.0.1:8080; other addresses need the access token).", valueName: "host:port"))
    public var listen: String?

    @Option(help: ArgumentHelp("Access token --local requires (default: generated and printed when not on loopback; KVSMASTER_LOCAL_TOKEN).", valueName: "token"))
    public var token: String?

    public init() {}

    public mutating func validate() throws {
        switch commandLineLayer() {
        case .success(let layer):
            var scratch = DaemonConfiguration(channelName: "")
            if case .failure(let error) = layer.check(into: &scratch) { throw ValidationError(error.description) }
            if case .failure(let error) = layer.sourceChoice() { throw ValidationError(error.description) }
        case .failure(let error): throw ValidationError(error.description)
        }
    }
}
