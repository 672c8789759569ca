/// How reliably a data channel delivers messages (RFC 8831 §6.1, RFC 8832 §5.1 "Channel Type"
/// and "Reliability Parameter"): fully reliable, or partially reliable with PR-SCTP (RFC 3758)
/// limited by retransmissions or by lifetime.
public enum DataChannelReliability: Sendable, Hashable {
    /// Retransmitted until acknowledged.
    case reliable
    /// PR-SCTP "RTX" policy: a message is abandoned after this many retransmissions
    /// (0 means sent once).
    case maxRetransmits(UInt32)
    /// PR-SCTP "TTL" policy: a message is abandoned once it is this many milliseconds old.
    case maxPacketLifetime(milliseconds: UInt32)
}

/// What a data channel is (RFC 8832 §5.1 DATA_CHANNEL_OPEN fields; RFC 8831 §6.4 priority).
public struct DataChannelParameters: Sendable, Hashable {
    /// RFC 8831 §6.4 priority values, as DCEP carries them.
    public enum Priority {
        public static let belowNormal: UInt16 = 128
        public static let normal: UInt16 = 256
        public static let high: UInt16 = 512
        public static let extraHigh: UInt16 = 1024
    }

    public var label: String
    /// The sub-protocol name (RFC 8832 "Protocol" field); empty when none.
    public var protocolName: String
    public var ordered: Bool
    public var reliability: DataChannelReliability
    public var priority: UInt16

    public init(
        label: String, protocolName: String = "", ordered: Bool = true,
        reliability: DataChannelReliability = .reliable, priority: UInt16 = Priority.normal
    ) {
        self.label = label
        self.protocolName = protocolName
        self.ordered = ordered
        self.reliability = reliability
        self.priority = priority
    }
}

/// Which side opened a data channel (RFC 8832 §6: the opener sends DATA_CHANNEL_OPEN).
public enum DataChannelOrigin: Sendable, Hashable {
    case local
    case remote
}

/// A data channel as the association reports it: the SCTP stream it uses (the same stream
/// identifier in both directions, RFC 8831 §6.5) and its parameters.
public struct DataChannelInfo: Sendable, Hashable {
    public var streamID: UInt16
    public var parameters: DataChannelParameters
    public var origin: DataChannelOrigin

    public init(streamID: UInt16, parameters: DataChannelParameters, origin: DataChannelOrigin) {
        self.streamID = streamID
        self.parameters = parameters
        self.origin = origin
    }
}

/// SCTP payload protocol identifiers of WebRTC (RFC 8831 §8, RFC 8832 §8.1).
public enum PayloadProtocolIdentifier: UInt32, Sendable {
    case dcep = 50
    case string = 51
    /// Deprecated partial binary message; accepted on receive only.
    case binaryPartial = 52
    case binary = 53
    /// Deprecated partial string message; accepted on receive only.
    case stringPartial = 54
    /// An empty string, sent as a single zero byte (RFC 8831 §6.6).
    case stringEmpty = 56
    /// An empty binary message, sent as a single zero byte (RFC 8831 §6.6).
    case binaryEmpty = 57
}
