#if KVS_GSTREAMER
extension GStreamerSource {
    /// Debian packages of the elements the built-in pipelines use, for "missing element" errors.
    static let elementPackages: [String: String] = [
        "x264enc": "gstreamer1.0-plugins-ugly",
        "x265enc": "gstreamer1.0-plugins-bad", "h264parse": "gstreamer1.0-plugins-bad",
        "h265parse": "gstreamer1.0-plugins-bad", "audiobuffersplit": "gstreamer1.0-plugins-bad",
        "rtspsrc": "gstreamer1.0-plugins-good", "rtph264depay": "gstreamer1.0-plugins-good",
        "rtph265depay": "gstreamer1.0-plugins-good", "rtppcmudepay": "gstreamer1.0-plugins-good",
        "rtppcmadepay": "gstreamer1.0-plugins-good", "mulawenc": "gstreamer1.0-plugins-good",
        "alawenc": "gstreamer1.0-plugins-good", "v4l2src": "gstreamer1.0-plugins-good",
        "autovideosrc": "gstreamer1.0-plugins-good", "autoaudiosrc": "gstreamer1.0-plugins-good",
        "rtpopusdepay": "gstreamer1.0-plugins-good",
        "videotestsrc": "gstreamer1.0-plugins-base", "audiotestsrc": "gstreamer1.0-plugins-base",
        "videoconvert": "gstreamer1.0-plugins-base", "videoscale": "gstreamer1.0-plugins-base",
        "videorate": "gstreamer1.0-plugins-base", "audioconvert": "gstreamer1.0-plugins-base",
        "audioresample": "gstreamer1.0-plugins-base", "opusenc": "gstreamer1.0-plugins-base",
        "opusdec": "gstreamer1.0-plugins-base", "appsink": "gstreamer1.0-plugins-base",
        "appsrc": "gstreamer1.0-plugins-base", "mulawdec": "gstreamer1.0-plugins-good",
        "alawdec": "gstreamer1.0-plugins-good", "autoaudiosink": "gstreamer1.0-plugins-good",
    ]

    /// "GStreamer element 'x264enc' is missing (Debian package gstreamer1.0-plugins-ugly)".
    public static func missingElementMessage(_ element: String) -> String {
        let package = elementPackages[element].map { " (Debian package \($0))" } ?? ""
        return "GStreamer element '\(element)' is missing\(package)"
    }

    /// The caps each appsink accepts: Annex-B byte stream, one access unit per buffer
    /// (H.264 Annex B), Opus packets, or 8 kHz mono G.711.
    static func sinkCaps(_ codec: MediaCodec) -> String {
        switch codec {
        case .h264: "video/x-h264,stream-format=byte-stream,alignment=au"
        case .h265: "video/x-h265,stream-format=byte-stream,alignment=au"
        case .vp8: "video/x-vp8"
        case .opus: "audio/x-opus"
        case .pcmu: "audio/x-mulaw,rate=8000,channels=1"
        case .pcma: "audio/x-alaw,rate=8000,channels=1"
        }
    }

    static let videoSink = "appsink name=video sync=false max-buffers=8 drop=true"
    static let audioSink = "appsink name=audio sync=false max-buffers=16 drop=true"

