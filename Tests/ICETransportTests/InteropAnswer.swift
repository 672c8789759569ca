import SDP
import WireKit

/// What ICE needs from a remote description (RFC 8839 §5): the credentials and candidates of
/// the BUNDLE transport, i.e. of the first section of the first BUNDLE group (RFC 9143 §7.3.1),
/// or of the first section when nothing is bundled.
struct RemoteICE {
    var credentials: ICECredentials
    var candidates: [CandidateAttribute]
    var endOfCandidates: Bool

    init?(_ description: SessionDescription) {
        let tagged = description.bundleGroups.first?.mids.first.flatMap { description.media(withMID: $0) }
        guard let media = tagged ?? description.media.first,
            let credentials = description.iceCredentials(for: media)
        else { return nil }
        self.credentials = credentials
        candidates = media.candidates
        endOfCandidates = media.endOfCandidates
    }
}

/// An answer (RFC 8829 §5.3) good enough for ICE interop while DTLS does not exist yet: every
/// offered section accepted and bundled, our ice-ufrag/ice-pwd and (non-trickle) candidates in
/// each, `a=setup:active`, a placeholder certificate fingerprint, the first offered codec of
/// each RTP section with its parameters and feedback, the reverse direction.
enum InteropAnswer {
    /// A fixed SHA-256 "fingerprint": DTLS will fail on it, which is expected until DTLS lands.
    static let placeholderFingerprint = Fingerprint(hashFunction: "sha-256", bytes: (0..<32).map { UInt8($0 &* 7) })

    static func make(
        offer: SessionDescription, credentials: ICECredentials, candidates: [CandidateAttribute],
        sessionID: String = "4611731400430051336"
    ) -> SessionDescription {
        var answer = SessionDescription(origin: Origin(sessionID: sessionID, sessionVersion: "2"))
        let mids = offer.media.compactMap(\.mid)
        if !mids.isEmpty { answer.groups = [GroupAttribute(semantics: GroupAttribute.bundle, mids: mids)] }
        answer.msidSemantic = MSIDSemantic()
        let defaultAddress = candidates.first?.ipAddress ?? IPAddress("0.0.0.0")!
        let defaultPort = candidates.first?.port ?? 9
        for offered in offer.media {
            var media = section(answering: offered, in: offer)
            guard media.port != 0 else {
                answer.media.append(media)
                continue
            }
            media.port = defaultPort
            media.connection = Connection(ip: defaultAddress)
            media.iceUfrag = credentials.ufrag
            media.icePwd = credentials.pwd
            media.fingerprints = [placeholderFingerprint]
            media.setup = .active
            for candidate in candidates { media.addCandidate(candidate) }
            media.endOfCandidates = true
            answer.media.append(media)
        }
        return answer
    }

    /// The section's own part of the answer: formats, direction, mid, rtcp-mux or SCTP port.
    static func section(answering offered: MediaDescription, in offer: SessionDescription) -> MediaDescription {
        if offered.proto.uppercased().hasSuffix("SCTP") {
            var media = MediaDescription(type: offered.type, proto: offered.proto, formats: offered.formats)
            media.mid = offered.mid
            media.sctpPort = offered.sctpPort ?? 5000
            media.maxMessageSize = 262144
            return media
        }
        let codec = offered.rtpMaps.first { !$0.hasEncodingName("rtx") && !$0.hasEncodingName("red")
            && !$0.hasEncodingName("ulpfec") }
        guard offered.isRTP, let codec else {
            var rejected = MediaDescription(type: offered.type, port: 0, proto: offered.proto, formats: offered.formats)
            rejected.mid = offered.mid
            return rejected
        }
        var media = MediaDescription(type: offered.type, proto: offered.proto, formats: [])
        media.mid = offered.mid
        media.direction = offer.direction(for: offered).reversed
        media.rtcpMux = true
        media.addCodec(
            codec, parameters: offered.formatParameters(for: codec.payloadType),
            feedback: offered.rtcpFeedback(for: codec.payloadType))
        return media
    }
}
