#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// H.264/H.265 video from an Annex-B byte stream (ITU-T H.264/H.265 Annex B), the way vendor
/// encoders on camera SoCs hand it over: a regular file (paced at the frame rate, optionally
/// looped), a FIFO (frames as they arrive; when the writer closes, the FIFO is reopened for
/// the next writer) or standard input (`"-"`; EOF ends the source). Needs no GStreamer.
///
/// An ``AccessUnitSplitter`` cuts the stream into access units; timestamps are frame count /
/// frame rate. Delivery starts at a keyframe and, after `setActive(false)`, resumes at the next
/// keyframe in the stream (the encoder is not ours, so keyframe requests are no-ops).
/// Garbage input and oversized access units are dropped and reported through `log`.
public final class AnnexBStreamSource: MediaSource {
    /// Where the byte stream comes from.
    public enum Input: Sendable, Equatable {
        case file(path: String, loop: Bool)
        case fifo(path: String)
        case standardInput
    }

    private struct Control: SourceThreadState {
        var active = true
        var awaitingKeyframe = true
        var stopping = false
        var thread: SourceThread?
    }

    public let input: Input
    public let codec: MediaCodec
    public let frameRate: Int
    public let maxAccessUnitSize: Int
    public let name: String
    private let log: @Sendable (String) -> Void
    private let control = Mutex(Control())
    private let gate = CallbackGate()
    private let wakeup: Wakeup

