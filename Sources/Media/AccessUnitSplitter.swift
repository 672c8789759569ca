/// Splits an H.264/H.265 Annex-B byte stream, fed in arbitrary chunks, into access units
/// (ITU-T H.264 §7.4.1.2.3, H.265 §7.4.2.4.4). Sans-IO: bytes in, access units out.
///
/// A new access unit begins, once the current one holds a slice, at an AUD, parameter set or
/// prefix SEI, or at a slice whose `first_mb_in_slice` is 0 (H.264) or whose
/// `first_slice_segment_in_pic_flag` is 1 (H.265). An access unit is therefore complete when
/// the first bytes of the next one arrive (or at ``finish()``).
///
/// Each access unit keeps the stream's own bytes, from its first start code (with the
/// `zero_byte` of a 4-byte code) to its last non-zero byte, so concatenated encoder frames
/// come back byte for byte. Memory is bounded by `maxAccessUnitSize`: a longer access unit, or
/// that much input without a start code, is dropped and reported, and the splitter resyncs at
/// the next start code.
public struct AccessUnitSplitter: Sendable {
    /// One access unit in Annex-B form.
    public struct AccessUnit: Sendable, Equatable {
        public var bytes: [UInt8]
        /// Holds an IDR (H.264) or IRAP (H.265) picture.
        public var isKeyframe: Bool
    }

    /// Input the splitter discarded.
    public enum Drop: Error, Sendable, Equatable, CustomStringConvertible {
        /// Bytes without any start code (not an Annex-B stream, or garbage between streams).
        case noStartCode(bytes: Int)
        /// An access unit longer than the limit.
        case oversizedAccessUnit(bytes: Int)

        public var description: String {
            switch self {
            case .noStartCode(let n): "dropped \(n) bytes without an Annex-B start code (00 00 01)"
            case .oversizedAccessUnit(let n): "dropped an access unit of more than \(n) bytes (over the size limit)"
            }
        }
    }

    /// One result of feeding the splitter.
    public enum Output: Sendable, Equatable {
        case accessUnit(AccessUnit)
        case dropped(Drop)
    }

    private struct Current: Sendable {
        /// Index in `buffer` of the newest NAL unit's first byte (after its start code).
        var nalStart: Int
        var classified = false
        var hasSlice = false
        var isKeyframe = false
    }

    private enum State: Sendable {
        /// No start code seen since the last resync; `dropped` bytes were discarded so far,
        /// `garbage`: some of them were not zero padding.
        case searching(dropped: Int, garbage: Bool)
        /// `buffer` begins with the current access unit's first start code.
        case inAccessUnit(Current)
    }

    public let codec: MediaCodec
    public let maxAccessUnitSize: Int
    private var buffer: [UInt8] = []
    private var scanFrom = 0
    private var state: State = .searching(dropped: 0, garbage: false)

    /// `codec` is `.h264` or `.h265`.
    public init(codec: MediaCodec, maxAccessUnitSize: Int = 4 << 20) {
        self.codec = codec
        self.maxAccessUnitSize = max(maxAccessUnitSize, 64)
    }

    /// Bytes held for the access unit in progress.
    public var bufferedBytes: Int { buffer.count }

    /// Feeds the next chunk of the stream; returns the access units it completed.
    public mutating func push(_ chunk: some Collection<UInt8>) -> [Output] {
        buffer.append(contentsOf: chunk)
        var out: [Output] = []
        while step(&out) {}
        enforceLimit(&out)
        return out
    }

    /// The stream ended: returns the last access unit (and any dropped tail) and resets.
    public mutating func finish() -> [Output] {
        var out: [Output] = []
        switch state {
        case .searching(let dropped, let garbage):
            if garbage || buffer.contains(where: { $0 != 0 }) {
                out.append(.dropped(.noStartCode(bytes: dropped + buffer.count)))
            }
        case .inAccessUnit(var current):
            if !current.classified { _ = classify(&current, end: buffer.count, &out) }
            if current.hasSlice { out.append(.accessUnit(takeAccessUnit(upTo: buffer.count, current))) }
        }
        buffer.removeAll(keepingCapacity: false)
        scanFrom = 0
        state = .searching(dropped: 0, garbage: false)
        return out
    }

