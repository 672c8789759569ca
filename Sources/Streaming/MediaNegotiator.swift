import Media
import SDP

/// Answers the RTP sections of a viewer's offer for what the media source produces
/// (RFC 8829 §5.3.1 media part, RFC 3264 §6): one codec per section, the offerer's payload
/// type numbers (RFC 3264 §6.1), the RTX payload type bound to it (RFC 4588 §8.6), the
/// feedback we act on (RFC 4585 §4.2, RFC 5104 §7.1), direction (RFC 3264 §6.1: our
/// sending mirrors the offer's receiving), and `a=ssrc`/`a=ssrc-group:FID`/`a=msid`
/// (RFC 5576 §4, RFC 8830 §2) for what we send.
///
/// ICE, DTLS, mid and rtcp-mux are the transport's part of the answer (``answer(offered:offer:)``
/// has the shape of PeerConnection's `MediaSectionAnswerer`).
public struct MediaNegotiator: Hashable, Sendable {
    /// The source's encodings: at most one video and one audio codec.
    public var codecs: [MediaCodec]
    /// Our SSRCs, shared by every viewer (the fan-out packetizes once).
    public var videoSSRC: UInt32
    public var videoRTXSSRC: UInt32
    public var audioSSRC: UInt32
    /// RTCP CNAME (RFC 3550 §6.5.1) and MediaStream/track ids (RFC 8830).
    public var cname: String
    public var streamID: String
    public var videoTrackID: String
    public var audioTrackID: String

    public init(
        codecs: [MediaCodec], videoSSRC: UInt32, videoRTXSSRC: UInt32, audioSSRC: UInt32, cname: String,
        streamID: String, videoTrackID: String, audioTrackID: String
    ) {
        self.codecs = codecs
        self.videoSSRC = videoSSRC
        self.videoRTXSSRC = videoRTXSSRC
        self.audioSSRC = audioSSRC
        self.cname = cname
        self.streamID = streamID
        self.videoTrackID = videoTrackID
        self.audioTrackID = audioTrackID
    }

    /// Feedback types we answer when offered (no transport-cc: we do not implement TWCC).
    static let supportedFeedback: [(type: String, parameter: String?)] = [
        ("nack", nil), ("nack", "pli"), ("ccm", "fir"), ("goog-remb", nil),
    ]

    /// The answer's media part for `offered`, or nil to reject it (no common codec).
    public func answer(offered: MediaDescription, offer: SessionDescription) -> MediaDescription? {
        negotiate(offered: offered, offer: offer)?.answer
    }

    /// The answer's media part together with what it settles.
    public func negotiate(offered: MediaDescription, offer: SessionDescription)
        -> (answer: MediaDescription, section: NegotiatedMedia.Section)?
    {
        guard offered.isRTP, offered.port != 0 || offered.bundleOnly else { return nil }
        let kind: MediaKind
        switch offered.type {
        case .video: kind = .video
        case .audio: kind = .audio
        default: return nil
        }
        let source = codecs.first { $0.kind == kind }
        let offerDirection = offer.direction(for: offered)
        // Without a source of this kind we can still take the viewer's audio.
        let candidates: [MediaCodec] = source.map { [$0] } ?? (kind == .audio ? [.opus, .pcmu, .pcma] : [])
        for codec in candidates {
            guard let map = Self.bestPayload(for: codec, in: offered) else { continue }
            let sends = source != nil && offerDirection.receives
            let receives = kind == .audio && offerDirection.sends
            if source == nil && !receives { return nil }
            return build(
                offered: offered, kind: kind, codec: codec, map: map, sends: sends, receives: receives)
        }
        return nil
    }

    private func build(
        offered: MediaDescription, kind: MediaKind, codec: MediaCodec, map: RTPMap, sends: Bool, receives: Bool
    ) -> (answer: MediaDescription, section: NegotiatedMedia.Section) {
        let pt = map.payloadType
        var media = MediaDescription(type: offered.type, proto: offered.proto, formats: [])
        media.mid = offered.mid
        media.direction = MediaDirection(sends: sends, receives: receives)
        media.rtcpMux = true
        if offered.rtcpReducedSize { media.rtcpReducedSize = true }
        let offeredFeedback = offered.rtcpFeedback(for: pt)
        let feedback = Self.supportedFeedback.compactMap { wanted in
            offeredFeedback.contains { $0.type == wanted.type && $0.parameter == wanted.parameter }
                ? RTCPFeedback(payloadType: pt, type: wanted.type, parameter: wanted.parameter) : nil
        }
        media.addCodec(map, parameters: offered.formatParameters(for: pt), feedback: feedback)
        let rtx = kind == .video ? Self.rtxPayload(for: pt, clockRate: map.clockRate, in: offered) : nil
        if let rtx {
            media.addCodec(rtx, parameters: RTXParameters(associatedPayloadType: pt).formatParameters(payloadType: rtx.payloadType))
        }
        if sends { addSources(to: &media, kind: kind, withRTX: rtx != nil) }
        let section = NegotiatedMedia.Section(
            mid: offered.mid, kind: kind, codec: codec, payloadType: pt, rtxPayloadType: rtx?.payloadType,
            clockRate: codec.clockRate, feedback: NegotiatedMedia.Feedback(feedback), sends: sends,
            receives: receives, remoteSSRC: Self.primarySSRC(offered))
        return (media, section)
    }

