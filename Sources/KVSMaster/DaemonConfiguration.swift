import Media
import WireKit

/// Everything the daemon runs with, resolved from the command line, the environment, the
/// config file and defaults (in that order of precedence; see ``DaemonConfigurationResolver``).
/// Secrets are not part of it: credentials stay in the environment and are read by the
/// signaling client's providers.
public struct DaemonConfiguration: Sendable, Equatable {
    /// What the channel carries (the KVS sample's second argument).
    public enum StreamMode: String, Sendable, Equatable, CaseIterable {
        case audioVideo = "audio-video"
        case videoOnly = "video-only"
        /// WebRTC ingestion to a Kinesis video stream (JoinStorageSession).
        case audioVideoStorage = "audio-video-storage"
    }

    /// Where frames come from.
    public enum Source: Sendable, Equatable {
        /// videotestsrc + encoder, audiotestsrc + encoder.
        case testsrc
        /// v4l2src/autovideosrc + encoder, autoaudiosrc + encoder.
        case devicesrc
        /// rtspsrc, depayloaded without re-encoding.
        case rtspsrc(uri: String)
        /// A gst-launch description with appsinks named "video" and/or "audio".
        case pipeline(String)
        /// Folders of one-frame-per-file samples (frame-0001.h264 …), looped at `frameRate`.
        case sampleFrames(video: String, audio: String?)
        /// An Annex-B H.264/H.265 byte stream from a file, a FIFO, or "-" (stdin).
        case annexB(path: String)
    }

    public var channelName: String
    public var mode: StreamMode = .audioVideo
    public var source: Source = .testsrc
    public var videoCodec: MediaCodec = .h264
    public var audioCodec: MediaCodec = .opus
    /// Capture size and rate for testsrc/devicesrc; frame rate for sample frames and Annex-B.
    public var width = 640
    public var height = 480
    public var frameRate = 30
    /// Encoder bitrate: start value and the bounds bitrate adaptation stays within (bit/s).
    public var videoBitrate = 1_000_000
    public var minVideoBitrate = 150_000
    public var maxVideoBitrate = 2_500_000
    public var maxViewers = 10
    /// KVS_ICE_TRANSPORT_POLICY=relay.
    public var relayOnly = false
    /// DEBUG_LOG_SDP=TRUE: log offers and answers.
    public var logSDP = false
    /// AWS_KVS_LOG_LEVEL (1 verbose … 7 silent).
    public var logLevel: DaemonLogLevel = .warning
    /// `--log-file`, or with AWS_ENABLE_FILE_LOGGING / `file-logging` `kvsmaster.log` in the
    /// state directory (else the working directory): also append the log to this file.
    public var logFile: String?
    /// The reply sent for each data-channel message (nil: no reply).
    public var dataChannelReply: String? = DaemonConfiguration.sampleDataChannelReply
    /// Print each data-channel message as a line on stdout.
    public var dataChannelToStdout = false
    /// Play the viewers' audio through GStreamer.
    public var playbackAudio = false
    /// The per-viewer statistics line interval.
    public var statsInterval: Duration = .seconds(60)
    /// Which GetIceServerConfig entry to use (0 = the first).
    public var iceServerIndex = 0
    /// Where the endpoint cache lives (nil: the default path, e.g. $STATE_DIRECTORY).
    public var stateDirectory: String?
    /// The AWS region when set (command line, AWS_DEFAULT_REGION, or the config file); the
    /// effective environment the daemon receives carries the same value.
    public var region: String?
    /// `--local`: serve signaling and the viewer page from this process (``LocalSignalingServer``)
    /// instead of connecting to KVS; no credentials, no AWS calls.
    public var localMode = false
    /// `--listen`: where local mode serves (loopback by default).
    public var listen = LocalSignalingSettings.defaultListen
    /// `--token`: the access token local mode requires (generated off loopback when nil).
    public var localToken: String?

    /// The KVS C SDK sample's reply to every data-channel message.
    public static let sampleDataChannelReply = "This message is from the KVS Master"

    public init(channelName: String) {
        self.channelName = channelName
    }

    public var sendsAudio: Bool { mode != .videoOnly }

    /// The audio codec the source produces: nil in video-only mode.
    public var sentAudioCodec: MediaCodec? { sendsAudio ? audioCodec : nil }
}

/// AWS_KVS_LOG_LEVEL's scale (KVS C SDK): 1 verbose, 2 debug, 3 info, 4 warn, 5 error, 6 fatal, 7 silent.
public enum DaemonLogLevel: Int, Sendable, Equatable, CaseIterable {
    case verbose = 1, debug, info, warning, error, fatal, silent
}
