#if KVS_GSTREAMER
import Foundation
import Media
import RTP
import Testing

@Suite struct GStreamerSourceTests {
    static func nalTypes(_ frame: MediaFrame) -> [UInt8] {
        AnnexB.nalUnits(in: frame.data).compactMap { nal in
            guard let b = nal.first else { return nil }
            return frame.codec == .h265 ? (b >> 1) & 0x3F : b & 0x1F
        }
    }

    static func video(_ view: CollectorView) -> [MediaFrame] { view.frames.filter { $0.codec.kind == .video } }

    /// Frames, keyframe on request, bitrate, pause and resume, for one encoder configuration.
    static func exercise(video: MediaCodec, audio: MediaCodec) throws {
        let source = try GStreamerSource(
            .testsrc, videoCodec: video, audioCodec: audio, width: 320, height: 240, frameRate: 25, videoBitrate: 400_000)
        #expect(source.codecs == [video, audio])
        #expect(source.supportsBitrateControl)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.count(.video) >= 12 && $0.count(.audio) >= 10 }, "frames from \(source.pipelineDescription)")

        let first = collector.wait { _ in true } ? Self.video(CollectorView(frames: collector.frames)).first : nil
        let firstVideo = try #require(first)
        #expect(firstVideo.isKeyframe)
        let types = Self.nalTypes(firstVideo)
        if video == .h264 {
            #expect(types.contains(7) && types.contains(8) && types.contains(5), "NAL types \(types)")
        } else {
            #expect(types.contains(32) && types.contains(33) && types.contains(34), "NAL types \(types)")
            #expect(types.contains { (16...23).contains($0) }, "NAL types \(types)")
        }
        let videoStamps = collector.frames.filter { $0.codec == video }.map(\.timestamp)
        #expect(zip(videoStamps, videoStamps.dropFirst()).allSatisfy { $0 < $1 })
        let audioFrames = collector.frames.filter { $0.codec == audio }
        let audioStamps = audioFrames.map(\.timestamp)
        #expect(zip(audioStamps, audioStamps.dropFirst()).allSatisfy { $0 < $1 })
        #expect(audioFrames.allSatisfy { $0.isKeyframe && !$0.data.isEmpty })
        if audio != .opus { #expect(audioFrames.allSatisfy { $0.data.count == 160 }) }
        print("first video at \(videoStamps[0]), first audio at \(audioStamps[0]), \(firstVideo.data.count) bytes keyframe")

        // A keyframe on request: key-int-max is 2 s (50 frames), so a keyframe within 10 frames is ours.
        let before = Self.video(CollectorView(frames: collector.frames)).count
        let naturalKeyframes = Self.video(CollectorView(frames: collector.frames)).dropFirst().filter(\.isKeyframe).count
        #expect(naturalKeyframes == 0)
        source.requestKeyframe()
        #expect(collector.wait { view in Self.video(view).dropFirst(before).prefix(10).contains(where: \.isKeyframe) })
        let after = Self.video(CollectorView(frames: collector.frames)).dropFirst(before)
        print("keyframe requested after \(before) frames, came \(after.firstIndex(where: \.isKeyframe).map { $0 - before } ?? -1) frames later")

        source.setVideoBitrate(800_000)
        #expect(source.currentVideoBitrate == 800_000)
        if audio == .opus {
            source.setAudioBitrate(32_000)
            #expect(source.currentAudioBitrate == 32_000)
        }

        source.setActive(false)
        #expect(!source.isPlaying)
        let pausedCount = collector.frames.count
        source.setActive(true)
        #expect(source.isPlaying)
        #expect(collector.wait { Self.video(CollectorView(frames: Array($0.frames.dropFirst(pausedCount)))).count >= 3 })
        let resumed = Self.video(CollectorView(frames: Array(collector.frames.dropFirst(pausedCount))))
        #expect(resumed.first?.isKeyframe == true)
        #expect(resumed.first.map { $0.timestamp > videoStamps.last! } == true)
        #expect(collector.end == nil)
    }

    @Test func testsrcH264AndOpus() throws { try Self.exercise(video: .h264, audio: .opus) }
    @Test func testsrcH265AndPCMU() throws { try Self.exercise(video: .h265, audio: .pcmu) }

    @Test func testsrcPCMA() throws {
        let source = try GStreamerSource(.testsrc, videoCodec: nil, audioCodec: .pcma)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.count(.audio) >= 5 })
        let frames = collector.frames
        #expect(frames.allSatisfy { $0.codec == .pcma && $0.data.count == 160 })
        #expect(frames[4].timestamp - frames[3].timestamp == .milliseconds(20))
    }

    @Test func customPipelineWithNamedAppSink() throws {
        let description =
            "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc name=venc tune=zerolatency "
            + "speed-preset=ultrafast ! h264parse ! appsink name=video"
        let source = try GStreamerSource(.custom(description: description), videoCodec: .h264, audioCodec: nil)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.count(.video) >= 5 })
        #expect(collector.frames.first?.isKeyframe == true)
        // h264parse turned into byte-stream because the appsink only accepts that.
        #expect(collector.frames.first.map { Array($0.data.prefix(3)) == [0, 0, 0] || Array($0.data.prefix(3)) == [0, 0, 1] } == true)
        #expect(source.supportsBitrateControl)
        source.setVideoBitrate(300_000)
        #expect(source.currentVideoBitrate == 300_000)
    }

    @Test func customPipelineEndOfStreamEndsOnce() throws {
        let description = "videotestsrc num-buffers=5 ! video/x-raw,width=160,height=120 ! x264enc ! appsink name=video"
        let source = try GStreamerSource(.custom(description: description), videoCodec: .h264, audioCodec: nil)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.end != nil })
        #expect(collector.end == .endOfStream)
        #expect(collector.frames.count == 5)
    }

    @Test func customPipelineErrors() throws {
        let noSink = try GStreamerSource(.custom(description: "videotestsrc ! fakesink"), videoCodec: .h264, audioCodec: nil)
        #expect(
            throws: MediaSourceError.invalidConfiguration("the GStreamer pipeline has no appsink named 'video' (needed for h264 video)")
        ) { try noSink.start(deliver: { _ in }, onEnd: { _ in }) }

        let noAudio = try GStreamerSource(
            .custom(description: "videotestsrc ! x264enc ! appsink name=video"), videoCodec: .h264, audioCodec: .opus)
        #expect(
            throws: MediaSourceError.invalidConfiguration("the GStreamer pipeline has no appsink named 'audio' (needed for opus audio)")
        ) { try noAudio.start(deliver: { _ in }, onEnd: { _ in }) }

        let invalid = try GStreamerSource(.custom(description: "videotestsrc ! ! appsink name=video"), videoCodec: .h264, audioCodec: nil)
        do {
            try invalid.start(deliver: { _ in }, onEnd: { _ in })
            Issue.record("an invalid description started")
        } catch {
            guard case .invalidConfiguration(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("invalid GStreamer pipeline description: "), "\(message)")
        }

        let missing = try GStreamerSource(.custom(description: "nosuchelement ! appsink name=video"), videoCodec: .h264, audioCodec: nil)
        #expect(throws: MediaSourceError.unavailable("GStreamer: no element \"nosuchelement\"")) {
            try missing.start(deliver: { _ in }, onEnd: { _ in })
        }
    }

    @Test func customPipelineWithTheWrongCodecFails() throws {
        // The appsink only accepts H.265, so an H.264 encoder cannot link: not-negotiated.
        let description = "videotestsrc is-live=true ! x264enc ! appsink name=video"
        let source = try GStreamerSource(.custom(description: description), videoCodec: .h265, audioCodec: nil)
        let collector = FrameCollector()
        do {
            try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
            #expect(collector.wait { $0.end != nil })
            guard case .failed(let message)? = collector.end else { Issue.record("\(String(describing: collector.end))"); return }
            print("wrong codec: \(message)")
        } catch {
            print("wrong codec refused at start: \(error)")
        }
        source.stop()
        #expect(collector.frames.isEmpty)
    }

    @Test func missingEncoderNamesTheDebianPackage() {
        #expect(
            GStreamerSource.missingElementMessage("x264enc")
                == "GStreamer element 'x264enc' is missing (Debian package gstreamer1.0-plugins-ugly)")
    }

    @Test func pipelineDescriptions() throws {
        let source = try GStreamerSource(.testsrc, videoCodec: .h264, audioCodec: .opus, width: 640, height: 480, frameRate: 15, videoBitrate: 700_000)
        #expect(source.pipelineDescription.contains("x264enc name=venc tune=zerolatency speed-preset=veryfast key-int-max=30 bitrate=700"))
        #expect(source.pipelineDescription.contains("profile=constrained-baseline"))
        #expect(source.pipelineDescription.contains("opusenc name=aenc bitrate=64000 frame-size=20"))
        let rtsp = try GStreamerSource(.rtsp(uri: "rtsp://127.0.0.1:8554/cam"), videoCodec: .h264, audioCodec: nil)
        #expect(!rtsp.supportsBitrateControl)
        #expect(rtsp.pipelineDescription.contains("rtph264depay ! h264parse config-interval=-1"))
        #expect(throws: MediaSourceError.self) { _ = try GStreamerSource(.rtsp(uri: "http://x\" ! y"), audioCodec: nil) }
        #expect(throws: MediaSourceError.self) { _ = try GStreamerSource(.testsrc, videoCodec: .opus) }
    }

    @Test func rtspCameraIsDepayloaded() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/Media/rtsp_server.py").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [script]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            throw TestFailure(
                "the RTSP test server did not start (\(text)); it needs the Debian packages python3-gi and gir1.2-gst-rtsp-server-1.0")
        }
        let source = try GStreamerSource(.rtsp(uri: "rtsp://127.0.0.1:\(port)/test"), videoCodec: .h264, audioCodec: .opus)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait(seconds: 30) { $0.count(.video) >= 10 && $0.count(.audio) >= 5 || $0.end != nil })
        #expect(collector.end == nil)
        let video = collector.frames.filter { $0.codec == .h264 }
        #expect(video.first?.isKeyframe == true)
        let types = video.first.map(Self.nalTypes) ?? []
        #expect(types.contains(7) && types.contains(8) && types.contains(5), "NAL types \(types)")
        source.requestKeyframe()
        source.setVideoBitrate(100_000)
        #expect(source.currentVideoBitrate == nil)
    }
}

