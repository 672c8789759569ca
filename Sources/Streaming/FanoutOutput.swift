import Media

/// What ``MediaFanout`` asks its caller to do. RTP and RTCP are plaintext: the caller
/// protects them with the viewer's SRTP/SRTCP context (RFC 3711) and sends them.
public enum FanoutOutput<ViewerID: Hashable & Sendable>: Sendable {
    /// An RTP packet for one viewer (room for the SRTP tag is reserved in its capacity).
    case rtp(ViewerID, [UInt8])
    /// A compound RTCP packet for one viewer (RFC 3550 §6.1).
    case rtcp(ViewerID, [UInt8])
    /// Ask the encoder for a keyframe (rate-limited across viewers).
    case requestKeyframe
    /// Set the video encoder's target bitrate, bits per second.
    case setVideoBitrate(Int)
    /// A frame of the viewer's audio (an Opus packet or G.711 samples), to play or drop.
    case receivedAudio(ViewerID, MediaCodec, [UInt8])
}

/// Counters of one stream we send to one viewer, named after the W3C webrtc-stats
/// `outbound-rtp` members (and `remote-inbound-rtp` for what the viewer reports back).
public struct OutboundRTPStats: Hashable, Sendable {
    public var ssrc: UInt32
    public var codec: MediaCodec
    /// outbound-rtp packetsSent / bytesSent (payload bytes, RFC 3550 §6.4.1 octet count).
    public var packetsSent: UInt64 = 0
    public var bytesSent: UInt64 = 0
    /// outbound-rtp framesSent.
    public var framesSent: UInt64 = 0
    /// outbound-rtp nackCount.
    public var nackCount: UInt64 = 0
    /// outbound-rtp retransmittedPacketsSent / retransmittedBytesSent.
    public var retransmittedPacketsSent: UInt64 = 0
    public var retransmittedBytesSent: UInt64 = 0
    /// outbound-rtp pliCount / firCount.
    public var pliCount: UInt64 = 0
    public var firCount: UInt64 = 0
    /// remote-inbound-rtp, from the viewer's report blocks about this stream.
    public var remote: RemoteInboundRTPStats?

    public init(ssrc: UInt32, codec: MediaCodec) {
        self.ssrc = ssrc
        self.codec = codec
    }
}

/// W3C webrtc-stats `remote-inbound-rtp`: the viewer's view of a stream we send (RFC 3550
/// §6.4.1 report block).
public struct RemoteInboundRTPStats: Hashable, Sendable {
    /// fractionLost, 0…1.
    public var fractionLost: Double
    /// packetsLost (cumulative; duplicates can make it negative).
    public var packetsLost: Int64
    /// jitter, seconds.
    public var jitter: Double
    /// roundTripTime (RFC 3550 §6.4.1 A − LSR − DLSR), nil until the viewer echoes an SR.
    public var roundTripTime: Duration?
    /// reportsReceived.
    public var reportsReceived: UInt64

    public init(fractionLost: Double, packetsLost: Int64, jitter: Double, roundTripTime: Duration?, reportsReceived: UInt64) {
        self.fractionLost = fractionLost
        self.packetsLost = packetsLost
        self.jitter = jitter
        self.roundTripTime = roundTripTime
        self.reportsReceived = reportsReceived
    }
}

/// W3C webrtc-stats `inbound-rtp` for the viewer's audio.
public struct InboundRTPStats: Hashable, Sendable {
    public var codec: MediaCodec
    public var ssrc: UInt32?
    /// packetsReceived / bytesReceived (payload bytes).
    public var packetsReceived: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    /// packetsLost (RFC 3550 A.3).
    public var packetsLost: Int64 = 0
    /// jitter, seconds.
    public var jitter: Double = 0
    /// Frames handed to the caller as ``FanoutOutput/receivedAudio(_:_:_:)``.
    public var framesDecoded: UInt64 = 0

    public init(codec: MediaCodec) { self.codec = codec }
}

/// Everything ``MediaFanout`` counts for one viewer.
public struct ViewerMediaStats: Hashable, Sendable {
    public var video: OutboundRTPStats?
    public var audio: OutboundRTPStats?
    public var audioReceived: InboundRTPStats?
    /// RTCP compounds we sent (sender/receiver reports).
    public var reportsSent: UInt64 = 0
    /// RTCP datagrams that did not parse (what parsed before the damage was still used).
    public var malformedRTCP: UInt64 = 0
    /// RTP datagrams dropped: unparseable, unknown payload type, or not negotiated.
    public var droppedRTP: UInt64 = 0
    /// The viewer's current bitrate estimate, bits per second.
    public var bitrateEstimate: Int?

    public init() {}
}
