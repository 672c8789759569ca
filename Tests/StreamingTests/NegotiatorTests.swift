import Foundation
import Media
import SDP
import Streaming
import Testing

/// Answers to the real offers in /work/shared/fixtures/sdp (Chromium 156, aiortc 1.16,
/// GStreamer 1.22 webrtcbin).
@Suite struct MediaNegotiatorTests {
    static let fixtures = "/work/shared/fixtures/sdp/"

    static func offer(_ name: String) throws -> SessionDescription {
        let text = try String(contentsOfFile: fixtures + name, encoding: .utf8)
        return try SessionDescription(parsing: text)
    }

    static func negotiator(_ codecs: [MediaCodec] = [.h264, .opus]) -> MediaNegotiator {
        MediaNegotiator(
            codecs: codecs, videoSSRC: 1111, videoRTXSSRC: 2222, audioSSRC: 3333, cname: "cam",
            streamID: "s", videoTrackID: "v", audioTrackID: "a")
    }

    /// Answers every section and reads the outcome back as the daemon does.
    static func answer(_ offer: SessionDescription, _ negotiator: MediaNegotiator) -> (
        [MediaDescription?], NegotiatedMedia
    ) {
        let sections = offer.media.map { negotiator.answer(offered: $0, offer: offer) }
        var answer = SessionDescription(origin: offer.origin)
        answer.media = zip(offer.media, sections).map { offered, answered in
            answered ?? MediaDescription(type: offered.type, port: 0, proto: offered.proto, formats: offered.formats)
        }
        return (sections, NegotiatedMedia(offer: offer, answer: answer))
    }

    static func lines(_ media: MediaDescription?) -> [String] {
        media?.attributes.map(\.description) ?? []
    }

