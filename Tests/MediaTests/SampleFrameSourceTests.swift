import Foundation
import Media
import Testing

@Suite struct SampleFrameSourceTests {
    typealias S = SyntheticNAL

    /// Ten frames, keyframes at 1 and 6 (frame-0001, frame-0006).
    static let videoFrames: [[UInt8]] = (0..<10).map(frame)

    static func frame(_ i: Int) -> [UInt8] {
        let fill = UInt8(i + 1)
        if i % 5 == 0 { return S.accessUnit([S.h264(7), S.h264(8), S.h264(5, fill: fill)]) }
        return S.accessUnit([S.h264(1, fill: fill)])
    }

    static func folder(_ frames: [[UInt8]], prefix: String = "frame", ext: String = "h264") throws -> URL {
        let dir = try TestFiles.temporaryDirectory("samples")
        try TestFiles.writeFrames(frames, to: dir, prefix: prefix, ext: ext)
        return dir
    }

    @Test func loadsFilesInNumericOrderAndFindsKeyframes() throws {
        let dir = try TestFiles.temporaryDirectory("order")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Lexical order would put 10 before 2.
        for (n, frame) in zip([1, 2, 10], [Self.videoFrames[0], Self.videoFrames[1], Self.videoFrames[2]]) {
            try Data(frame).write(to: dir.appendingPathComponent("frame-\(n).h264"))
        }
        try Data("notes".utf8).write(to: dir.appendingPathComponent("README"))
        let track = try SampleFrameSource.load(dir.path, codec: .h264)
        #expect(track.frames == Array(Self.videoFrames[0..<3]))
        #expect(track.keyframes == [0])
    }

    @Test func deliversVideoAndAudioLoopedWithFrameTimestamps() throws {
        let video = try Self.folder(Self.videoFrames)
        let audioPackets: [[UInt8]] = (0..<4).map { [0xFC, UInt8($0), 0xAA] }
        let audio = try Self.folder(audioPackets, prefix: "sample", ext: "opus")
        defer {
            try? FileManager.default.removeItem(at: video)
            try? FileManager.default.removeItem(at: audio)
        }
        let source = try SampleFrameSource(
            videoFolder: video.path, videoCodec: .h264, audioFolder: audio.path, audioCodec: .opus, frameRate: 100,
            audioPacketDuration: .milliseconds(10))
        #expect(source.codecs == [.h264, .opus])
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        let enough = collector.wait { $0.count(.video) >= 25 && $0.count(.audio) >= 10 }
        source.stop()
        #expect(enough)
        let afterStop = collector.frames.count
        let videoOut = collector.frames.filter { $0.codec == .h264 }
        let audioOut = collector.frames.filter { $0.codec == .opus }
        #expect(videoOut.prefix(25).map(\.data) == (0..<25).map { Self.videoFrames[$0 % 10] })
        #expect(videoOut.prefix(25).map(\.timestamp) == (0..<25).map { .milliseconds(10 * $0) })
        #expect(videoOut.prefix(25).map(\.isKeyframe) == (0..<25).map { $0 % 5 == 0 })
        #expect(audioOut.prefix(10).map(\.data) == (0..<10).map { audioPackets[$0 % 4] })
        #expect(audioOut.prefix(10).map(\.timestamp) == (0..<10).map { .milliseconds(10 * $0) })
        #expect(collector.end == nil)
        #expect(collector.frames.count == afterStop)
    }

    @Test func inactiveSkipsAndResumesFromTheLatestKeyframe() throws {
        let video = try Self.folder(Self.videoFrames)
        defer { try? FileManager.default.removeItem(at: video) }
        let source = try SampleFrameSource(videoFolder: video.path, frameRate: 200)
        // Goes inactive on the source thread right after the 3rd frame, so the cut is exact.
        let collector = FrameCollector { _, count in if count == 3 { source.setActive(false) } }
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.frames.count >= 3 })
        #expect(collector.frames.count == 3)
        source.setActive(true)
        #expect(collector.wait { $0.frames.count >= 6 })
        let resumed = collector.frames[3]
        #expect(resumed.isKeyframe)
        #expect(resumed.timestamp > collector.frames[2].timestamp)
        #expect(resumed.data == Self.videoFrames[0] || resumed.data == Self.videoFrames[5])
    }

    @Test func keyframeRequestReplaysTheLatestKeyframe() throws {
        let video = try Self.folder(Self.videoFrames)
        defer { try? FileManager.default.removeItem(at: video) }
        let source = try SampleFrameSource(videoFolder: video.path, frameRate: 200)
        let collector = FrameCollector { _, count in if count == 8 { source.requestKeyframe() } }
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        #expect(collector.wait { $0.frames.count >= 9 })
        source.stop()
        // Frames 1...8 are files 0...7; the request makes file 5 (the latest IDR) come next.
        #expect(collector.frames[8].data == Self.videoFrames[5])
        #expect(collector.frames[8].isKeyframe)
    }

    @Test func realEncodedSampleFolders() throws {
        let h264 = try TestFiles.h264Frames(12)
        let opus = try TestFiles.opusPackets(5)
        let video = try Self.folder(h264)
        let audio = try Self.folder(opus, prefix: "sample", ext: "opus")
        defer {
            try? FileManager.default.removeItem(at: video)
            try? FileManager.default.removeItem(at: audio)
        }
        let source = try SampleFrameSource(videoFolder: video.path, audioFolder: audio.path, frameRate: 100)
        #expect(source.video?.keyframes == [0, 10])
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        #expect(collector.wait { $0.count(.video) >= 12 && $0.count(.audio) >= 5 })
        source.stop()
        #expect(collector.frames.filter { $0.codec == .h264 }.prefix(12).map(\.data) == h264)
        #expect(collector.frames.filter { $0.codec == .opus }.prefix(5).map(\.data) == opus)
    }

    @Test func clearErrorsForMissingEmptyAndKeyframelessFolders() throws {
        #expect(throws: MediaSourceError.io("sample frames: folder /nonexistent/kvs-frames does not exist")) {
            _ = try SampleFrameSource(videoFolder: "/nonexistent/kvs-frames")
        }
        let empty = try TestFiles.temporaryDirectory("empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(
            throws: MediaSourceError.invalidConfiguration(
                "sample frames: folder \(empty.path) has no numbered frame files (like frame-0001.h264)")
        ) { _ = try SampleFrameSource(videoFolder: empty.path) }
        let deltas = try Self.folder([S.accessUnit([S.h264(1)])])
        defer { try? FileManager.default.removeItem(at: deltas) }
        #expect(
            throws: MediaSourceError.invalidConfiguration(
                "sample frames: no h264 keyframe (IDR/IRAP) in \(deltas.path); viewers could never decode it")
        ) { _ = try SampleFrameSource(videoFolder: deltas.path) }
        #expect(throws: MediaSourceError.self) { _ = try SampleFrameSource(videoFolder: nil, audioFolder: nil) }
        #expect(throws: MediaSourceError.self) { _ = try SampleFrameSource(videoFolder: deltas.path, frameRate: 0) }
    }
}
