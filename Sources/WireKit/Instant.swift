/// A point on a monotonic clock, in nanoseconds from an arbitrary origin.
///
/// Protocol cores never read a clock: the event loop (or a test's virtual clock) passes `now`
/// in, and the cores compute deadlines from it.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    @inlinable public static func < (l: Self, r: Self) -> Bool { l.nanoseconds < r.nanoseconds }

    @inlinable public static func + (l: Self, r: Duration) -> Self {
        Instant(nanoseconds: l.nanoseconds &+ r.nanoseconds)
    }

    @inlinable public static func - (l: Self, r: Duration) -> Self {
        Instant(nanoseconds: l.nanoseconds &- r.nanoseconds)
    }

    @inlinable public static func - (l: Self, r: Self) -> Duration {
        .nanoseconds(l.nanoseconds &- r.nanoseconds)
    }

    @inlinable public static func += (l: inout Self, r: Duration) { l = l + r }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    @inlinable public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// The duration in milliseconds, truncated.
    @inlinable public var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
