/// The encodings a media source hands to the daemon (RFC 6184 H.264, RFC 7798 H.265, RFC 7741
/// VP8, RFC 7587 Opus, RFC 3551 PCMU/PCMA).
public enum MediaCodec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case h264, h265, vp8, opus, pcmu, pcma

    public var kind: MediaKind {
        switch self {
        case .h264, .h265, .vp8: .video
        case .opus, .pcmu, .pcma: .audio
        }
    }

    /// The RTP clock rate (RFC 6184 §8.2.1: 90 kHz video; RFC 7587 §4.1: 48 kHz Opus; G.711 8 kHz).
    public var clockRate: UInt32 {
        switch self {
        case .h264, .h265, .vp8: 90_000
        case .opus: 48_000
        case .pcmu, .pcma: 8_000
        }
    }

    public var description: String { rawValue }
}

/// Video or audio (an SDP media section's kind, RFC 8866 §5.14).
public enum MediaKind: String, Sendable, Hashable {
    case video, audio
}

/// One encoded frame from a source.
public struct MediaFrame: Sendable {
    public var codec: MediaCodec
    /// Video: one access unit in Annex-B byte-stream form (start codes; ITU-T H.264 Annex B).
    /// Audio: one encoded packet (an Opus packet, or G.711 samples).
    public var data: [UInt8]
    /// Presentation time relative to the source's first frame, monotonic.
    public var timestamp: Duration
    /// An IDR/IRAP access unit (video); always true for audio.
    public var isKeyframe: Bool

    public init(codec: MediaCodec, data: [UInt8], timestamp: Duration, isKeyframe: Bool) {
        self.codec = codec
        self.data = data
        self.timestamp = timestamp
        self.isKeyframe = isKeyframe
    }
}

/// How a source ended.
public enum MediaSourceEnd: Sendable, Equatable, CustomStringConvertible {
    /// End of stream (a file that was read to its end, a closed FIFO writer, an RTSP EOS).
    case endOfStream
    /// The source failed; the message is log-ready.
    case failed(String)

    public var description: String {
        switch self {
        case .endOfStream: "end of stream"
        case .failed(let message): message
        }
    }
}

/// A producer of encoded frames (a GStreamer pipeline, a folder of sample frames, an Annex-B
/// stream). Frames are delivered on the source's own thread; the receiver only hands them over
/// to the event loop.
public protocol MediaSource: AnyObject, Sendable {
    /// For log lines, e.g. "testsrc (videotestsrc ! x264enc, audiotestsrc ! opusenc)".
    var name: String { get }
    /// The encodings this source produces: at most one video and one audio codec.
    var codecs: [MediaCodec] { get }
    /// Whether ``setVideoBitrate(_:)`` changes anything (an encoder we control).
    var supportsBitrateControl: Bool { get }

    /// Starts producing. `deliver` runs on a source thread for every frame; `onEnd` runs once
    /// if the source ends or fails. Throws when the source cannot start at all.
    func start(
        deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void
    ) throws(MediaSourceError)
    /// Stops producing and releases the source's resources; no callback runs after it returns.
    func stop()
    /// false: nobody watches, the source may idle (pause the pipeline, skip reading).
    /// true: resume; the next video frame is a keyframe.
    func setActive(_ active: Bool)
    /// Asks the encoder for a keyframe soon (GStreamer force-key-unit); a no-op for sources
    /// that cannot (then the daemon waits for the next natural keyframe).
    func requestKeyframe()
    /// The video encoder's target bitrate in bits per second.
    func setVideoBitrate(_ bitsPerSecond: Int)
}

/// Why a source could not start.
public enum MediaSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GStreamer, an element or a plugin is missing; the text names it and the package.
    case unavailable(String)
    /// The pipeline description, path or parameters are unusable.
    case invalidConfiguration(String)
    /// Opening a file, FIFO or device failed.
    case io(String)

    public var description: String {
        switch self {
        case .unavailable(let m), .invalidConfiguration(let m), .io(let m): m
        }
    }
}