    /// The gst-launch description and the elements it needs.
    static func pipeline(for s: Settings) -> (description: String, elements: [String]) {
        var branches: [String] = []
        var elements: [String] = ["appsink"]
        switch s.kind {
        case .custom(let description):
            return (description, [])
        case .rtsp(let uri):
            elements.append("rtspsrc")
            var parts = ["rtspsrc name=src location=\"\(uri)\" latency=100"]
            if let video = s.videoCodec {
                let (encoding, depay, parse) = video == .h265 ? ("H265", "rtph265depay", "h265parse") : ("H264", "rtph264depay", "h264parse")
                elements += [depay, parse]
                parts.append(
                    "src. ! application/x-rtp,media=video,encoding-name=\(encoding) ! \(depay) ! \(parse) config-interval=-1 ! "
                        + "\(sinkCaps(video)) ! \(videoSink)")
            }
            if let audio = s.audioCodec {
                let (encoding, depay) =
                    switch audio {
                    case .pcmu: ("PCMU", "rtppcmudepay")
                    case .pcma: ("PCMA", "rtppcmadepay")
                    default: ("OPUS", "rtpopusdepay")
                    }
                elements.append(depay)
                parts.append("src. ! application/x-rtp,media=audio,encoding-name=\(encoding) ! \(depay) ! \(audioSink)")
            }
            return (parts.joined(separator: " "), elements)
        case .testsrc, .devicesrc:
            if let video = s.videoCodec {
                let (branch, needs) = videoBranch(s, codec: video)
                branches.append(branch)
                elements += needs
            }
            if let audio = s.audioCodec {
                let (branch, needs) = audioBranch(s, codec: audio)
                branches.append(branch)
                elements += needs
            }
            return (branches.joined(separator: " "), elements)
        }
    }

    private static func videoBranch(_ s: Settings, codec: MediaCodec) -> (String, [String]) {
        let raw = "video/x-raw,width=\(s.width),height=\(s.height),framerate=\(s.frameRate)/1"
        let source: String
        var elements = ["videoconvert"]
        if s.kind == .testsrc {
            source = "videotestsrc is-live=true pattern=ball ! \(raw) ! videoconvert"
            elements.append("videotestsrc")
        } else {
            source = "autovideosrc ! videorate ! videoscale ! videoconvert ! \(raw)"
            elements += ["autovideosrc", "videorate", "videoscale"]
        }
        let kbps = max(s.videoBitrate / 1000, 1)
        let keyInt = 2 * s.frameRate
        let encoder: String
        if codec == .h265 {
            encoder =
                "x265enc name=venc tune=zerolatency speed-preset=veryfast key-int-max=\(keyInt) bitrate=\(kbps) ! "
                + "video/x-h265,stream-format=byte-stream,alignment=au ! h265parse config-interval=-1"
            elements += ["x265enc", "h265parse"]
        } else {
            encoder =
                "x264enc name=venc tune=zerolatency speed-preset=veryfast key-int-max=\(keyInt) bitrate=\(kbps) ! "
                + "video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline"
            elements.append("x264enc")
        }
        // The appsink's caps property holds the byte-stream caps; gst-launch cannot chain two caps filters.
        return ("\(source) ! \(encoder) ! \(videoSink)", elements)
    }

    private static func audioBranch(_ s: Settings, codec: MediaCodec) -> (String, [String]) {
        let test = s.kind == .testsrc
        var elements = ["audioconvert", test ? "audiotestsrc" : "autoaudiosrc"]
        switch codec {
        case .pcmu, .pcma:
            let encoder = codec == .pcmu ? "mulawenc" : "alawenc"
            let raw = "audio/x-raw,format=S16LE,rate=8000,channels=1"
            let source =
                test
                ? "audiotestsrc is-live=true wave=sine volume=0.3 samplesperbuffer=160 ! \(raw)"
                : "autoaudiosrc ! audioconvert ! audioresample ! \(raw) ! audiobuffersplit output-buffer-duration=1/50"
            if !test { elements += ["audioresample", "audiobuffersplit"] }
            elements.append(encoder)
            return ("\(source) ! \(encoder) name=aenc ! \(sinkCaps(codec)) ! \(audioSink)", elements)
        default:
            let raw = "audio/x-raw,rate=48000,channels=2"
            let source =
                test
                ? "audiotestsrc is-live=true wave=sine volume=0.3 samplesperbuffer=960 ! \(raw) ! audioconvert"
                : "autoaudiosrc ! audioconvert ! audioresample ! \(raw)"
            if !test { elements.append("audioresample") }
            elements.append("opusenc")
            return (
                "\(source) ! opusenc name=aenc bitrate=\(s.audioBitrate) frame-size=20 ! \(sinkCaps(.opus)) ! \(audioSink)",
                elements
            )
        }
    }
}
#endif
