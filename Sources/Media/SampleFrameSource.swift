import Synchronization

/// Frames from folders of one-encoded-frame-per-file samples (the layout of the KVS C SDK's
/// `h264SampleFrames/frame-0001.h264` and `opusSampleFrames/sample-001.opus`), looped in real
/// time on the source's own thread: video at the frame rate, audio one packet per
/// `audioPacketDuration`. Needs no GStreamer.
///
/// Files are ordered by the number in their name and loaded once at init. Keyframes are found
/// from the NAL unit types (H.264 IDR 5; H.265 IRAP 16–23; VP8's key-frame bit). While
/// inactive nothing is delivered; on activation, or on a keyframe request, the video loop jumps
/// back to the latest keyframe file so a new viewer can decode at once.
public final class SampleFrameSource: MediaSource {
    /// One folder of frames.
    public struct Track: Sendable {
        public var codec: MediaCodec
        public var frames: [[UInt8]]
        /// Indexes of the frames that are keyframes (every audio frame is one).
        public var keyframes: [Int]
    }

    private struct Control: SourceThreadState {
        var active = true
        var stopping = false
        /// Jump to the latest keyframe before the next video frame.
        var resync = true
        var thread: SourceThread?
    }

    public let video: Track?
    public let audio: Track?
    public let frameRate: Int
    public let audioPacketDuration: Duration
    public let name: String
    private let control = Mutex(Control())
    private let gate = CallbackGate()
    private let wakeup: Wakeup

    /// Largest accepted sample file and folder total, so a wrong path cannot exhaust memory.
    public static let maxFileSize = 8 << 20
    public static let maxFolderSize = 256 << 20

    public init(
        videoFolder: String?, videoCodec: MediaCodec = .h264, audioFolder: String? = nil, audioCodec: MediaCodec = .opus,
        frameRate: Int = 25, audioPacketDuration: Duration = .milliseconds(20)
    ) throws(MediaSourceError) {
        guard videoFolder != nil || audioFolder != nil else {
            throw .invalidConfiguration("sample frames: give a video folder, an audio folder or both")
        }
        guard (1...240).contains(frameRate) else {
            throw .invalidConfiguration("sample frames: frame rate \(frameRate) is outside 1...240")
        }
        guard audioPacketDuration >= .milliseconds(1) && audioPacketDuration <= .seconds(1) else {
            throw .invalidConfiguration("sample frames: audio packet duration must be between 1 ms and 1 s")
        }
        guard videoCodec.kind == .video, audioCodec.kind == .audio else {
            throw .invalidConfiguration("sample frames: \(videoCodec) is not a video codec or \(audioCodec) not an audio codec")
        }
        self.video = try videoFolder.map { folder throws(MediaSourceError) in try Self.load(folder, codec: videoCodec) }
        self.audio = try audioFolder.map { folder throws(MediaSourceError) in try Self.load(folder, codec: audioCodec) }
        self.frameRate = frameRate
        self.audioPacketDuration = audioPacketDuration
        var parts: [String] = []
        if let video, let videoFolder { parts.append("\(video.frames.count) \(video.codec) frames from \(videoFolder)") }
        if let audio, let audioFolder { parts.append("\(audio.frames.count) \(audio.codec) packets from \(audioFolder)") }
        self.name = "sample frames (" + parts.joined(separator: ", ") + ")"
        self.wakeup = try Wakeup()
    }

    public var codecs: [MediaCodec] { [video?.codec, audio?.codec].compactMap { $0 } }
    public var supportsBitrateControl: Bool { false }

    public func start(
        deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void
    ) throws(MediaSourceError) {
        guard !control.isStartedOrStopping else { throw .invalidConfiguration("\(name): already started") }
        gate.open(deliver: deliver, onEnd: onEnd)
        let thread = try SourceThread { [self] in run() }
        control.withLock { $0.thread = thread }
    }

    public func stop() { control.stopThread(gate: gate, wakeup: wakeup) }

    public func setActive(_ active: Bool) {
        control.withLock { state in
            if active && !state.active { state.resync = true }
            state.active = active
        }
    }

    public func requestKeyframe() { control.withLock { $0.resync = true } }
    public func setVideoBitrate(_ bitsPerSecond: Int) {}

    // MARK: The loop

