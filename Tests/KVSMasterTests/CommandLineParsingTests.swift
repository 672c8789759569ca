import KVSMaster
import Media
import Testing

/// The KVS GStreamer sample's positional forms and the named flags.
@Suite struct CommandLineParsingTests {
    @Test func channelNameAloneGivesTheDefaults() throws {
        let config = try #require(configuration(["my-channel"]))
        var expected = DaemonConfiguration(channelName: "my-channel")
        expected.logLevel = .warning
        #expect(config == expected)
        #expect(config.mode == .audioVideo)
        #expect(config.source == .testsrc)
        #expect(config.videoCodec == .h264)
        #expect(config.audioCodec == .opus)
        #expect(config.maxViewers == 10)
        #expect(config.statsInterval == .seconds(60))
        #expect(config.dataChannelReply == "This message is from the KVS Master")
    }

    @Test func sampleFormsFromTheKVSReadme() throws {
        let videoOnly = try #require(configuration(["ScaryTestChannel", "video-only", "testsrc"]))
        #expect(videoOnly.mode == .videoOnly)
        #expect(videoOnly.source == .testsrc)

        let device = try #require(configuration(["cam", "audio-video", "devicesrc", "opus", "h265"]))
        #expect(device.mode == .audioVideo)
        #expect(device.source == .devicesrc)
        #expect(device.audioCodec == .opus)
        #expect(device.videoCodec == .h265)

        let rtsp = try #require(configuration(["cam", "audio-video", "rtspsrc", "rtsp://192.168.1.20:554/stream1"]))
        #expect(rtsp.source == .rtspsrc(uri: "rtsp://192.168.1.20:554/stream1"))
        #expect(rtsp.audioCodec == .opus)

        let rtspH265 = try #require(configuration(["cam", "video-only", "rtspsrc", "rtsp://cam/s", "h265"]))
        #expect(rtspH265.source == .rtspsrc(uri: "rtsp://cam/s"))
        #expect(rtspH265.videoCodec == .h265)

        let storage = try #require(configuration(["cam", "audio-video-storage", "testsrc", "pcma", "h264"]))
        #expect(storage.mode == .audioVideoStorage)
        #expect(storage.audioCodec == .pcma)

        let upper = try #require(configuration(["cam", "VIDEO-ONLY", "TestSrc", "PCMU", "H265"]))
        #expect(upper.mode == .videoOnly)
        #expect(upper.source == .testsrc)
        #expect(upper.audioCodec == .pcmu)
        #expect(upper.videoCodec == .h265)
    }

