import SDP
import Security
import WireKit

/// Builds the answer to a remote offer (RFC 8829 §5.3.1) for the transport a ``PeerConnection``
/// runs: every usable section accepted and put in one BUNDLE group (RFC 9143 §7.3), rtcp-mux
/// (RFC 8035), our ICE credentials (RFC 8839 §5.4), the SHA-256 fingerprint of our certificate
/// (RFC 8122 §5) and our `a=setup` (RFC 8842 §5.3), the application section with `a=sctp-port`
/// and `a=max-message-size` (RFC 8841), and RTP sections answered with the first codec we can
/// handle, receiving only (or inactive when the offer does not send).
///
/// Media negotiation proper (sending our tracks, codec preferences, header extensions) belongs to
/// the daemon; this answer is minimal but valid.
public enum JSEPAnswer {
    /// Encodings a camera master can receive or send, most preferred first (RFC 6184, RFC 7741,
    /// RFC 7798, RFC 7587, RFC 3551).
    public static let supportedEncodings = ["H264", "VP8", "H265", "opus", "PCMU", "PCMA"]

    /// What goes into our side of the answer.
    public struct Local: Sendable {
        public var credentials: ICECredentials
        public var fingerprint: CertificateFingerprint
        public var setup: DTLSSetup
        /// Candidates to embed (non-trickle), with `a=end-of-candidates` when `endOfCandidates`.
        public var candidates: [CandidateAttribute]
        public var endOfCandidates: Bool
        /// `a=ice-options:trickle` in the answer (RFC 8840 §4.1.2: only when the offer has it).
        public var trickle: Bool
        public var sctpPort: UInt16
        public var maxMessageSize: Int
        /// The `o=` session id (RFC 8829 §5.2.1: a random 62-bit number).
        public var sessionID: UInt64
        /// Answers each offered RTP section (the daemon's media negotiation); nil answers
        /// receive-only with the first supported codec. See ``MediaSectionAnswerer``.
        public var mediaAnswerer: MediaSectionAnswerer?

        public init(
            credentials: ICECredentials, fingerprint: CertificateFingerprint, setup: DTLSSetup,
            candidates: [CandidateAttribute] = [], endOfCandidates: Bool = false, trickle: Bool,
            sctpPort: UInt16, maxMessageSize: Int, sessionID: UInt64, mediaAnswerer: MediaSectionAnswerer? = nil
        ) {
            self.credentials = credentials
            self.fingerprint = fingerprint
            self.setup = setup
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
            self.trickle = trickle
            self.sctpPort = sctpPort
            self.maxMessageSize = maxMessageSize
            self.sessionID = sessionID
            self.mediaAnswerer = mediaAnswerer
        }
    }

    /// Sections outside the offer's first BUNDLE group are rejected (we run one transport,
    /// RFC 9143 §7.3.3); without BUNDLE only the first usable section is accepted.
    public static func make(offer: SessionDescription, local: Local) -> SessionDescription {
        var answer = SessionDescription(origin: Origin(sessionID: String(local.sessionID & 0x3FFF_FFFF_FFFF_FFFF)))
        let bundle = offer.bundleGroups.first
        var sections: [MediaDescription] = []
        for offered in offer.media {
            let inTransport: Bool
            if let bundle {
                inTransport = offered.mid.map { bundle.mids.contains($0) } ?? false
            } else {
                inTransport = !sections.contains { $0.port != 0 }
            }
            sections.append(inTransport ? section(answering: offered, in: offer, answerer: local.mediaAnswerer) : rejected(offered))
        }
        let accepted = sections.indices.filter { sections[$0].port != 0 }
        let mids = accepted.compactMap { sections[$0].mid }
        if bundle != nil, !mids.isEmpty { answer.groups = [GroupAttribute(semantics: GroupAttribute.bundle, mids: mids)] }
        answer.msidSemantic = MSIDSemantic()
        for (position, index) in accepted.enumerated() {
            sections[index].applyLocalTransport(
                LocalTransport(
                    credentials: local.credentials, fingerprint: local.fingerprint, setup: local.setup,
                    trickle: local.trickle, sctpPort: local.sctpPort, maxMessageSize: local.maxMessageSize,
                    candidates: local.candidates, endOfCandidates: local.endOfCandidates),
                carriesCandidates: position == 0)
        }
        answer.media = sections
        return answer
    }

