#if KVS_GSTREAMER
import CGStreamer
import Synchronization

/// Encoded video and audio from a GStreamer pipeline ending in appsinks named "video" and
/// "audio": a test pattern, a camera and microphone, an RTSP camera (depayloaded, not
/// re-encoded) or any gst-launch description.
///
/// Video leaves as H.264/H.265 Annex-B access units (ITU-T H.264 Annex B), audio as Opus
/// packets (RFC 7587) or 20 ms of G.711. Frames are delivered on GStreamer's streaming threads;
/// timestamps are running times relative to the first buffer. Keyframe requests send the
/// upstream force-key-unit event (all headers) to the encoder; `setActive(false)` pauses the
/// pipeline (an RTSP session keeps running and frames are dropped instead).
public final class GStreamerSource: MediaSource {
    /// Where the media comes from.
    public enum Kind: Sendable, Equatable {
        /// videotestsrc + x264enc/x265enc, audiotestsrc + opusenc/mulawenc/alawenc.
        case testsrc
        /// autovideosrc (v4l2src on a camera board) and autoaudiosrc, encoded as for testsrc.
        case devicesrc
        /// An RTSP camera: rtspsrc, depayloaded and parsed, without re-encoding.
        case rtsp(uri: String)
        /// A gst-launch description with appsinks named "video" and/or "audio".
        case custom(description: String)
    }

    /// What to build: kind, codecs and encoder settings.
    public struct Settings: Sendable, Equatable {
        public var kind: Kind
        /// `.h264` or `.h265`, or nil for an audio-only source.
        public var videoCodec: MediaCodec?
        /// `.opus`, `.pcmu`, `.pcma`, or nil for a video-only source.
        public var audioCodec: MediaCodec?
        public var width: Int
        public var height: Int
        public var frameRate: Int
        /// Initial video bitrate in bits per second.
        public var videoBitrate: Int
        /// Opus bitrate in bits per second.
        public var audioBitrate: Int

        public init(
            kind: Kind, videoCodec: MediaCodec? = .h264, audioCodec: MediaCodec? = .opus, width: Int = 1280,
            height: Int = 720, frameRate: Int = 30, videoBitrate: Int = 1_500_000, audioBitrate: Int = 64_000
        ) {
            self.kind = kind
            self.videoCodec = videoCodec
            self.audioCodec = audioCodec
            self.width = width
            self.height = height
            self.frameRate = frameRate
            self.videoBitrate = videoBitrate
            self.audioBitrate = audioBitrate
        }
    }

    private enum RunState {
        case idle
        case running(GStreamerPipelineHandle)
        case stopped
    }

    public let settings: Settings
    public let name: String
    /// The gst-launch description this source runs.
    public let pipelineDescription: String
    /// The element factories the built-in pipeline needs (none listed for a custom one).
    public let requiredElements: [String]
    private let dispatcher: FrameDispatcher
    private let state = Mutex<RunState>(.idle)

    public init(_ settings: Settings) throws(MediaSourceError) {
        if let video = settings.videoCodec, video != .h264 && video != .h265 {
            throw .invalidConfiguration("GStreamer source: video codec must be h264 or h265, not \(video)")
        }
        if let audio = settings.audioCodec, audio.kind != .audio {
            throw .invalidConfiguration("GStreamer source: \(audio) is not an audio codec")
        }
        guard settings.videoCodec != nil || settings.audioCodec != nil else {
            throw .invalidConfiguration("GStreamer source: needs a video codec, an audio codec or both")
        }
        guard (1...240).contains(settings.frameRate), (16...7680).contains(settings.width), (16...4320).contains(settings.height)
        else {
            throw .invalidConfiguration(
                "GStreamer source: \(settings.width)x\(settings.height) at \(settings.frameRate) fps is out of range")
        }
        if case .rtsp(let uri) = settings.kind {
            guard uri.hasPrefix("rtsp://") || uri.hasPrefix("rtsps://"), !uri.contains(where: { $0 == "\"" || $0 == " " || $0 == "\\" })
            else { throw .invalidConfiguration("GStreamer source: '\(uri)' is not an rtsp:// URI") }
        }
        self.settings = settings
        let (description, elements) = Self.pipeline(for: settings)
        self.pipelineDescription = description
        self.requiredElements = elements
        self.dispatcher = FrameDispatcher(pausesWhenIdle: { if case .rtsp = settings.kind { false } else { true } }())
        let codecs = [settings.videoCodec, settings.audioCodec].compactMap { $0?.description }.joined(separator: "+")
        switch settings.kind {
        case .testsrc: name = "testsrc (\(codecs))"
        case .devicesrc: name = "devicesrc (\(codecs))"
        case .rtsp(let uri): name = "rtspsrc \(uri) (\(codecs))"
        case .custom: name = "custom pipeline (\(codecs))"
        }
    }