    @Test func positionalValuesAreChecked() {
        #expect(
            configurationError(["cam", "video-only", "testsrc", "aac"])
                == "argument 4 (rtsp-uri|audio-codec): aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma")
        #expect(
            configurationError(["cam", "audio-only"])
                == "argument 2 (mode): expected audio-video, video-only or audio-video-storage, got \"audio-only\"")
        #expect(
            configurationError(["cam", "audio-video", "webcam"])
                == "argument 3 (source): expected testsrc, devicesrc, rtspsrc, pipeline, sample-frames or annexb, got \"webcam\"")
        #expect(
            configurationError(["cam", "audio-video", "testsrc", "opus", "vp9"])
                == "argument 5 (video-codec): expected h264 or h265, got \"vp9\"")
        #expect(
            configurationError(["cam", "audio-video", "testsrc", "rtsp://cam/s"])
                == "argument 4 (rtsp-uri|audio-codec): expected opus, pcmu or pcma, got \"rtsp://cam/s\" (an RTSP URI is the 4th argument only with the rtspsrc source)")
        #expect(
            configurationError(["cam", "audio-video", "rtspsrc", "http://cam/s"])
                == "argument 4 (rtsp-uri|audio-codec): expected an rtsp:// or rtsps:// URI, got \"http://cam/s\"")
        #expect(
            configurationError(["my channel"])
                == "argument 1 (channel-name): expected 1 to 256 letters, digits, '_', '.' or '-', got \"my channel\"")
    }

    @Test func everyNamedFlag() throws {
        let config = try #require(
            configuration([
                "--channel-name", "cam-1", "--mode", "video-only", "--source", "devicesrc", "--video-codec", "h265",
                "--audio-codec", "pcmu", "--width", "1280", "--height", "720", "--fps", "25", "--bitrate", "1500",
                "--min-bitrate", "300", "--max-bitrate", "4000", "--max-viewers", "4", "--log-level", "debug",
                "--log-file", "/tmp/k.log", "--region", "eu-west-1", "--relay-only", "--log-sdp",
                "--data-channel-reply", "pong", "--data-channel-stdout", "--playback-audio", "--stats-interval", "15",
                "--ice-server-index", "1", "--state-directory", "/var/lib/k",
            ]))
        var expected = DaemonConfiguration(channelName: "cam-1")
        expected.mode = .videoOnly
        expected.source = .devicesrc
        expected.videoCodec = .h265
        expected.audioCodec = .pcmu
        expected.width = 1280
        expected.height = 720
        expected.frameRate = 25
        expected.videoBitrate = 1_500_000
        expected.minVideoBitrate = 300_000
        expected.maxVideoBitrate = 4_000_000
        expected.maxViewers = 4
        expected.logLevel = .debug
        expected.logFile = "/tmp/k.log"
        expected.region = "eu-west-1"
        expected.relayOnly = true
        expected.logSDP = true
        expected.dataChannelReply = "pong"
        expected.dataChannelToStdout = true
        expected.playbackAudio = true
        expected.statsInterval = .seconds(15)
        expected.iceServerIndex = 1
        expected.stateDirectory = "/var/lib/k"
        #expect(config == expected)
    }

    @Test func sourceFlagsImplyTheirSource() throws {
        #expect(configuration(["cam", "--rtsp-uri", "rtsps://cam/live"])?.source == .rtspsrc(uri: "rtsps://cam/live"))
        #expect(
            configuration(["cam", "--pipeline", "videotestsrc ! x264enc ! appsink name=video"])?.source
                == .pipeline("videotestsrc ! x264enc ! appsink name=video"))
        #expect(configuration(["cam", "--sample-frames", "/s/h264"])?.source == .sampleFrames(video: "/s/h264", audio: nil))
        #expect(
            configuration(["cam", "--sample-frames", "/s/h264", "--sample-audio", "/s/opus"])?.source
                == .sampleFrames(video: "/s/h264", audio: "/s/opus"))
        #expect(configuration(["cam", "video-only", "--annexb", "-"])?.source == .annexB(path: "-"))
        #expect(configuration(["cam", "--source", "annexb", "--annexb=/tmp/fifo"])?.source == .annexB(path: "/tmp/fifo"))
        #expect(configuration(["cam", "--source", "rtspsrc", "--rtsp-uri", "rtsp://a/b"])?.source == .rtspsrc(uri: "rtsp://a/b"))
    }

    @Test func flagAndPositionalThatDisagree() {
        #expect(
            configurationError(["cam", "video-only", "--mode", "audio-video"])
                == "--mode: \"audio-video\" disagrees with argument 2 (mode) \"video-only\"")
        #expect(
            configurationError(["cam", "--channel-name", "other"])
                == "--channel-name: \"other\" disagrees with argument 1 (channel-name) \"cam\"")
        #expect(
            configurationError(["cam", "audio-video", "testsrc", "--source", "devicesrc"])
                == "--source: \"devicesrc\" disagrees with argument 3 (source) \"testsrc\"")
        #expect(
            configurationError(["cam", "audio-video", "testsrc", "opus", "h264", "--video-codec", "h265"])
                == "--video-codec: \"h265\" disagrees with argument 5 (video-codec) \"h264\"")
        #expect(
            configurationError(["cam", "audio-video", "testsrc", "pcma", "--audio-codec", "opus"])
                == "--audio-codec: \"opus\" disagrees with argument 4 (rtsp-uri|audio-codec) \"pcma\"")
        #expect(
            configurationError(["cam", "audio-video", "rtspsrc", "rtsp://a/1", "--rtsp-uri", "rtsp://a/2"])
                == "--rtsp-uri: \"rtsp://a/2\" disagrees with argument 4 (rtsp-uri|audio-codec) \"rtsp://a/1\"")
    }

    @Test func flagAndPositionalThatAgree() throws {
        let config = try #require(
            configuration(["cam", "video-only", "testsrc", "opus", "h264", "--mode", "Video-Only", "--video-codec", "avc"]))
        #expect(config.mode == .videoOnly)
        #expect(config.videoCodec == .h264)
        #expect(configuration(["cam", "--source", "rtspsrc", "audio-video", "rtspsrc", "rtsp://x/y"])?.source == .rtspsrc(uri: "rtsp://x/y"))
    }

    @Test func sourceConflicts() {
        #expect(
            configurationError(["cam", "--pipeline", "x ! appsink name=video", "--annexb", "-"])
                == "--annexb: choose one source: --pipeline and --annexb are both set")
        #expect(
            configurationError(["cam", "--source", "testsrc", "--pipeline", "x"])
                == "--pipeline: only used with source pipeline, but --source chose testsrc")
        #expect(
            configurationError(["cam", "audio-video", "devicesrc", "--rtsp-uri", "rtsp://a/b"])
                == "--rtsp-uri: only used with source rtspsrc, but argument 3 (source) chose devicesrc")
        #expect(
            configurationError(["cam", "--source", "rtspsrc"])
                == "--source: source rtspsrc needs an RTSP URI, the 4th argument (--rtsp-uri or rtsp-uri in the config file)")
        #expect(
            configurationError(["cam", "--source", "pipeline"])
                == "--source: source pipeline needs a pipeline description (--pipeline or pipeline in the config file)")
    }

    @Test func dataChannelReplyFlags() {
        #expect(configuration(["cam", "--no-data-channel-reply"])?.dataChannelReply == nil)
        #expect(configuration(["cam", "--data-channel-reply", "hi there"])?.dataChannelReply == "hi there")
        #expect(
            configurationError(["cam", "--data-channel-reply", "x", "--no-data-channel-reply"])
                == "--data-channel-reply: cannot be combined with --no-data-channel-reply")
    }

    @Test func logLevelsByNumberAndName() {
        let names: [(String, DaemonLogLevel)] = [
            ("1", .verbose), ("verbose", .verbose), ("2", .debug), ("3", .info), ("info", .info), ("4", .warning),
            ("warn", .warning), ("5", .error), ("6", .fatal), ("fatal", .fatal), ("7", .silent), ("silent", .silent),
            ("OFF", .silent),
        ]
        for (text, level) in names {
            #expect(configuration(["cam", "--log-level", text])?.logLevel == level, "\(text)")
        }
        #expect(
            configurationError(["cam", "--log-level", "8"])
                == "--log-level: expected 1 (verbose) to 7 (silent) or verbose, debug, info, warning, error, fatal, silent, got \"8\"")
    }

    @Test func numericRanges() {
        #expect(configurationError(["cam", "--max-viewers", "0"]) == "--max-viewers: expected a number from 1 to 100, got \"0\"")
        #expect(configurationError(["cam", "--max-viewers", "ten"]) == "--max-viewers: expected a number from 1 to 100, got \"ten\"")
        #expect(configurationError(["cam", "--fps", "500"]) == "--fps: expected a number from 1 to 120, got \"500\"")
        #expect(
            configurationError(["cam", "--stats-interval", "0"])
                == "--stats-interval: expected a number from 1 to 86400 seconds, got \"0\"")
        #expect(
            configurationError(["cam", "--bitrate", "5"]) == "--bitrate: expected a number from 16 to 100000 kbit/s, got \"5\"")
        #expect(configuration(["cam", "--max-viewers", "100"])?.maxViewers == 100)
    }

    @Test func bitrateBounds() {
        let raised = configuration(["cam", "--bitrate", "3000"])
        #expect(raised?.videoBitrate == 3_000_000)
        #expect(raised?.maxVideoBitrate == 3_000_000)
        let lowered = configuration(["cam", "--bitrate", "100"])
        #expect(lowered?.minVideoBitrate == 100_000)
        #expect(lowered?.maxVideoBitrate == 2_500_000)
        #expect(
            configurationError(["cam", "--bitrate", "3000", "--max-bitrate", "2000"])
                == "--bitrate: bitrates must satisfy min-bitrate ≤ bitrate ≤ max-bitrate, got 150 ≤ 3000 ≤ 2000 kbit/s")
    }

    @Test func booleanFlagsTurnOffToo() {
        #expect(configuration(["cam", "--no-relay-only"], environment: ["KVS_ICE_TRANSPORT_POLICY": "relay"])?.relayOnly == false)
        #expect(configuration(["cam", "--no-log-sdp"], environment: ["DEBUG_LOG_SDP": "TRUE"])?.logSDP == false)
        #expect(configuration(["cam", "--relay-only"])?.relayOnly == true)
    }

    @Test func missingChannelName() {
        #expect(
            configurationError(["--source", "devicesrc"])
                == "no channel name: give it as the first argument, with --channel-name, or as channel-name in the config file")
    }

    @Test func unknownFlagIsAUsageError() {
        #expect(configurationError(["cam", "--colour"]) == "unknown option --colour")
        #expect(configurationError(["cam", "--max-viewer", "4"]) == "unknown option --max-viewer (did you mean --max-viewers?)")
    }
}
