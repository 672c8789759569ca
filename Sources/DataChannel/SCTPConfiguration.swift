/// Settings of one SCTP association carrying WebRTC data channels (RFC 8831 §6.2, RFC 8841 for
/// the SDP values `a=sctp-port` and `a=max-message-size`).
public struct SCTPConfiguration: Sendable, Hashable {
    /// The DTLS role of this side, which decides the stream identifiers it allocates
    /// (RFC 8832 §6: the DTLS client uses even ones, the server odd ones).
    public enum DTLSRole: Sendable, Hashable {
        case client
        case server
    }

    public var role: DTLSRole
    /// Our `a=sctp-port` (RFC 8841 §5), 5000 when the SDP has none.
    public var localPort: UInt16
    /// The peer's `a=sctp-port`.
    public var remotePort: UInt16
    /// The peer's `a=max-message-size` (RFC 8841 §6): sends larger than this are refused.
    /// 65536 when the SDP has none; 0 means "no limit", which the send buffer bounds here.
    public var remoteMaxMessageSize: Int
    /// The `a=max-message-size` we advertise: larger inbound messages are dropped and counted.
    public var localMaxMessageSize: Int
    /// Outbound and inbound streams requested in INIT (the stream count bounds channel ids).
    public var streamCount: UInt16
    public var sendBufferSize: Int
    public var receiveBufferSize: Int
    /// Most bytes queued here (waiting for send-buffer space) before ``SCTPAssociation/send(_:on:isBinary:)``
    /// refuses more with ``SCTPError/bufferFull(buffered:limit:)``.
    public var maxBufferedAmount: Int
    /// Largest SCTP packet handed to DTLS. 1200 leaves room for DTLS, UDP, IPv6 and TURN
    /// headers under a 1280-byte path.
    public var pathMTU: UInt32

    public static let defaultPort: UInt16 = 5000
    public static let defaultMaxMessageSize = 65536

    public init(
        role: DTLSRole, localPort: UInt16 = defaultPort, remotePort: UInt16 = defaultPort,
        remoteMaxMessageSize: Int = defaultMaxMessageSize, localMaxMessageSize: Int = 262_144,
        streamCount: UInt16 = 1024, sendBufferSize: Int = 1 << 20, receiveBufferSize: Int = 1 << 20,
        maxBufferedAmount: Int = 16 << 20, pathMTU: UInt32 = 1200
    ) {
        self.role = role
        self.localPort = localPort
        self.remotePort = remotePort
        self.remoteMaxMessageSize = remoteMaxMessageSize
        self.localMaxMessageSize = localMaxMessageSize
        self.streamCount = streamCount
        self.sendBufferSize = sendBufferSize
        self.receiveBufferSize = receiveBufferSize
        self.maxBufferedAmount = maxBufferedAmount
        self.pathMTU = pathMTU
    }

    /// The largest message ``SCTPAssociation`` accepts for sending: the peer's limit, bounded by
    /// our send buffer (usrsctp cannot queue a message larger than the buffer).
    public var effectiveMaxMessageSize: Int {
        let remote = remoteMaxMessageSize <= 0 ? Int.max : remoteMaxMessageSize
        return min(remote, sendBufferSize)
    }
}

/// Failures at the usrsctp boundary and refused data-channel operations (RFC 8831 §6).
public enum SCTPError: Error, Sendable, Equatable {
    /// A usrsctp call failed; `operation` names it, `errno` is what it set.
    case systemCall(operation: String, errno: Int32)
    /// The message is larger than the negotiated max-message-size (RFC 8841 §6).
    case messageTooLarge(size: Int, limit: Int)
    /// Too many bytes are already waiting for the send buffer.
    case bufferFull(buffered: Int, limit: Int)
    /// No channel is open on this stream (never opened, closing or closed).
    case channelNotOpen(UInt16)
    /// Every stream identifier of our parity is in use.
    case noStreamAvailable
    /// The association is shut down or failed.
    case associationNotActive
    /// The label or protocol cannot be encoded in DATA_CHANNEL_OPEN.
    case invalidParameters(DCEPError)
}

/// The life of an association (RFC 9260 §4, as seen through the socket API).
public enum SCTPAssociationState: Sendable, Hashable {
    /// INIT sent (both sides connect: WebRTC's simultaneous open).
    case connecting
    case established
    /// Graceful SHUTDOWN under way.
    case shuttingDown
    case closed
    case failed(SCTPFailure)
}

/// Why an association ended abnormally (RFC 9260 §8.1 retransmission limits, §9.1 ABORT).
public enum SCTPFailure: Sendable, Hashable {
    /// The association could not be set up (INIT retransmissions exhausted).
    case cannotStart
    /// The peer aborted or stopped answering; `error` is the SCTP cause code usrsctp reported.
    case communicationLost(error: UInt16)
}

/// What an association reports to its owner (RFC 8831 §6, RFC 8832 §6).
public enum DataChannelEvent: Sendable, Hashable {
    case associationUp
    /// A channel the peer opened (after we acknowledged it) or one we opened (once the peer
    /// acknowledged it).
    case channelOpened(DataChannelInfo)
    case message(channel: UInt16, data: [UInt8], isBinary: Bool)
    /// The channel is closed: the peer reset its outgoing stream, or the association ended.
    case channelClosed(channel: UInt16)
    case associationClosed
    case associationFailed(SCTPFailure)
}

/// Counters of one association; malformed input is counted and dropped (RFC 9260 §8.4 for
/// SCTP packets, RFC 8832 §6 for DCEP).
public struct SCTPStatistics: Sendable, Hashable {
    public var packetsReceived = 0
    public var bytesReceived = 0
    public var packetsSent = 0
    public var bytesSent = 0
    /// Inbound packets dropped as malformed (too short, bad checksum, bad header).
    public var malformedPackets = 0
    public var messagesSent = 0
    public var messagesReceived = 0
    /// DCEP messages that did not parse or did not fit the channel's state.
    public var malformedDCEPMessages = 0
    /// Inbound user messages dropped: unknown PPID, no channel on the stream, or too large.
    public var droppedMessages = 0
    /// Messages or stream resets usrsctp refused after they were queued.
    public var sendErrors = 0

    public init() {}
}