    /// One scanning step; false when more input is needed.
    private mutating func step(_ out: inout [Output]) -> Bool {
        switch state {
        case .searching(var dropped, var garbage):
            guard let s = Self.findStartCode(buffer, from: scanFrom) else {
                // Three bytes may be the `00 00 00` of a start code whose `01` is still to come.
                let cut = buffer.count - min(3, buffer.count)
                garbage = garbage || buffer[0..<cut].contains(where: { $0 != 0 })
                dropped += cut
                buffer.removeFirst(cut)
                scanFrom = 0
                if garbage && dropped > maxAccessUnitSize {
                    out.append(.dropped(.noStartCode(bytes: dropped)))
                    (dropped, garbage) = (0, false)
                }
                state = .searching(dropped: dropped, garbage: garbage)
                return false
            }
            let begin = s > 0 && buffer[s - 1] == 0 ? s - 1 : s
            if garbage || buffer[0..<begin].contains(where: { $0 != 0 }) {
                out.append(.dropped(.noStartCode(bytes: dropped + begin)))
            }
            buffer.removeFirst(begin)
            scanFrom = s + 3 - begin
            state = .inAccessUnit(Current(nalStart: scanFrom))
            return true
        case .inAccessUnit(var current):
            if !current.classified && buffer.count - current.nalStart >= NALUnitHeader.bytesNeeded(codec) {
                _ = classify(&current, end: buffer.count, &out)
            }
            guard var s = Self.findStartCode(buffer, from: scanFrom) else {
                scanFrom = max(scanFrom, buffer.count - 2)
                state = .inAccessUnit(current)
                return false
            }
            if !current.classified { s -= classify(&current, end: s, &out) }
            current.nalStart = s + 3
            current.classified = false
            scanFrom = current.nalStart
            state = .inAccessUnit(current)
            return true
        }
    }

    /// Classifies the newest NAL unit (its bytes end at `end` at the latest); when it begins a
    /// new access unit, emits the previous one and shifts the buffer. Returns the shift.
    private mutating func classify(_ current: inout Current, end: Int, _ out: inout [Output]) -> Int {
        current.classified = true
        let limit = min(end, current.nalStart + NALUnitHeader.bytesNeeded(codec))
        guard current.nalStart < limit,
            let header = NALUnitHeader(codec: codec, prefix: buffer[current.nalStart..<limit])
        else { return 0 }
        let beginsAccessUnit: Bool
        switch header.role {
        case .accessUnitStart, .slice(firstInPicture: true): beginsAccessUnit = current.hasSlice
        case .slice(firstInPicture: false), .trailing: beginsAccessUnit = false
        }
        var shift = 0
        if beginsAccessUnit {
            var begin = current.nalStart - 3
            if begin > 0 && buffer[begin - 1] == 0 { begin -= 1 }
            out.append(.accessUnit(takeAccessUnit(upTo: begin, current)))
            buffer.removeFirst(begin)
            current.nalStart -= begin
            scanFrom -= begin
            current.hasSlice = false
            current.isKeyframe = false
            shift = begin
        }
        current.hasSlice = current.hasSlice || header.isSlice
        current.isKeyframe = current.isKeyframe || header.isRandomAccess
        return shift
    }

    private func takeAccessUnit(upTo end: Int, _ current: Current) -> AccessUnit {
        var last = end
        while last > 0 && buffer[last - 1] == 0 { last -= 1 }
        return AccessUnit(bytes: Array(buffer[0..<last]), isKeyframe: current.isKeyframe)
    }

    private mutating func enforceLimit(_ out: inout [Output]) {
        guard buffer.count > maxAccessUnitSize, case .inAccessUnit = state else { return }
        let keep = 3
        out.append(.dropped(.oversizedAccessUnit(bytes: buffer.count - keep)))
        buffer.removeFirst(buffer.count - keep)
        scanFrom = 0
        state = .searching(dropped: 0, garbage: false)
    }

    /// Index of the first `00 00 01` at or after `from`.
    private static func findStartCode(_ b: [UInt8], from: Int) -> Int? {
        b.withUnsafeBufferPointer { p in
            var i = max(from, 0) + 2
            while i < p.count {
                let byte = p[i]
                if byte > 1 {
                    i += 3
                } else if byte == 0 {
                    i += 1
                } else if p[i - 1] == 0 && p[i - 2] == 0 {
                    return i - 2
                } else {
                    i += 3
                }
            }
            return nil
        }
    }
}