    private func run() {
        var start = ContinuousClock.now
        var videoIndex = 0
        var audioIndex = 0
        var videoCount: Int64 = 0
        var audioCount: Int64 = 0
        let audioStep = audioPacketDuration
        while true {
            let nextVideo = video.map { _ in start + .frames(videoCount, rate: frameRate) }
            let nextAudio = audio.map { _ in start + audioStep * Int(audioCount) }
            let deadline = [nextVideo, nextAudio].compactMap { $0 }.min()
            let (stopping, active) = control.withLock { ($0.stopping, $0.active) }
            if stopping { return }
            if let deadline, ContinuousClock.now < deadline {
                _ = wakeup.wait(until: deadline)
                continue
            }
            // After a stall (a suspended board, a stuck consumer) skip ahead instead of bursting.
            if let deadline, deadline.duration(to: ContinuousClock.now) > .seconds(1) {
                start += deadline.duration(to: ContinuousClock.now)
            }
            if let video, let nextVideo, ContinuousClock.now >= nextVideo {
                let resync = control.withLock { state in
                    defer { state.resync = false }
                    return state.resync && state.active
                }
                if resync { videoIndex = Self.latestKeyframe(in: video, atOrBefore: videoIndex) }
                if active {
                    gate.deliver(
                        MediaFrame(
                            codec: video.codec, data: video.frames[videoIndex], timestamp: .frames(videoCount, rate: frameRate),
                            isKeyframe: video.keyframes.contains(videoIndex)))
                }
                videoIndex = (videoIndex + 1) % video.frames.count
                videoCount += 1
            }
            if let audio, let nextAudio, ContinuousClock.now >= nextAudio {
                if active {
                    gate.deliver(
                        MediaFrame(
                            codec: audio.codec, data: audio.frames[audioIndex], timestamp: audioStep * Int(audioCount),
                            isKeyframe: true))
                }
                audioIndex = (audioIndex + 1) % audio.frames.count
                audioCount += 1
            }
        }
    }

    static func latestKeyframe(in track: Track, atOrBefore index: Int) -> Int {
        if let key = track.keyframes.last(where: { $0 <= index }) { return key }
        return track.keyframes.last ?? index
    }

    // MARK: Loading

    /// Loads a folder's frames, ordered by the number in each file name.
    public static func load(_ folder: String, codec: MediaCodec) throws(MediaSourceError) -> Track {
        guard let kind = FileIO.kind(folder) else { throw .io("sample frames: folder \(folder) does not exist") }
        guard kind == .directory else { throw .invalidConfiguration("sample frames: \(folder) is not a folder") }
        let names = try FileIO.list(folder).compactMap { name in frameNumber(name).map { (name, $0) } }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        guard !names.isEmpty else {
            throw .invalidConfiguration("sample frames: folder \(folder) has no numbered frame files (like frame-0001.h264)")
        }
        var frames: [[UInt8]] = []
        var total = 0
        for (name, _) in names {
            let data = try FileIO.readAll(folder + "/" + name, maxBytes: maxFileSize)
            total += data.count
            guard total <= maxFolderSize else {
                throw .invalidConfiguration("sample frames: folder \(folder) holds more than \(maxFolderSize >> 20) MiB")
            }
            if !data.isEmpty { frames.append(data) }
        }
        guard !frames.isEmpty else { throw .invalidConfiguration("sample frames: every file in \(folder) is empty") }
        let keyframes = frames.indices.filter { isKeyframe(frames[$0], codec: codec) }
        guard !keyframes.isEmpty else {
            throw .invalidConfiguration("sample frames: no \(codec) keyframe (IDR/IRAP) in \(folder); viewers could never decode it")
        }
        return Track(codec: codec, frames: frames, keyframes: keyframes)
    }

    static func isKeyframe(_ frame: [UInt8], codec: MediaCodec) -> Bool {
        switch codec {
        case .h264, .h265: NALUnitHeader.isKeyframe(frame, codec: codec)
        case .vp8: frame.first.map { $0 & 1 == 0 } ?? false  // RFC 6386 §9.1: P bit clear
        case .opus, .pcmu, .pcma: true
        }
    }

    /// The last run of digits in a file name without its extension ("frame-0012.h264" → 12).
    static func frameNumber(_ name: String) -> Int? {
        var digits: [Character] = []
        var current: [Character] = []
        let stem = name.lastIndex(of: ".").map { name[..<$0] } ?? name[...]
        for c in stem {
            if c.isASCII && c.isNumber {
                current.append(c)
            } else if !current.isEmpty {
                digits = current
                current = []
            }
        }
        if !current.isEmpty { digits = current }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        return Int(String(digits))
    }
}
