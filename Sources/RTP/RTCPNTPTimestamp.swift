/// A 64-bit NTP timestamp as carried in RTCP sender reports (RFC 3550 §4 and §6.4.1;
/// format from RFC 5905 §6): 32 bits of seconds since 1900-01-01 and 32 bits of fraction.
///
/// Times are inputs: the caller passes the wall clock in, nothing here reads a clock.
public struct NTPTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds in the high 32 bits, fraction of a second in the low 32 bits.
    public var rawValue: UInt64

    /// Seconds from 1900-01-01 to 1970-01-01.
    public static let unixEpochOffsetSeconds: Int64 = 2_208_988_800

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(seconds: UInt32, fraction: UInt32) {
        rawValue = UInt64(seconds) << 32 | UInt64(fraction)
    }

    /// The NTP time of a wall-clock reading in nanoseconds since the Unix epoch. Seconds wrap
    /// modulo 2^32 as the NTP era rule (RFC 5905 §6) expects; the fraction is truncated.
    public init(unixNanoseconds: Int64) {
        let (seconds, remainder) = Self.floorDivide(unixNanoseconds, 1_000_000_000)
        let ntpSeconds = UInt32(truncatingIfNeeded: seconds &+ Self.unixEpochOffsetSeconds)
        // remainder < 10^9 < 2^30, so the shifted value stays below 2^62.
        let fraction = UInt32((UInt64(remainder) << 32) / 1_000_000_000)
        self.init(seconds: ntpSeconds, fraction: fraction)
    }

    public var seconds: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
    public var fraction: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    /// The middle 32 bits (16.16 fixed point seconds): the "compact" form used for LSR and DLSR.
    public var compact: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 16) }

    /// Nanoseconds since the Unix epoch, reading seconds with the most significant bit clear
    /// as era 1 (2036–2104), as RFC 4330 §3 suggests. Rounds to the nearest nanosecond, so it
    /// inverts ``init(unixNanoseconds:)`` exactly.
    public var unixNanoseconds: Int64 {
        var ntpSeconds = Int64(seconds)
        if seconds & 0x8000_0000 == 0 { ntpSeconds += 1 << 32 }
        let nanos = (UInt64(fraction) * 1_000_000_000 + (1 << 31)) >> 32
        return (ntpSeconds - Self.unixEpochOffsetSeconds) * 1_000_000_000 + Int64(nanos)
    }

    /// A duration in the 1/65536 s units of DLSR (RFC 3550 §6.4.1), rounded down and
    /// clamped to what 32 bits hold; negative durations give 0.
    public static func compactDuration(nanoseconds: Int64) -> UInt32 {
        guard nanoseconds > 0 else { return 0 }
        let seconds = UInt64(nanoseconds / 1_000_000_000)
        let remainder = UInt64(nanoseconds % 1_000_000_000)
        guard seconds < 1 << 16 else { return .max }
        return UInt32(seconds << 16 | (remainder << 16) / 1_000_000_000)
    }

    /// A compact (16.16) duration in nanoseconds.
    public static func nanoseconds(compact: UInt32) -> Int64 {
        Int64((UInt64(compact) * 1_000_000_000) >> 16)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "NTP(\(seconds).\(fraction))" }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}
