import WireKit

/// Identifies one REST call the state machine asked for; results carry it back so a late
/// answer to an abandoned call is recognised and ignored.
public struct SignalingCallID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "call#\(rawValue)" }
}

/// Identifies one WebSocket the state machine asked for; events from an older socket are ignored.
public struct SignalingSocketID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "socket#\(rawValue)" }
}

/// The steps that bring a master onto its channel, in order (KVS developer guide, "How it
/// works": DescribeSignalingChannel, CreateSignalingChannel when missing,
/// GetSignalingChannelEndpoint, GetIceServerConfig, ConnectAsMaster).
public enum SignalingStep: String, Equatable, Hashable, Sendable {
    case credentials
    case describe
    case create
    case endpoint
    case iceConfig
    case connect
}

/// Why the signaling connection went down. None of these ends a viewer session: signaling
/// carries no media, and viewers keep streaming while the master reconnects.
public enum SignalingDisconnectReason: Equatable, Sendable {
    /// The service sent GO_AWAY.
    case goAway
    /// The service or the network closed the socket.
    case closed(code: Int?)
    /// The socket reported an error.
    case failed(KVSAPIError)
    /// Reconnecting ahead of the service's one-hour connection limit.
    case maximumDurationReached
    /// `stop` was called.
    case stopped
}

/// What the daemon hears from the signaling client.
public enum SignalingEvent: Equatable, Sendable {
    case connected
    case disconnected(SignalingDisconnectReason)
    case offerReceived(SignalingSessionDescription, from: String?)
    case answerReceived(SignalingSessionDescription, from: String?)
    case candidateReceived(SignalingIceCandidate, from: String?)
    case iceServersUpdated(KVSIceServerConfig)
    /// The service rejected a message that carried a correlation id.
    case statusResponse(SignalingStatusResponse)
    /// A REST call or connect failed; the state machine is already recovering.
    case requestFailed(SignalingStep, KVSAPIError)
    /// A received frame could not be decoded and was dropped.
    case messageRejected(SignalingCodecError)
    /// Buffered early candidates were dropped (expired or over the buffer bounds).
    case candidatesDropped(count: Int)
    /// The offset added to the local wall clock when signing changed (clock skew detected).
    case clockOffsetChanged(Duration)
}

/// An instruction from the sans-IO signaling state machine to its driver.
public enum SignalingOutput: Equatable, Sendable {
    /// Perform `request` (signing with the local wall clock plus `clockOffset`) and report
    /// `callSucceeded`/`callFailed` with the same id.
    case call(SignalingCallID, KVSRequest, clockOffset: Duration)
    /// Open a signed ConnectAsMaster WebSocket to `endpoint` for `channelARN`.
    case openWebSocket(SignalingSocketID, endpoint: String, channelARN: String, clockOffset: Duration)
    /// Send one text frame.
    case sendText(SignalingSocketID, String)
    /// Close the socket; no further events from it are needed.
    case closeWebSocket(SignalingSocketID)
    case event(SignalingEvent)
}

/// What the driver reports to the state machine.
public enum SignalingInput: Equatable, Sendable {
    case callSucceeded(SignalingCallID, KVSResponse)
    case callFailed(SignalingCallID, KVSAPIError)
    case webSocketOpened(SignalingSocketID)
    /// The socket failed to open (with the upgrade's HTTP status when there was one) or broke.
    case webSocketFailed(SignalingSocketID, KVSAPIError)
    case webSocketClosed(SignalingSocketID, code: Int?)
    /// One received text frame.
    case webSocketMessage(SignalingSocketID, [UInt8])
    /// A server `Date` header minus the local wall clock, from any response.
    case serverClockObserved(offset: Duration)
    /// The driver fetched new credentials on its own, before the current ones expire; they
    /// replace the current ones for every later request.
    case credentialsRefreshed(expiresAt: Instant?)
}
