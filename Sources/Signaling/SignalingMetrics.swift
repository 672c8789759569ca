import WireKit

/// The signaling client metrics of the KVS C SDK (KVS developer guide, "Client metrics for the
/// C SDK", "Signaling metrics"), with the same names and meanings.
public struct SignalingMetrics: Equatable, Sendable {
    /// Exponential moving average of DescribeSignalingChannel, CreateSignalingChannel and
    /// GetSignalingChannelEndpoint latencies.
    public var cpApiCallLatency: Duration = .zero
    /// Exponential moving average of GetIceServerConfig latencies.
    public var dpApiCallLatency: Duration = .zero
    /// How long the client has existed (since `start`).
    public var signalingClientUptime: Duration = .zero
    /// How long the current WebSocket connection has been up; zero when disconnected.
    public var connectionDuration: Duration = .zero
    /// Offers, answers and candidates handed to the WebSocket.
    public var numberOfMessagesSent: UInt64 = 0
    /// Every well-formed message received, of any type.
    public var numberOfMessagesReceived: UInt64 = 0
    /// GetIceServerConfig calls made.
    public var iceRefreshCount: UInt64 = 0
    /// Failed calls, failed WebSocket connects, rejected messages and status responses.
    public var numberOfErrors: UInt64 = 0
    /// The subset of `numberOfErrors` that happened after the first successful connection:
    /// reconnect failures, receive failures, ICE refresh failures.
    public var numberOfRuntimeErrors: UInt64 = 0
    /// Reconnects after a live connection ended (GO_AWAY, close, error, maximum duration).
    public var numberOfReconnects: UInt64 = 0

    public init() {}
}

/// An exponential moving average of latencies. The first sample seeds the average, so early
/// readings are not biased towards zero.
public struct SignalingLatencyAverage: Equatable, Sendable {
    /// Weight of each new sample (the C SDK's EMA uses 0.05).
    public var alpha: Double
    public private(set) var nanoseconds: Double?

    public init(alpha: Double = 0.05) { self.alpha = alpha }

    public mutating func add(_ sample: Duration) {
        let value = Double(sample.nanoseconds)
        if let current = nanoseconds {
            nanoseconds = alpha * value + (1 - alpha) * current
        } else {
            nanoseconds = value
        }
    }

    public var value: Duration {
        guard let nanoseconds, nanoseconds.isFinite else { return .zero }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }
}
