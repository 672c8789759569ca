import WireKit

/// Holds outgoing signaling messages and releases them no faster than the service quotas
/// allow (KVS developer guide, "Signaling API service quotas": SendSDPAnswer and SendSDPOffer
/// 5 TPS, SendICECandidate 20 TPS, each per WebSocket connection).
///
/// A sliding window rather than a token bucket: at most `limit` messages of an action in any
/// one-second window, which is what a per-second quota means, whereas a full bucket plus its
/// refill can exceed the quota within the first second. Messages leave in the order they were
/// queued (a candidate must not overtake the answer it belongs to), and nothing is ever dropped.
public struct SignalingSendPacer: Sendable {
    /// Messages per window for each action.
    public struct Limits: Equatable, Sendable {
        public var sdpOffersPerWindow: Int
        public var sdpAnswersPerWindow: Int
        public var iceCandidatesPerWindow: Int
        public var window: Duration

        public init(
            sdpOffersPerWindow: Int = 5, sdpAnswersPerWindow: Int = 5, iceCandidatesPerWindow: Int = 20,
            window: Duration = .seconds(1)
        ) {
            self.sdpOffersPerWindow = max(1, sdpOffersPerWindow)
            self.sdpAnswersPerWindow = max(1, sdpAnswersPerWindow)
            self.iceCandidatesPerWindow = max(1, iceCandidatesPerWindow)
            self.window = window
        }

        func limit(for action: SignalingMessageAction) -> Int {
            switch action {
            case .sdpOffer: sdpOffersPerWindow
            case .sdpAnswer: sdpAnswersPerWindow
            case .iceCandidate: iceCandidatesPerWindow
            }
        }
    }

    public let limits: Limits
    private var queue: [SignalingOutgoingMessage] = []
    private var head = 0
    /// The most recent release times per action, oldest first, at most `limit` of them: only
    /// the oldest of the last `limit` sends decides when the next one may go.
    private var recent: [SignalingMessageAction: [Instant]] = [:]

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Messages waiting.
    public var count: Int { queue.count - head }
    public var isEmpty: Bool { count == 0 }

    public mutating func enqueue(_ message: SignalingOutgoingMessage) { queue.append(message) }

    /// The earliest time a message of `action` may leave.
    func allowedTime(for action: SignalingMessageAction) -> Instant {
        guard let times = recent[action], times.count >= limits.limit(for: action), let oldest = times.first else {
            return Instant(nanoseconds: .min)
        }
        return oldest + limits.window
    }

    /// When the head of the queue may leave (possibly already past), or nil when empty.
    public var nextReleaseTime: Instant? {
        guard head < queue.count else { return nil }
        return allowedTime(for: queue[head].action)
    }

    /// Removes and returns, in order, every message allowed to leave at `now`.
    public mutating func release(now: Instant) -> [SignalingOutgoingMessage] {
        var released: [SignalingOutgoingMessage] = []
        while head < queue.count {
            let message = queue[head]
            guard allowedTime(for: message.action) <= now else { break }
            var times = recent[message.action] ?? []
            times.append(now)
            if times.count > limits.limit(for: message.action) { times.removeFirst() }
            recent[message.action] = times
            released.append(message)
            head += 1
        }
        compact()
        return released
    }

    private mutating func compact() {
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