    public convenience init(
        _ kind: Kind, videoCodec: MediaCodec? = .h264, audioCodec: MediaCodec? = .opus, width: Int = 1280, height: Int = 720,
        frameRate: Int = 30, videoBitrate: Int = 1_500_000
    ) throws(MediaSourceError) {
        try self.init(
            Settings(
                kind: kind, videoCodec: videoCodec, audioCodec: audioCodec, width: width, height: height, frameRate: frameRate,
                videoBitrate: videoBitrate))
    }

    public var codecs: [MediaCodec] { [settings.videoCodec, settings.audioCodec].compactMap { $0 } }

    public var supportsBitrateControl: Bool {
        switch settings.kind {
        case .testsrc, .devicesrc: settings.videoCodec != nil
        case .rtsp: false
        case .custom: withPipeline { $0.videoEncoder != nil } ?? false
        }
    }

    public func start(
        deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void
    ) throws(MediaSourceError) {
        let idle = state.withLock { if case .idle = $0 { true } else { false } }
        guard idle else { throw .invalidConfiguration("\(name): already started or stopped") }
        do {
            try GStreamerLibrary.initialize()
        } catch {
            throw .unavailable(error.description)
        }
        if let missing = requiredElements.first(where: { !GStreamerLibrary.hasElement($0) }) {
            throw .unavailable("\(name): " + Self.missingElementMessage(missing))
        }
        let handle = try GStreamerPipelineHandle(
            description: pipelineDescription, videoCodec: settings.videoCodec, audioCodec: settings.audioCodec,
            dispatcher: dispatcher)
        dispatcher.open(deliver: deliver, onEnd: onEnd)
        if var failure = handle.play() {
            if let reported = dispatcher.heldFailure { failure = reported }
            dispatcher.close()
            handle.shutdown()
            throw .invalidConfiguration("\(name): the pipeline did not start: \(failure)")
        }
        state.withLock { $0 = .running(handle) }
        dispatcher.finishStarting()
    }

    public func stop() {
        let handle = state.withLock { s -> GStreamerPipelineHandle? in
            defer { s = .stopped }
            if case .running(let handle) = s { return handle }
            return nil
        }
        dispatcher.close()
        handle?.shutdown()
    }

    public func setActive(_ active: Bool) {
        guard dispatcher.setActive(active) else { return }
        withPipeline { pipeline in
            if dispatcher.pausesWhenIdle { pipeline.setPlaying(active) }
            if active { pipeline.forceKeyUnit() }
        }
    }

    public func requestKeyframe() {
        if case .rtsp = settings.kind { return }
        withPipeline { $0.forceKeyUnit() }
    }

    /// x264enc/x265enc take kbit/s; the value is clamped to at least 1 kbit/s.
    public func setVideoBitrate(_ bitsPerSecond: Int) {
        withPipeline { $0.setVideoBitrate(bitsPerSecond) }
    }

    /// opusenc's target bitrate (bits per second, 4000...650000).
    public func setAudioBitrate(_ bitsPerSecond: Int) {
        withPipeline { $0.setAudioBitrate(bitsPerSecond) }
    }

    /// The video encoder's bitrate property read back, in bits per second (nil without an encoder).
    public var currentVideoBitrate: Int? { withPipeline { $0.videoBitrate } ?? nil }
    /// Opus encoder bitrate read back.
    public var currentAudioBitrate: Int? { withPipeline { $0.audioBitrate } ?? nil }
    /// Whether the pipeline is in (or going to) PLAYING.
    public var isPlaying: Bool { withPipeline { $0.isPlaying } ?? false }

    private func withPipeline<T>(_ body: (GStreamerPipelineHandle) -> T) -> T? {
        let handle = state.withLock { s -> GStreamerPipelineHandle? in
            if case .running(let handle) = s { return handle }
            return nil
        }
        return handle.map(body)
    }

    deinit { stop() }
}
#endif
