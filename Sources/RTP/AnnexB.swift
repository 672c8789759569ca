/// Splits an H.264/H.265 byte stream (ITU-T H.264 Annex B, H.265 Annex B) into NAL units.
///
/// NAL units are separated by the 3-byte start code `00 00 01` (a 4-byte `00 00 00 01` is a
/// zero byte plus that code). Zero bytes before a start code (the extra zero of a 4-byte code,
/// `leading_zero_8bits`, `trailing_zero_8bits`) are not part of a NAL unit, so each unit ends at
/// its last non-zero byte; a NAL unit never ends in `00` because its RBSP ends with the
/// stop bit. Bytes before the first start code form a NAL unit too, so a stream that does not
/// start with a start code (or a bare NAL unit) still comes through. Empty units are skipped.
/// Emulation-prevention bytes (`00 00 03`) are left in place.
///
/// The scan is linear and allocates nothing: it yields ranges into the caller's buffer.
public struct AnnexBNALUnits: IteratorProtocol, Sequence {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Where the next segment (the bytes after a start code, or the start) begins.
    @usableFromInline var segmentStart: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.segmentStart = 0
    }

    /// The range of the next NAL unit in the buffer, or nil at the end.
    @inlinable
    public mutating func next() -> Range<Int>? {
        while segmentStart < bytes.count {
            let start = segmentStart
            let (end, nextStart) = Self.findStartCode(bytes, from: start)
            segmentStart = nextStart
            var last = end
            while last > start && bytes[last - 1] == 0 { last -= 1 }
            if last > start { return start..<last }
        }
        return nil
    }

    /// Finds the first `00 00 01` at or after `from`. Returns the index where it begins and the
    /// index just past it, or `(count, count)` when there is none.
    @inlinable
    static func findStartCode(_ b: UnsafeRawBufferPointer, from: Int) -> (Int, Int) {
        let count = b.count
        // `i` is the candidate position of the `01`; a byte above 1 rules out codes ending at
        // i, i+1 and i+2, which keeps the scan linear and usually steps three bytes at a time.
        var i = from + 2
        while i < count {
            let byte = b[i]
            if byte > 1 {
                i += 3
            } else if byte == 0 {
                i += 1
            } else if b[i - 1] == 0 && b[i - 2] == 0 {
                return (i - 2, i + 1)
            } else {
                i += 3
            }
        }
        return (count, count)
    }
}

/// Helpers for H.264/H.265 Annex-B byte streams (ITU-T H.264 §B.1, H.265 §B.2) held in arrays.
public enum AnnexB {
    /// Calls `body` with the range of each NAL unit in `stream`, in order.
    @inlinable
    public static func forEachNALUnit(in stream: [UInt8], _ body: (Range<Int>) -> Void) {
        stream.withUnsafeBytes { raw in
            var units = AnnexBNALUnits(raw)
            while let range = units.next() { body(range) }
        }
    }

    /// The NAL units of `stream` as slices of it (allocates the result array; for tests and
    /// tooling rather than hot paths).
    public static func nalUnits(in stream: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        forEachNALUnit(in: stream) { result.append(stream[$0]) }
        return result
    }

    /// Joins NAL units into a stream with 4-byte start codes.
    public static func join(_ nalUnits: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(nalUnits.reduce(0) { $0 + $1.count + 4 })
        for nal in nalUnits where !nal.isEmpty {
            out.append(contentsOf: [0, 0, 0, 1])
            out.append(contentsOf: nal)
        }
        return out
    }
}