    /// The section's own part of the answer: formats, direction, mid, rtcp-mux or SCTP port.
    /// Rejected sections get port 0 and keep their mid (RFC 8829 §5.3.1).
    static func section(
        answering offered: MediaDescription, in offer: SessionDescription, answerer: MediaSectionAnswerer? = nil
    ) -> MediaDescription {
        if offered.port == 0 && !offered.bundleOnly { return rejected(offered) }
        // Without a section from the daemon (no source of that kind, no common codec) the
        // default below applies: receive-only or inactive rather than rejected, as browsers
        // answer, since some stacks (aiortc) refuse answers with rejected bundled sections.
        if offered.type != .application, offered.isRTP, let answerer, var media = answerer.answer(offered, offer) {
            // The transport part is ours: same mid, rtcp-mux on the bundled transport.
            media.port = 9
            media.mid = offered.mid
            media.rtcpMux = true
            return media
        }
        if offered.type == .application {
            guard RemoteTransportParameters.isSCTP(offered) else { return rejected(offered) }
            var media = MediaDescription(type: .application, proto: offered.proto, formats: offered.formats)
            media.mid = offered.mid
            return media
        }
        guard offered.isRTP, let codec = firstSupportedCodec(offered) else { return rejected(offered) }
        var media = MediaDescription(type: offered.type, proto: offered.proto, formats: [])
        media.mid = offered.mid
        media.direction = offer.direction(for: offered).sends ? .recvonly : .inactive
        media.rtcpMux = true
        if offered.rtcpReducedSize { media.rtcpReducedSize = true }
        media.addCodec(
            codec, parameters: offered.formatParameters(for: codec.payloadType),
            feedback: offered.rtcpFeedback(for: codec.payloadType))
        return media
    }

    /// The offered payload type of the most preferred encoding we support.
    static func firstSupportedCodec(_ offered: MediaDescription) -> RTPMap? {
        let maps = offered.rtpMaps
        for name in supportedEncodings {
            if let map = maps.first(where: { $0.hasEncodingName(name) }) { return map }
        }
        return nil
    }

    static func rejected(_ offered: MediaDescription) -> MediaDescription {
        var media = MediaDescription(type: offered.type, port: 0, proto: offered.proto, formats: offered.formats)
        media.mid = offered.mid
        return media
    }
}

/// The daemon's answer to one offered RTP section (RFC 8829 §5.3.1 media part): formats,
/// `a=rtpmap`/`a=fmtp`/`a=rtcp-fb`, direction, `a=ssrc`/`a=msid` for what we send. Returns nil
/// to reject the section. Transport attributes (ICE, fingerprint, setup, candidates, mid,
/// rtcp-mux) are added by ``JSEPAnswer``.
public struct MediaSectionAnswerer: Sendable {
    public var answer: @Sendable (_ offered: MediaDescription, _ offer: SessionDescription) -> MediaDescription?

    public init(_ answer: @escaping @Sendable (_ offered: MediaDescription, _ offer: SessionDescription) -> MediaDescription?) {
        self.answer = answer
    }
}

/// Our transport attributes for a section of a description we send (RFC 8829 §5.2.1/§5.3.1):
/// ICE credentials and options (RFC 8839), the fingerprint (RFC 8122) and setup (RFC 8842), the
/// SCTP parameters of the application section (RFC 8841), and the candidates on the first
/// section of the bundle.
struct LocalTransport {
    var credentials: ICECredentials
    var fingerprint: CertificateFingerprint
    var setup: DTLSSetup
    var trickle: Bool
    var sctpPort: UInt16
    var maxMessageSize: Int
    var candidates: [CandidateAttribute]
    var endOfCandidates: Bool
}

extension MediaDescription {
    mutating func applyLocalTransport(_ local: LocalTransport, carriesCandidates: Bool) {
        let defaultCandidate = local.candidates.first
        // RFC 8829 §5.3.1: port 9 and c=0.0.0.0 until candidates are known.
        port = defaultCandidate?.port ?? 9
        connection = Connection(ip: defaultCandidate?.ipAddress ?? IPAddress("0.0.0.0")!)
        iceUfrag = local.credentials.ufrag
        icePwd = local.credentials.pwd
        if local.trickle { iceOptions = ["trickle"] }
        fingerprints = [Fingerprint(hashFunction: local.fingerprint.algorithm.rawValue, bytes: local.fingerprint.digest)]
        setup = local.setup
        if type == .application {
            sctpPort = local.sctpPort
            maxMessageSize = UInt64(max(0, local.maxMessageSize))
        }
        if carriesCandidates {
            for candidate in local.candidates { addCandidate(candidate) }
            endOfCandidates = local.endOfCandidates
        }
    }
}
