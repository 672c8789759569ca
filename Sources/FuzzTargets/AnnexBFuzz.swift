import RTP
import WireKit

/// Fuzz entry point for the Annex-B splitter (H.264/H.265 Annex B byte streams).
///
/// Invariants: the NAL unit ranges are in order, inside the input, non-empty and disjoint; no
/// unit contains a start code or ends in a zero byte; every byte outside the units is a zero or
/// the `01` of a start code; and the ranges equal those of a straightforward reference scan.
public enum AnnexBFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        var ranges: [Range<Int>] = []
        AnnexB.forEachNALUnit(in: data) { ranges.append($0) }
        var covered = 0
        for range in ranges {
            guard range.lowerBound >= covered, range.upperBound <= data.count, !range.isEmpty else {
                return .invariantViolated("range \(range) out of order or empty")
            }
            guard data[range.upperBound - 1] != 0 else { return .invariantViolated("unit ends in a zero byte") }
            if containsStartCode(data[range]) { return .invariantViolated("start code inside unit \(range)") }
            if let problem = checkGap(data, covered..<range.lowerBound) { return .invariantViolated(problem) }
            covered = range.upperBound
        }
        if let problem = checkGap(data, covered..<data.count) { return .invariantViolated(problem) }
        guard ranges == reference(data) else { return .invariantViolated("differs from the reference split") }
        return ranges.isEmpty ? .rejected : .accepted
    }

    private static func containsStartCode(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        while i + 2 < bytes.endIndex {
            if bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1 { return true }
            i += 1
        }
        return false
    }

    /// Bytes between units may only be zeros and the `01` ending a start code.
    private static func checkGap(_ data: [UInt8], _ gap: Range<Int>) -> String? {
        for i in gap where data[i] != 0 {
            guard data[i] == 1, i - 2 >= gap.lowerBound, data[i - 1] == 0, data[i - 2] == 0 else {
                return "byte \(data[i]) at \(i) outside every unit"
            }
        }
        return nil
    }

    /// Start codes found left to right without overlap; segments trimmed of trailing zeros.
    private static func reference(_ data: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var segmentStart = 0
        var i = 0
        func close(_ end: Int) {
            var last = end
            while last > segmentStart && data[last - 1] == 0 { last -= 1 }
            if last > segmentStart { result.append(segmentStart..<last) }
        }
        while i + 2 < data.count {
            if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                close(i)
                segmentStart = i + 3
                i += 3
            } else {
                i += 1
            }
        }
        close(data.count)
        return result
    }

    /// Streams to start mutating from: 3- and 4-byte start codes, leading and trailing zeros,
    /// emulation prevention, no leading start code.
    public static func seedInputs() -> [[UInt8]] {
        [
            [0, 0, 0, 1, 0x67, 0x42, 0xE0, 0x1F, 0, 0, 0, 1, 0x68, 0xCE, 0x38, 0x80, 0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 3, 1, 0x21],
            [0, 0, 0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x41, 0x9A, 0, 0, 0, 0],
            [0x65, 0x11, 0x22, 0, 0, 1, 0x41, 0, 0, 3, 0, 0x7F],
            [0, 0, 1, 0x40, 0x01, 0x0C, 0, 0, 1, 0x42, 0x01, 0x01, 0, 0, 0, 1, 0x26, 0x01, 0xAF],
        ]
    }
}
