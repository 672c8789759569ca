import WireKit

/// Exponential backoff with full jitter for signaling retries ("Error Retries and Exponential
/// Backoff in AWS", referenced by the KVS developer guide's ClientLimitExceededException).
///
/// Retry `n` (from 0) waits a uniformly random time in `[0, min(cap, base · 2ⁿ)]`. Full jitter
/// spreads a fleet of cameras that lost the service at the same moment instead of having them
/// reconnect in lockstep.
public struct SignalingBackoff: Equatable, Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(100), cap: Duration = .seconds(10)) {
        self.base = base
        self.cap = cap
    }

    /// The upper bound of the wait before retry `attempt`.
    public func ceiling(attempt: Int) -> Duration {
        let capNanos = max(0, cap.nanoseconds)
        let baseNanos = max(0, base.nanoseconds)
        var value = baseNanos
        var remaining = max(0, attempt)
        while remaining > 0, value < capNanos {
            let (doubled, overflow) = value.multipliedReportingOverflow(by: 2)
            value = overflow ? capNanos : doubled
            remaining -= 1
        }
        return .nanoseconds(min(value, capNanos))
    }

    /// A random wait before retry `attempt`, drawn from `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let bound = ceiling(attempt: attempt).nanoseconds
        return .nanoseconds(Int64.random(in: 0...bound, using: &generator))
    }
}