    public init(
        input: Input, codec: MediaCodec = .h264, frameRate: Int = 25, maxAccessUnitSize: Int = 4 << 20,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(MediaSourceError) {
        guard codec == .h264 || codec == .h265 else {
            throw .invalidConfiguration("Annex-B stream: codec must be h264 or h265, not \(codec)")
        }
        guard (1...240).contains(frameRate) else {
            throw .invalidConfiguration("Annex-B stream: frame rate \(frameRate) is outside 1...240")
        }
        self.input = input
        self.codec = codec
        self.frameRate = frameRate
        self.maxAccessUnitSize = maxAccessUnitSize
        self.log = log
        switch input {
        case .file(let path, let loop): name = "\(codec) Annex-B file \(path)\(loop ? " (looped)" : "")"
        case .fifo(let path): name = "\(codec) Annex-B FIFO \(path)"
        case .standardInput: name = "\(codec) Annex-B stream on standard input"
        }
        wakeup = try Wakeup()
    }

    /// `"-"` is standard input; a FIFO is read live; anything else is a file paced at the frame rate.
    public convenience init(
        path: String, codec: MediaCodec = .h264, frameRate: Int = 25, loop: Bool = false,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(MediaSourceError) {
        let input: Input
        if path == "-" {
            input = .standardInput
        } else if FileIO.kind(path) == .fifo {
            input = .fifo(path: path)
        } else {
            input = .file(path: path, loop: loop)
        }
        try self.init(input: input, codec: codec, frameRate: frameRate, log: log)
    }

    public var codecs: [MediaCodec] { [codec] }
    public var supportsBitrateControl: Bool { false }

    public func start(
        deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void
    ) throws(MediaSourceError) {
        guard !control.isStartedOrStopping else { throw .invalidConfiguration("\(name): already started") }
        let fd = try openInput()
        gate.open(deliver: deliver, onEnd: onEnd)
        do {
            let thread = try SourceThread { [self] in run(fd) }
            control.withLock { $0.thread = thread }
        } catch {
            if input != .standardInput { close(fd) }
            gate.close()
            throw error
        }
    }

    public func stop() { control.stopThread(gate: gate, wakeup: wakeup) }

    public func setActive(_ active: Bool) {
        control.withLock { state in
            if active && !state.active { state.awaitingKeyframe = true }
            state.active = active
        }
    }

    public func requestKeyframe() {}
    public func setVideoBitrate(_ bitsPerSecond: Int) {}

    private func openInput() throws(MediaSourceError) -> Int32 {
        switch input {
        case .standardInput:
            return STDIN_FILENO
        case .file(let path, _):
            guard let kind = FileIO.kind(path) else { throw .io("\(name): \(path) does not exist") }
            guard kind == .regular else { throw .invalidConfiguration("\(name): \(path) is not a regular file") }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .io("\(name): cannot open \(path): \(SystemError.text(errno))") }
            return fd
        case .fifo(let path):
            guard FileIO.kind(path) == .fifo else { throw .io("\(name): \(path) is not a FIFO") }
            return try openFIFO(path)
        }
    }

    /// Non-blocking, so the thread waits in `poll` (interruptible by `stop()`), not in `open`.
    private func openFIFO(_ path: String) throws(MediaSourceError) -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .io("\(name): cannot open FIFO \(path): \(SystemError.text(errno))") }
        return fd
    }

    // MARK: The loop

    private enum ReadResult { case data(Int), endOfInput, stopped, failed(String) }

    private func run(_ initialFD: Int32) {
        var fd = initialFD
        defer { if input != .standardInput && fd >= 0 { close(fd) } }
        var splitter = AccessUnitSplitter(codec: codec, maxAccessUnitSize: maxAccessUnitSize)
        var chunk = [UInt8](repeating: 0, count: 65536)
        var frameCount: Int64 = 0
        var unitsThisPass = 0
        var start = ContinuousClock.now
        let paced: Bool
        if case .file = input { paced = true } else { paced = false }
        while true {
            let result = readChunk(fd, into: &chunk, waitForData: !paced)
            var outputs: [AccessUnitSplitter.Output]
            switch result {
            case .stopped: return
            case .failed(let message):
                gate.end(.failed("\(name): \(message)"))
                return
            case .data(let n): outputs = splitter.push(chunk[0..<n])
            case .endOfInput: outputs = splitter.finish()
            }
            for output in outputs {
                switch output {
                case .dropped(let drop): log("\(name): \(drop)")
                case .accessUnit(let unit):
                    unitsThisPass += 1
                    if paced {
                        var due = start + .frames(frameCount, rate: frameRate)
                        // After a stall skip ahead instead of bursting.
                        if due.duration(to: ContinuousClock.now) > .seconds(1) {
                            start += due.duration(to: ContinuousClock.now)
                            due = start + .frames(frameCount, rate: frameRate)
                        }
                        while ContinuousClock.now < due {
                            if wakeup.wait(until: due) == .woken, control.withLock({ $0.stopping }) { return }
                        }
                    }
                    handOver(unit, timestamp: .frames(frameCount, rate: frameRate))
                    frameCount += 1
                }
            }
            guard case .endOfInput = result else { continue }
            switch input {
            case .file(_, let loop) where loop && unitsThisPass > 0:
                unitsThisPass = 0
                lseek(fd, 0, SEEK_SET)
            case .fifo(let path):
                close(fd)
                do { fd = try openFIFO(path) } catch {
                    fd = -1
                    gate.end(.failed(error.description))
                    return
                }
            case .file(_, let loop):
                gate.end(loop ? .failed("\(name): no access unit in the whole file") : .endOfStream)
                return
            case .standardInput:
                gate.end(.endOfStream)
                return
            }
        }
    }

    /// Reads the next chunk; for live inputs waits (interruptibly) for data.
    private func readChunk(_ fd: Int32, into chunk: inout [UInt8], waitForData: Bool) -> ReadResult {
        while true {
            if control.withLock({ $0.stopping }) { return .stopped }
            if waitForData {
                if wakeup.wait(fd: fd, until: nil) == .woken { continue }
            }
            let n = read(fd, &chunk, chunk.count)
            if n > 0 { return .data(n) }
            if n == 0 { return .endOfInput }
            switch errno {
            case EINTR, EAGAIN: continue
            default: return .failed("read failed: \(SystemError.text(errno))")
            }
        }
    }

    private func handOver(_ unit: AccessUnitSplitter.AccessUnit, timestamp: Duration) {
        let deliver = control.withLock { state -> Bool in
            guard state.active else { return false }
            if state.awaitingKeyframe {
                guard unit.isKeyframe else { return false }
                state.awaitingKeyframe = false
            }
            return true
        }
        if deliver {
            gate.deliver(MediaFrame(codec: codec, data: unit.bytes, timestamp: timestamp, isKeyframe: unit.isKeyframe))
        }
    }
}
