/// When to fetch temporary credentials from the AWS IoT credentials provider again (sans-IO;
/// AWS IoT Core Developer Guide, "Authorizing direct calls to AWS services": credentials last
/// for the role alias's `credentialDurationSeconds`, 15 minutes to 12 hours).
///
/// The caller asks `poll(now:)` whether to fetch, performs the fetch, and reports the outcome;
/// `pollTimeout()` is the next instant `poll` wants to be called. Credentials are refreshed
/// `margin` seconds before they expire (half their lifetime when that is shorter), and failed
/// fetches are retried with exponential backoff while the previous credentials stay in use
/// until they expire.
public struct IoTCredentialRefresher: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Nothing fetched yet: fetch at the first poll.
        case empty
        case fetching(previous: AWSCredentials?, attempt: Int)
        case valid(AWSCredentials, refreshAt: Int64)
        case backingOff(previous: AWSCredentials?, retryAt: Int64, attempt: Int)
    }

    public enum Action: Sendable, Equatable {
        case fetch
    }

    public private(set) var state: State = .empty
    public var margin: Int64
    public var initialRetryDelay: Int64
    public var maximumRetryDelay: Int64

    public init(margin: Int64 = 300, initialRetryDelay: Int64 = 1, maximumRetryDelay: Int64 = 60) {
        self.margin = margin
        self.initialRetryDelay = initialRetryDelay
        self.maximumRetryDelay = maximumRetryDelay
    }

    /// Refresh time for credentials fetched at `fetchedAt` that expire at `expiration`.
    public static func refreshTime(expiration: Int64, fetchedAt: Int64, margin: Int64) -> Int64 {
        let (lifetime, overflow) = expiration.subtractingReportingOverflow(fetchedAt)
        guard !overflow else { return expiration > fetchedAt ? expiration &- margin : fetchedAt }
        guard lifetime > 0 else { return fetchedAt }
        return expiration - min(margin, lifetime / 2)
    }

    /// `.fetch` when a fetch is due; the refresher then waits for `fetchSucceeded`/`fetchFailed`.
    public mutating func poll(now: Int64) -> Action? {
        switch state {
        case .empty:
            state = .fetching(previous: nil, attempt: 1)
            return .fetch
        case .valid(let credentials, let refreshAt) where now >= refreshAt:
            state = .fetching(previous: credentials, attempt: 1)
            return .fetch
        case .backingOff(let previous, let retryAt, let attempt) where now >= retryAt:
            state = .fetching(previous: previous, attempt: attempt + 1)
            return .fetch
        case .valid, .backingOff, .fetching:
            return nil
        }
    }

    /// The next instant `poll` has something to do: `Int64.min` (due now) before the first
    /// fetch, nil while a fetch is outstanding or when the credentials never expire.
    public func pollTimeout() -> Int64? {
        switch state {
        case .empty: Int64.min
        case .fetching: nil
        case .valid(let credentials, let refreshAt): credentials.expiration == nil ? nil : refreshAt
        case .backingOff(_, let retryAt, _): retryAt
        }
    }

    /// Credentials arrived. Ones already expired count as a failure, so a misbehaving endpoint
    /// cannot make the caller fetch in a tight loop.
    public mutating func fetchSucceeded(_ credentials: AWSCredentials, now: Int64) {
        guard !credentials.isExpired(now: now) else {
            fetchFailed(now: now)
            return
        }
        let refreshAt = credentials.expiration.map { Self.refreshTime(expiration: $0, fetchedAt: now, margin: margin) }
        state = .valid(credentials, refreshAt: refreshAt ?? .max)
    }

    public mutating func fetchFailed(now: Int64) {
        guard case .fetching(let previous, let attempt) = state else { return }
        let shift = Int64(min(max(attempt - 1, 0), 30))
        let delay = min(maximumRetryDelay, initialRetryDelay << shift)
        let (retryAt, overflow) = now.addingReportingOverflow(delay)
        state = .backingOff(previous: previous, retryAt: overflow ? .max : retryAt, attempt: attempt)
    }

    /// The newest credentials that have not expired at `now`.
    public func credentials(now: Int64) -> AWSCredentials? {
        let current: AWSCredentials? =
            switch state {
            case .empty: nil
            case .fetching(let previous, _), .backingOff(let previous, _, _): previous
            case .valid(let credentials, _): credentials
            }
        guard let current, !current.isExpired(now: now) else { return nil }
        return current
    }
}
