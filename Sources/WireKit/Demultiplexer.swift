/// What a datagram arriving on an ICE socket carries, from its first byte (RFC 7983 §7, with
/// the TURN ChannelData range of RFC 8656 §12 and the RTP/RTCP split of RFC 5761 §4).
public enum PacketKind: Sendable, Equatable {
    case stun
    case zrtp
    case dtls
    case turnChannelData
    case rtp
    case rtcp
    case unknown
}

/// RFC 7983 demultiplexing of STUN, ZRTP, DTLS, TURN channels and RTP/RTCP on one socket.
public enum Demultiplexer {
    /// Classifies a datagram. An empty datagram is ``PacketKind/unknown``.
    @inlinable
    public static func classify(_ packet: some RandomAccessCollection<UInt8>) -> PacketKind {
        guard let first = packet.first else { return .unknown }
        switch first {
        case 0...3: return .stun
        case 16...19: return .zrtp
        case 20...63: return .dtls
        case 64...79: return .turnChannelData
        case 128...191:
            // RFC 5761 §4: RTCP packet types 192–223 occupy what would be RTP payload types 64–95.
            guard packet.count >= 2 else { return .rtp }
            let second = packet[packet.index(after: packet.startIndex)]
            return (192...223).contains(second) ? .rtcp : .rtp
        default: return .unknown
        }
    }
}