    @Test func chromiumViewerOffer() throws {
        let offer = try Self.offer("chromium-156-viewer-offer.sdp")
        let (sections, negotiated) = Self.answer(offer, Self.negotiator())
        let video = try #require(sections[0])
        #expect(video.formats == ["108", "109"])
        #expect(
            Self.lines(video) == [
                "a=mid:0", "a=sendonly", "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:108 H264/90000", "a=rtcp-fb:108 nack",
                "a=rtcp-fb:108 nack pli", "a=rtcp-fb:108 ccm fir", "a=rtcp-fb:108 goog-remb",
                "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                "a=rtpmap:109 rtx/90000", "a=fmtp:109 apt=108", "a=msid:s v", "a=ssrc-group:FID 1111 2222",
                "a=ssrc:1111 cname:cam", "a=ssrc:1111 msid:s v", "a=ssrc:2222 cname:cam", "a=ssrc:2222 msid:s v",
            ])
        let audio = try #require(sections[1])
        #expect(audio.formats == ["111"])
        #expect(
            Self.lines(audio) == [
                "a=mid:1", "a=sendonly", "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1", "a=msid:s a", "a=ssrc:3333 cname:cam", "a=ssrc:3333 msid:s a",
            ])
        #expect(sections[2] == nil)  // the data channel is the transport's business
        #expect(
            negotiated.sections == [
                .init(
                    mid: "0", kind: .video, codec: .h264, payloadType: 108, rtxPayloadType: 109, clockRate: 90_000,
                    feedback: .init(nack: true, pli: true, fir: true, remb: true), sends: true, receives: false),
                .init(
                    mid: "1", kind: .audio, codec: .opus, payloadType: 111, clockRate: 48_000, sends: true,
                    receives: false),
            ])
    }

    @Test func chromiumSendrecvOfferWithViewerAudio() throws {
        // The fixture's audio is recvonly; a viewer that talks back offers sendrecv.
        var offer = try Self.offer("chromium-156-sendrecv-offer.sdp")
        offer.media[1].direction = .sendrecv
        offer.media[1].append(SSRCAttribute(ssrc: 777, attribute: "cname", value: "viewer"))
        let (sections, negotiated) = Self.answer(offer, Self.negotiator())
        #expect(sections[0]?.direction == .sendonly)
        #expect(sections[1]?.direction == .sendrecv)
        let audio = try #require(negotiated.receiving(.audio))
        #expect(audio.payloadType == 111 && audio.sends && audio.receives && audio.remoteSSRC == 777)
    }

    @Test func aiortcOffer() throws {
        let offer = try Self.offer("aiortc-1.16-offer.sdp")
        let (sections, negotiated) = Self.answer(offer, Self.negotiator())
        #expect(sections[0]?.formats == ["101", "102"])
        #expect(sections[0]?.rtcpFeedback.map(\.attributeValue) == ["101 nack", "101 nack pli", "101 goog-remb"])
        #expect(sections[1]?.formats == ["96"])
        #expect(sections[1]?.direction == .sendonly)
        let video = try #require(negotiated.sending(.video))
        #expect(video.payloadType == 101 && video.rtxPayloadType == 102 && video.remoteSSRC == 609_589_509)
        #expect(video.feedback == .init(nack: true, pli: true, fir: false, remb: true))
        #expect(negotiated.sending(.audio)?.payloadType == 96)
    }

    @Test func gstreamerOffer() throws {
        let offer = try Self.offer("gstreamer-1.22-webrtcbin-offer.sdp")
        let (sections, negotiated) = Self.answer(offer, Self.negotiator())
        let video = try #require(sections[0])
        #expect(video.formats == ["102"])
        #expect(video.rtcpFeedback.map(\.attributeValue) == ["102 nack pli", "102 ccm fir"])
        #expect(video.formatParameters(for: 102)?.parameterText == "packetization-mode=1;profile-level-id=42e01f")
        #expect(video.ssrcGroups.isEmpty)
        // Port 0 with a=bundle-only: part of the bundle, answered.
        #expect(sections[1]?.formats == ["111"])
        #expect(sections[1]?.direction == .sendonly)
        #expect(negotiated.sections.count == 2)
        #expect(negotiated.sending(.video)?.feedback == .init(nack: false, pli: true, fir: true, remb: false))
    }

    @Test func vp8SourcePicksVP8() throws {
        let offer = try Self.offer("chromium-156-viewer-offer.sdp")
        let (sections, _) = Self.answer(offer, Self.negotiator([.vp8, .pcmu]))
        #expect(sections[0]?.formats == ["96", "97"])
        #expect(sections[1]?.formats == ["0"])
        #expect(Self.lines(sections[1]).contains("a=rtpmap:0 PCMU/8000"))
    }

    @Test func h265SourceRejectedByBrowsersWithoutH265() throws {
        let offer = try Self.offer("chromium-156-viewer-offer.sdp")
        let (sections, _) = Self.answer(offer, Self.negotiator([.h265, .pcma]))
        #expect(sections[0] == nil)
        #expect(sections[1]?.formats == ["8"])
    }

    @Test func h265OfferAnswered() throws {
        let text = """
            v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 45 46\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n\
            a=rtpmap:45 H265/90000\r\na=rtcp-fb:45 nack pli\r\na=fmtp:45 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n\
            a=rtpmap:46 rtx/90000\r\na=fmtp:46 apt=45\r\n
            """
        let offer = try SessionDescription(parsing: text)
        let (sections, negotiated) = Self.answer(offer, Self.negotiator([.h265]))
        #expect(sections[0]?.formats == ["45", "46"])
        #expect(negotiated.sending(.video)?.codec == .h265)
        #expect(negotiated.sending(.video)?.rtxPayloadType == 46)
    }

    @Test func h264ProfilePreference() throws {
        func pick(_ fmtps: [(UInt8, String)]) throws -> [String]? {
            var text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
            text += "m=video 9 UDP/TLS/RTP/SAVPF \(fmtps.map { String($0.0) }.joined(separator: " "))\r\na=mid:0\r\n"
            for (pt, fmtp) in fmtps { text += "a=rtpmap:\(pt) H264/90000\r\na=fmtp:\(pt) \(fmtp)\r\n" }
            let offer = try SessionDescription(parsing: text)
            return Self.negotiator().answer(offered: offer.media[0], offer: offer)?.formats
        }
        #expect(try pick([(100, "packetization-mode=1;profile-level-id=42001f"), (101, "packetization-mode=1;profile-level-id=42e01f")]) == ["101"])
        #expect(try pick([(100, "packetization-mode=1;profile-level-id=4d001f"), (101, "packetization-mode=1;profile-level-id=42001f")]) == ["101"])
        #expect(try pick([(100, "packetization-mode=1;profile-level-id=640c1f"), (101, "packetization-mode=1;profile-level-id=42e00b")]) == ["101"])
        #expect(try pick([(100, "packetization-mode=1;profile-level-id=4d001f")]) == ["100"])
        #expect(try pick([(100, "packetization-mode=0;profile-level-id=42e01f")]) == nil)
        #expect(try pick([(100, "packetization-mode=1;profile-level-id=f4001f")]) == nil)
        #expect(try pick([(100, "profile-level-id=zz")]) == nil)
    }

    @Test func sendrecvVideoOfferIsAnsweredSendonly() throws {
        var offer = try Self.offer("aiortc-1.16-offer.sdp")
        offer.media[0].direction = .sendrecv
        offer.media[1].direction = .sendonly
        let (sections, negotiated) = Self.answer(offer, Self.negotiator())
        #expect(sections[0]?.direction == .sendonly)
        #expect(sections[1]?.direction == .recvonly)
        #expect(sections[1]?.ssrcAttributes.isEmpty == true)
        #expect(negotiated.receiving(.audio)?.payloadType == 96)
        #expect(negotiated.sending(.audio) == nil)
    }

    @Test func inactiveWhenTheViewerReceivesNothing() throws {
        var offer = try Self.offer("aiortc-1.16-offer.sdp")
        offer.media[0].direction = .sendonly
        let (sections, _) = Self.answer(offer, Self.negotiator())
        #expect(sections[0]?.direction == .inactive)
        #expect(sections[0]?.msids.isEmpty == true)
    }

    @Test func audioOnlyViewerWithoutSourceAudio() throws {
        var offer = try Self.offer("chromium-156-viewer-offer.sdp")
        let (recvonly, _) = Self.answer(offer, Self.negotiator([.h264]))
        #expect(recvonly[1] == nil)  // nothing to send, nothing to receive
        offer.media[1].direction = .sendrecv
        let (sendrecv, negotiated) = Self.answer(offer, Self.negotiator([.h264]))
        #expect(sendrecv[1]?.direction == .recvonly)
        #expect(negotiated.receiving(.audio)?.codec == .opus)
    }
}
