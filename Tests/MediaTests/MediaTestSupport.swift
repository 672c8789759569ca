import Foundation
import Media
import RTP
import Synchronization

/// Collects frames delivered on a source thread and lets a test wait for a condition on them
/// (a condition variable with a generous deadline, not a sleep).
final class FrameCollector: Sendable {
    private struct State {
        var frames: [MediaFrame] = []
        var end: MediaSourceEnd?
        var logs: [String] = []
    }

    private let state = Mutex(State())
    private let condition = NSCondition()
    /// Called on the source thread after each frame (e.g. to flip a source inactive).
    let onFrame: (@Sendable (MediaFrame, Int) -> Void)?

    init(onFrame: (@Sendable (MediaFrame, Int) -> Void)? = nil) { self.onFrame = onFrame }

    var deliver: @Sendable (MediaFrame) -> Void {
        { [self] frame in
            let count = state.withLock { s -> Int in
                s.frames.append(frame)
                return s.frames.count
            }
            onFrame?(frame, count)
            signal()
        }
    }

    var onEnd: @Sendable (MediaSourceEnd) -> Void {
        { [self] end in
            state.withLock { $0.end = end }
            signal()
        }
    }

    var log: @Sendable (String) -> Void {
        { [self] line in
            state.withLock { $0.logs.append(line) }
            signal()
        }
    }

    var frames: [MediaFrame] { state.withLock { $0.frames } }
    var end: MediaSourceEnd? { state.withLock { $0.end } }
    var logs: [String] { state.withLock { $0.logs } }

    private func signal() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private var view: CollectorView { state.withLock { CollectorView(frames: $0.frames, end: $0.end, logs: $0.logs) } }

    /// Waits until `predicate` holds (true) or `seconds` pass (false).
    @discardableResult
    func wait(seconds: Double = 20, until predicate: (CollectorView) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if predicate(view) { return true }
            if !condition.wait(until: deadline) { return predicate(view) }
        }
    }
}

struct CollectorView {
    var frames: [MediaFrame]
    var end: MediaSourceEnd? = nil
    var logs: [String] = []
    func count(_ kind: MediaKind) -> Int { frames.filter { $0.codec.kind == kind }.count }
}

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TestFiles {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-media-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes one file per frame with C SDK style names.
    static func writeFrames(_ frames: [[UInt8]], to dir: URL, prefix: String, ext: String) throws {
        for (i, frame) in frames.enumerated() {
            let name = "\(prefix)-" + String(format: "%04d", i + 1) + ".\(ext)"
            try Data(frame).write(to: dir.appendingPathComponent(name))
        }
    }

    /// Runs gst-launch-1.0 to make one-encoded-frame-per-file samples; returns the frames in order.
    static func encodeWithGStreamer(_ pipeline: String, frameCount: Int, ext: String) throws -> [[UInt8]] {
        let dir = try temporaryDirectory("gst")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tool = "/usr/bin/gst-launch-1.0"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw TestFailure("gst-launch-1.0 is missing: install the Debian package gstreamer1.0-tools")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        let description = pipeline + " ! multifilesink location=\(dir.path)/frame-%04d.\(ext)"
        process.arguments = ["-q"] + description.split(separator: " ").map(String.init)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("gst-launch-1.0 failed for: \(pipeline)") }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        // opusenc's lookahead flushes one more packet than it was given buffers.
        guard names.count == frameCount || (ext == "opus" && names.count == frameCount + 1) else { throw TestFailure("expected \(frameCount) frames, gst-launch-1.0 wrote \(names.count)") }
        return try names.prefix(frameCount).map { [UInt8](try Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    static func h264Frames(_ count: Int) throws -> [[UInt8]] {
        try encodeWithGStreamer(
            "videotestsrc num-buffers=\(count) pattern=ball ! video/x-raw,width=160,height=120,framerate=25/1 "
                + "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
                + "! video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline",
            frameCount: count, ext: "h264")
    }

    static func h265Frames(_ count: Int) throws -> [[UInt8]] {
        try encodeWithGStreamer(
            "videotestsrc num-buffers=\(count) pattern=ball ! video/x-raw,width=160,height=128,framerate=25/1 "
                + "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
                + "! video/x-h265,stream-format=byte-stream,alignment=au",
            frameCount: count, ext: "h265")
    }

    static func opusPackets(_ count: Int) throws -> [[UInt8]] {
        try encodeWithGStreamer(
            "audiotestsrc num-buffers=\(count) samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=20",
            frameCount: count, ext: "opus")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Synthetic Annex-B NAL units with chosen types and first-slice bits.
enum SyntheticNAL {
    static func h264(_ type: UInt8, firstSlice: Bool = true, size: Int = 12, fill: UInt8 = 0x5A) -> [UInt8] {
        var nal: [UInt8] = [0x60 | type, firstSlice ? 0x88 : 0x1C]
        nal += [UInt8](repeating: fill, count: max(size - 3, 0)) + [0x80]
        return nal
    }

    static func h265(_ type: UInt8, firstSlice: Bool = true, size: Int = 12) -> [UInt8] {
        var nal: [UInt8] = [type << 1, 0x01, firstSlice ? 0xA0 : 0x20]
        nal += [UInt8](repeating: 0x3C, count: max(size - 4, 0)) + [0x80]
        return nal
    }

    /// An access unit with a 4-byte start code on the first NAL and 3-byte ones after it.
    static func accessUnit(_ nals: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, nal) in nals.enumerated() {
            out += i == 0 ? [0, 0, 0, 1] : [0, 0, 1]
            out += nal
        }
        return out
    }
}
