import Foundation
import Media
import Testing

@Suite struct AnnexBStreamSourceTests {
    static func writeStream(_ frames: [[UInt8]]) throws -> URL {
        let dir = try TestFiles.temporaryDirectory("annexb")
        let file = dir.appendingPathComponent("stream.h264")
        try Data(frames.flatMap { $0 }).write(to: file)
        return file
    }

    @Test func fileIsSplitPacedAndEnds() throws {
        let frames = try TestFiles.h264Frames(20)
        let file = try Self.writeStream(frames)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let source = try AnnexBStreamSource(path: file.path, codec: .h264, frameRate: 100)
        #expect(source.input == .file(path: file.path, loop: false))
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.end != nil })
        #expect(collector.end == .endOfStream)
        #expect(collector.frames.map(\.data) == frames)
        #expect(collector.frames.map(\.timestamp) == (0..<20).map { .milliseconds(10 * $0) })
        #expect(collector.frames.map(\.isKeyframe) == (0..<20).map { $0 % 10 == 0 })
    }

    @Test func loopedFileRepeats() throws {
        let frames = try TestFiles.h265Frames(6)
        let file = try Self.writeStream(frames)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let source = try AnnexBStreamSource(path: file.path, codec: .h265, frameRate: 200, loop: true)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        #expect(collector.wait { $0.frames.count >= 15 })
        source.stop()
        #expect(collector.frames.prefix(15).map(\.data) == (0..<15).map { frames[$0 % 6] })
        #expect(collector.frames[14].timestamp == .milliseconds(70))
        #expect(collector.end == nil)
    }

    @Test func fifoFramesArriveAndANewWriterIsPickedUp() throws {
        let frames = try TestFiles.h264Frames(20)
        let dir = try TestFiles.temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("video.fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        let source = try AnnexBStreamSource(path: path, codec: .h264, frameRate: 25)
        #expect(source.input == .fifo(path: path))
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        // Two writers one after the other, each writing the stream in uneven chunks.
        for writer in 0..<2 {
            let thread = Thread {
                guard let handle = FileHandle(forWritingAtPath: path) else { return }
                let bytes = frames.flatMap { $0 }
                var offset = 0
                var size = 7 + writer * 1000
                while offset < bytes.count {
                    let end = min(offset + size, bytes.count)
                    handle.write(Data(bytes[offset..<end]))
                    offset = end
                    size = size * 3 % 5000 + 1
                }
                try? handle.close()
            }
            thread.start()
            #expect(collector.wait { $0.frames.count >= 20 * (writer + 1) })
        }
        #expect(collector.frames.map(\.data) == frames + frames)
        #expect(collector.frames.map(\.timestamp) == (0..<40).map { .milliseconds(40 * $0) })
        #expect(collector.end == nil)
    }

    @Test func inactiveDropsAndResumesAtTheNextKeyframe() throws {
        let frames = try TestFiles.h264Frames(30)
        let file = try Self.writeStream(frames)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let source = try AnnexBStreamSource(path: file.path, codec: .h264, frameRate: 200)
        let collector = FrameCollector { _, count in
            if count == 3 {
                source.setActive(false)
                source.setActive(true)
            }
        }
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.end != nil })
        // Frames 0, 1, 2; then nothing until the keyframe at 10; then everything.
        #expect(collector.frames.map(\.data) == Array(frames[0..<3]) + Array(frames[10...]))
        #expect(collector.frames[3].timestamp == .milliseconds(50))
    }

    @Test func garbageIsReportedAndNeverDelivered() throws {
        var rng = SeededRandom(seed: 3)
        let garbage = (0..<200_000).map { _ in UInt8.random(in: 2...255, using: &rng) }
        let file = try Self.writeStream([garbage])
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let collector = FrameCollector()
        let source = try AnnexBStreamSource(path: file.path, codec: .h264, frameRate: 100, log: collector.log)
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        #expect(collector.wait { $0.end != nil })
        #expect(collector.frames.isEmpty)
        #expect(collector.end == .endOfStream)
        #expect(collector.logs == ["h264 Annex-B file \(file.path): dropped 200000 bytes without an Annex-B start code (00 00 01)"])
    }

    @Test func standardInputEndsAtEOF() throws {
        let frames = try TestFiles.h264Frames(5)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let savedStdin = dup(STDIN_FILENO)
        #expect(dup2(fds[0], STDIN_FILENO) == STDIN_FILENO)
        close(fds[0])
        defer {
            dup2(savedStdin, STDIN_FILENO)
            close(savedStdin)
        }
        let source = try AnnexBStreamSource(path: "-", codec: .h264)
        #expect(source.input == .standardInput)
        let collector = FrameCollector()
        try source.start(deliver: collector.deliver, onEnd: collector.onEnd)
        defer { source.stop() }
        let bytes = frames.flatMap { $0 }
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        #expect(collector.wait { $0.end != nil })
        #expect(collector.end == .endOfStream)
        #expect(collector.frames.map(\.data) == frames)
    }

    @Test func clearErrors() throws {
        #expect(throws: MediaSourceError.io("h264 Annex-B file /nonexistent/x.h264: /nonexistent/x.h264 does not exist")) {
            let source = try AnnexBStreamSource(path: "/nonexistent/x.h264")
            try source.start(deliver: { _ in }, onEnd: { _ in })
        }
        #expect(throws: MediaSourceError.invalidConfiguration("Annex-B stream: codec must be h264 or h265, not opus")) {
            _ = try AnnexBStreamSource(path: "/tmp/x", codec: .opus)
        }
    }
}