    private func addSources(to media: inout MediaDescription, kind: MediaKind, withRTX: Bool) {
        let track = kind == .video ? videoTrackID : audioTrackID
        let msid = MSID(streamID: streamID, trackID: track)
        media.append(msid)
        var ssrcs = [kind == .video ? videoSSRC : audioSSRC]
        if withRTX {
            ssrcs.append(videoRTXSSRC)
            media.append(SSRCGroup(semantics: "FID", ssrcs: ssrcs))
        }
        for ssrc in ssrcs {
            media.append(SSRCAttribute(ssrc: ssrc, attribute: "cname", value: cname))
            media.append(SSRCAttribute(ssrc: ssrc, attribute: "msid", value: msid.attributeValue))
        }
    }

    // MARK: Codec matching

    /// The offered payload type that carries `codec`, best first.
    static func bestPayload(for codec: MediaCodec, in offered: MediaDescription) -> RTPMap? {
        let maps = offered.rtpMaps
        switch codec {
        case .h264: return bestH264(maps: maps, in: offered)
        case .h265: return maps.first { $0.hasEncodingName("H265") && $0.clockRate == 90_000 }
        case .vp8: return maps.first { $0.hasEncodingName("VP8") && $0.clockRate == 90_000 }
        case .opus: return maps.first { $0.hasEncodingName("opus") && $0.clockRate == 48_000 }
        case .pcmu, .pcma:
            let name = codec == .pcmu ? "PCMU" : "PCMA"
            let staticPT: UInt8 = codec == .pcmu ? 0 : 8
            if let map = maps.first(where: { $0.hasEncodingName(name) && $0.clockRate == 8_000 }) { return map }
            // RFC 3551 §6: static payload types need no rtpmap.
            guard offered.payloadTypes.contains(staticPT), offered.rtpMap(for: staticPT) == nil else { return nil }
            return RTPMap(payloadType: staticPT, encodingName: name, clockRate: 8_000)
        }
    }

    /// H.264 with packetization-mode=1 (RFC 6184 §6.3) whose profile a constrained baseline
    /// stream suits: 42e01f exactly, then 42001f, then another (constrained) baseline, then any
    /// profile that contains constrained baseline (Main, High, RFC 6184 Table 5 notes).
    static func bestH264(maps: [RTPMap], in offered: MediaDescription) -> RTPMap? {
        var best: (rank: Int, map: RTPMap)?
        for map in maps where map.hasEncodingName("H264") && map.clockRate == 90_000 {
            guard let fmtp = offered.formatParameters(for: map.payloadType),
                let params = try? H264Parameters(fmtp), params.packetizationMode == 1
            else { continue }
            let id = params.effectiveProfileLevelID
            let rank: Int
            switch (id.description, id.profile) {
            case ("42e01f", _): rank = 0
            case ("42001f", _): rank = 1
            case (_, .constrainedBaseline), (_, .baseline): rank = 2
            case (_, .main), (_, .high), (_, .constrainedHigh), (_, .progressiveHigh): rank = 3
            default: continue
            }
            if best.map({ rank < $0.rank }) ?? true { best = (rank, map) }
        }
        return best?.map
    }

    /// The offered `rtx` payload type whose `apt` is `payloadType` (RFC 4588 §8.6).
    static func rtxPayload(for payloadType: UInt8, clockRate: UInt32, in offered: MediaDescription) -> RTPMap? {
        offered.rtpMaps.first { map in
            map.hasEncodingName("rtx") && map.clockRate == clockRate
                && offered.formatParameters(for: map.payloadType)
                    .flatMap { try? RTXParameters($0) }?.associatedPayloadType == payloadType
        }
    }

    /// The codec an answered payload type stands for.
    static func codec(for payloadType: UInt8, maps: [RTPMap]) -> MediaCodec? {
        guard let map = maps.first(where: { $0.payloadType == payloadType }) else {
            switch payloadType {
            case 0: return .pcmu
            case 8: return .pcma
            default: return nil
            }
        }
        let names: [(String, MediaCodec)] = [
            ("H264", .h264), ("H265", .h265), ("VP8", .vp8), ("opus", .opus), ("PCMU", .pcmu), ("PCMA", .pcma),
        ]
        return names.first { map.hasEncodingName($0.0) }?.1
    }

    /// The offerer's media SSRC: the first of an `FID` group, else the first `a=ssrc`.
    static func primarySSRC(_ offered: MediaDescription) -> UInt32? {
        if let group = offered.ssrcGroups.first(where: { $0.semantics == "FID" }), let first = group.ssrcs.first {
            return first
        }
        return offered.ssrcs.first
    }
}