@Suite struct AudioPlaybackTests {
    @Test func opusPacketsAreDecodedToTheSink() throws {
        let packets = try TestFiles.opusPackets(50)
        let dir = try TestFiles.temporaryDirectory("playback")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("decoded.raw").path
        let playback = try AudioPlayback(codec: .opus, sink: "audio/x-raw,format=S16LE,rate=48000,channels=2 ! filesink location=\(out)")
        for (i, packet) in packets.enumerated() { playback.push(packet, timestamp: .milliseconds(20 * i)) }
        #expect(playback.finish())
        playback.stop()
        let size = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print("decoded \(size) bytes of PCM from \(packets.count) Opus packets")
        #expect(size > 0)
        #expect(size % 4 == 0)
        #expect(playback.failure == nil)
    }

    @Test func pcmuIsDecodedToTheSink() throws {
        let dir = try TestFiles.temporaryDirectory("playback")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("decoded.raw").path
        let playback = try AudioPlayback(codec: .pcmu, sink: "audio/x-raw,format=S16LE,rate=8000,channels=1 ! filesink location=\(out)")
        for i in 0..<10 { playback.push([UInt8](repeating: 0xFF, count: 160), timestamp: .milliseconds(20 * i)) }
        #expect(playback.finish())
        playback.stop()
        let size = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        // Each G.711 byte is one 16-bit sample.
        #expect(size == 10 * 160 * 2)
    }

    @Test func videoCodecIsRefused() {
        #expect(throws: MediaSourceError.invalidConfiguration("audio playback: h264 is not an audio codec")) {
            _ = try AudioPlayback(codec: .h264)
        }
    }
}
#endif
