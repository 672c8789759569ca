import Media
import SDP

/// What one viewer's offer/answer exchange settled for its RTP sections (RFC 8829 §5.3.1,
/// RFC 3264 §6): per `mid`, the codec and payload types we use, the RTCP feedback both sides
/// agreed on (RFC 4585 §4.2, RFC 5104 §7.1) and which way media flows.
public struct NegotiatedMedia: Hashable, Sendable {
    /// RTCP feedback messages negotiated with `a=rtcp-fb` for the chosen payload type.
    public struct Feedback: Hashable, Sendable {
        /// Generic NACK (RFC 4585 §6.2.1): retransmissions are expected.
        public var nack: Bool
        /// Picture loss indication (RFC 4585 §6.3.1).
        public var pli: Bool
        /// Full intra request (RFC 5104 §4.3.1).
        public var fir: Bool
        /// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb).
        public var remb: Bool

        public init(nack: Bool = false, pli: Bool = false, fir: Bool = false, remb: Bool = false) {
            self.nack = nack
            self.pli = pli
            self.fir = fir
            self.remb = remb
        }

        /// The flags named by `a=rtcp-fb` lines (their payload type already matched).
        public init(_ lines: [RTCPFeedback]) {
            self.init()
            for line in lines {
                switch (line.type, line.parameter) {
                case ("nack", nil): nack = true
                case ("nack", "pli"): pli = true
                case ("ccm", "fir"): fir = true
                case ("goog-remb", nil): remb = true
                default: break
                }
            }
        }
    }

    /// One accepted RTP section.
    public struct Section: Hashable, Sendable {
        public var mid: String?
        public var kind: MediaKind
        public var codec: MediaCodec
        /// The payload type both sides use for `codec` (the offerer's number, RFC 3264 §6.1).
        public var payloadType: UInt8
        /// The RTX payload type whose `apt` is ``payloadType`` (RFC 4588 §8.6), when negotiated.
        public var rtxPayloadType: UInt8?
        public var clockRate: UInt32
        public var feedback: Feedback
        /// We send this codec to the viewer.
        public var sends: Bool
        /// The viewer sends this codec to us.
        public var receives: Bool
        /// The viewer's SSRC for this section, from its `a=ssrc` lines, when it listed one.
        public var remoteSSRC: UInt32?

        public init(
            mid: String?, kind: MediaKind, codec: MediaCodec, payloadType: UInt8, rtxPayloadType: UInt8? = nil,
            clockRate: UInt32, feedback: Feedback = Feedback(), sends: Bool, receives: Bool, remoteSSRC: UInt32? = nil
        ) {
            self.mid = mid
            self.kind = kind
            self.codec = codec
            self.payloadType = payloadType
            self.rtxPayloadType = rtxPayloadType
            self.clockRate = clockRate
            self.feedback = feedback
            self.sends = sends
            self.receives = receives
            self.remoteSSRC = remoteSSRC
        }
    }

    /// Accepted sections in m-line order.
    public var sections: [Section]

    public init(sections: [Section]) { self.sections = sections }

    /// Reads the outcome back from an offer and the answer we gave to it: every answered RTP
    /// section with a non-zero port and a codec we know.
    public init(offer: SessionDescription, answer: SessionDescription) {
        var sections: [Section] = []
        for (index, answered) in answer.media.enumerated() where answered.port != 0 && answered.isRTP {
            let offered = index < offer.media.count ? offer.media[index] : nil
            if let section = Self.section(answered: answered, offered: offered, session: answer) {
                sections.append(section)
            }
        }
        self.sections = sections
    }

    static func section(answered: MediaDescription, offered: MediaDescription?, session: SessionDescription)
        -> Section?
    {
        let maps = answered.rtpMaps
        for pt in answered.payloadTypes {
            guard let codec = MediaNegotiator.codec(for: pt, maps: maps) else { continue }
            let rtx = maps.first { map in
                map.hasEncodingName("rtx")
                    && answered.formatParameters(for: map.payloadType)
                        .flatMap { try? RTXParameters($0) }?.associatedPayloadType == pt
            }
            let direction = session.direction(for: answered)
            return Section(
                mid: answered.mid, kind: codec.kind, codec: codec, payloadType: pt,
                rtxPayloadType: rtx?.payloadType, clockRate: codec.clockRate,
                feedback: Feedback(answered.rtcpFeedback(for: pt)), sends: direction.sends,
                receives: direction.receives, remoteSSRC: offered.flatMap(MediaNegotiator.primarySSRC))
        }
        return nil
    }

    /// The first section that sends `kind`.
    public func sending(_ kind: MediaKind) -> Section? { sections.first { $0.kind == kind && $0.sends } }

    /// The first section that receives `kind`.
    public func receiving(_ kind: MediaKind) -> Section? { sections.first { $0.kind == kind && $0.receives } }
}
