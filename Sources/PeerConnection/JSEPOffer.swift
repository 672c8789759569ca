import SDP
import Security
import WireKit

/// Builds an initial offer (RFC 8829 §5.2.1) the way a viewer would: an optional video section
/// (VP8 and H.264, sendrecv, rtcp-mux) and the data channel section (RFC 8841), bundled, with
/// `a=setup:actpass` (RFC 8842 §5.2) and our fingerprint. Used when a ``PeerConnection`` offers
/// (tests, and a master that initiates).
public enum JSEPOffer {
    public struct Local: Sendable {
        public var credentials: ICECredentials
        public var fingerprint: CertificateFingerprint
        public var candidates: [CandidateAttribute]
        public var endOfCandidates: Bool
        public var trickle: Bool
        public var video: Bool
        public var sctpPort: UInt16
        public var maxMessageSize: Int
        public var sessionID: UInt64

        public init(
            credentials: ICECredentials, fingerprint: CertificateFingerprint, candidates: [CandidateAttribute] = [],
            endOfCandidates: Bool = false, trickle: Bool, video: Bool, sctpPort: UInt16, maxMessageSize: Int,
            sessionID: UInt64
        ) {
            self.credentials = credentials
            self.fingerprint = fingerprint
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
            self.trickle = trickle
            self.video = video
            self.sctpPort = sctpPort
            self.maxMessageSize = maxMessageSize
            self.sessionID = sessionID
        }
    }

    public static func make(_ local: Local) -> SessionDescription {
        var offer = SessionDescription(origin: Origin(sessionID: String(local.sessionID & 0x3FFF_FFFF_FFFF_FFFF)))
        var sections: [MediaDescription] = []
        if local.video {
            var video = MediaDescription(type: .video, payloadTypes: [])
            video.mid = "0"
            video.direction = .sendrecv
            video.rtcpMux = true
            let feedback = ["nack", "nack pli", "ccm fir", "goog-remb"]
            for (map, parameters) in [
                (RTPMap(payloadType: 96, encodingName: "VP8", clockRate: 90_000), nil),
                (RTPMap(payloadType: 102, encodingName: "H264", clockRate: 90_000),
                 FormatParameters(payloadType: 102, ["level-asymmetry-allowed": "1", "packetization-mode": "1",
                                                     "profile-level-id": "42e01f"])),
            ] {
                video.addCodec(map, parameters: parameters, feedback: feedback.map { text in
                    let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
                    return RTCPFeedback(payloadType: map.payloadType, type: parts[0], parameter: parts.count > 1 ? parts[1] : nil)
                })
            }
            sections.append(video)
        }
        var application = MediaDescription(type: .application, proto: "UDP/DTLS/SCTP", formats: ["webrtc-datachannel"])
        application.mid = String(sections.count)
        sections.append(application)

        offer.groups = [GroupAttribute(semantics: GroupAttribute.bundle, mids: sections.compactMap(\.mid))]
        offer.msidSemantic = MSIDSemantic()
        for index in sections.indices {
            sections[index].applyLocalTransport(
                LocalTransport(
                    credentials: local.credentials, fingerprint: local.fingerprint, setup: .actpass,
                    trickle: local.trickle, sctpPort: local.sctpPort, maxMessageSize: local.maxMessageSize,
                    candidates: local.candidates, endOfCandidates: local.endOfCandidates),
                carriesCandidates: index == 0)
        }
        offer.media = sections
        return offer
    }
}
