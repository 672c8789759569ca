import Glibc
import Media

/// Builds the configured ``MediaSource`` (nil codecs never happen: every source has video or
/// audio). GStreamer sources exist only in builds with the `GStreamer` trait.
public enum MediaSourceFactory {
    public static func make(_ configuration: DaemonConfiguration) -> Result<(any MediaSource)?, MediaSourceError> {
        let audioCodec = configuration.sentAudioCodec
        do throws(MediaSourceError) {
            switch configuration.source {
            case .sampleFrames(let video, let audio):
                return .success(
                    try SampleFrameSource(
                        videoFolder: video, videoCodec: configuration.videoCodec,
                        audioFolder: audioCodec == nil ? nil : audio, audioCodec: audioCodec ?? .opus,
                        frameRate: configuration.frameRate))
            case .annexB(let path):
                let input: AnnexBStreamSource.Input
                if path == "-" {
                    input = .standardInput
                } else if AnnexBStreamSource.isFIFO(path) {
                    input = .fifo(path: path)
                } else {
                    input = .file(path: path, loop: true)
                }
                return .success(
                    try AnnexBStreamSource(input: input, codec: configuration.videoCodec, frameRate: configuration.frameRate))
            case .testsrc, .devicesrc, .rtspsrc, .pipeline:
                return makeGStreamerSource(configuration)
            }
        } catch {
            return .failure(error)
        }
    }

    static func makeGStreamerSource(_ configuration: DaemonConfiguration) -> Result<(any MediaSource)?, MediaSourceError> {
        #if KVS_GSTREAMER
            do throws(MediaSourceError) {
                return .success(try GStreamerSource(gstreamerSettings(configuration)))
            } catch {
                return .failure(error)
            }
        #else
            return .failure(
                .unavailable(
                    "this kvsmaster was built without GStreamer: use --sample-frames DIR or --annexb PATH|- as the source"))
        #endif
    }
}

#if KVS_GSTREAMER
    extension MediaSourceFactory {
        /// The GStreamer pipeline settings of a testsrc, devicesrc, rtspsrc or custom-pipeline
        /// configuration (the daemon's source, and what `doctor` checks the elements of).
        static func gstreamerSettings(_ configuration: DaemonConfiguration) -> GStreamerSource.Settings {
            let kind: GStreamerSource.Kind
            switch configuration.source {
            case .devicesrc: kind = .devicesrc
            case .rtspsrc(let uri): kind = .rtsp(uri: uri)
            case .pipeline(let description): kind = .custom(description: description)
            default: kind = .testsrc
            }
            return GStreamerSource.Settings(
                kind: kind, videoCodec: configuration.videoCodec, audioCodec: configuration.sentAudioCodec, width: configuration.width,
                height: configuration.height, frameRate: configuration.frameRate, videoBitrate: configuration.videoBitrate)
        }
    }
#endif

extension AnnexBStreamSource {
    /// Whether `path` names a FIFO (a vendor encoder writing into a named pipe).
    static func isFIFO(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFIFO
    }
}
