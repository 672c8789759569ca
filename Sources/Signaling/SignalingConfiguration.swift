import WireKit

/// Tunables of the signaling state machine. Defaults follow the KVS developer guide's
/// "Signaling API service quotas" (1-hour maximum connection, 5/20 TPS send quotas) and the
/// C SDK's behaviour where the guide is silent.
public struct SignalingConfiguration: Equatable, Sendable {
    public var channelName: String
    /// `ClientId` sent with GetIceServerConfig.
    public var clientId: String
    /// Create a SINGLE_MASTER channel when DescribeSignalingChannel says it does not exist.
    public var createChannelIfMissing: Bool = true
    /// `SingleMasterConfiguration.MessageTtlSeconds` for a created channel.
    public var messageTtlSeconds: Int = 60
    /// How long a REST call may take before it counts as timed out.
    public var callTimeout: Duration = .seconds(15)
    /// How long a WebSocket upgrade may take.
    public var connectTimeout: Duration = .seconds(15)
    /// The service's limit on one connection ("Maximum connection duration: 1 hour").
    public var maximumConnectionDuration: Duration = .seconds(3600)
    /// Reconnect this long before `maximumConnectionDuration` runs out.
    public var reconnectMargin: Duration = .seconds(300)
    /// Refresh the ICE configuration this long before its shortest TTL ends.
    public var iceRefreshGrace: Duration = .seconds(30)
    /// Refresh credentials this long before they expire.
    public var credentialRefreshGrace: Duration = .seconds(300)
    /// A connection that lasted this long resets the backoff.
    public var stableConnectionDuration: Duration = .seconds(30)
    /// A server clock further off than this is adopted as the signing offset (SigV4 allows 5 minutes).
    public var clockSkewThreshold: Duration = .seconds(300)
    public var backoff = SignalingBackoff()
    public var pacing = SignalingSendPacer.Limits()
    /// How long a candidate waits for its viewer's offer.
    public var pendingCandidateLifetime: Duration = .seconds(20)

    public init(channelName: String, clientId: String = "kvsmaster") {
        self.channelName = channelName
        self.clientId = clientId
    }
}
