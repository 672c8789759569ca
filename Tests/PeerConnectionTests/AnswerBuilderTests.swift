import PeerConnection
import SDP
import Security
import Testing
import WireKit

/// Offers the answer builder is exercised with: a browser-like one (audio, video with RTX,
/// data channel, trickle), one in aiortc's shape (per-section candidates, three fingerprints,
/// no trickle), and one without BUNDLE.
enum SampleOffers {
    static let browser = """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1 2
        a=extmap-allow-mixed
        a=msid-semantic: WMS
        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:Hb3e
        a=ice-pwd:eB0dIDPXm0L0Ao3d2L6W/Xe0
        a=ice-options:trickle
        a=fingerprint:sha-256 3F:AA:91:7B:0E:1C:62:5A:70:DE:95:23:35:98:19:AE:3E:E2:1A:15:9C:D0:0B:84:6B:12:2D:CA:06:AF:24:1A
        a=setup:actpass
        a=mid:0
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=recvonly
        a=rtcp-mux
        a=rtpmap:111 opus/48000/2
        a=rtcp-fb:111 transport-cc
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:63 red/48000/2
        a=fmtp:63 111/111
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:13 CN/8000
        a=rtpmap:110 telephone-event/48000
        a=rtpmap:126 telephone-event/8000
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 45
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:Hb3e
        a=ice-pwd:eB0dIDPXm0L0Ao3d2L6W/Xe0
        a=ice-options:trickle
        a=fingerprint:sha-256 3F:AA:91:7B:0E:1C:62:5A:70:DE:95:23:35:98:19:AE:3E:E2:1A:15:9C:D0:0B:84:6B:12:2D:CA:06:AF:24:1A
        a=setup:actpass
        a=mid:1
        a=sendrecv
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtpmap:97 rtx/90000
        a=fmtp:97 apt=96
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 goog-remb
        a=rtcp-fb:102 nack pli
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:103 rtx/90000
        a=fmtp:103 apt=102
        a=rtpmap:45 AV1/90000
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 0.0.0.0
        a=ice-ufrag:Hb3e
        a=ice-pwd:eB0dIDPXm0L0Ao3d2L6W/Xe0
        a=ice-options:trickle
        a=fingerprint:sha-256 3F:AA:91:7B:0E:1C:62:5A:70:DE:95:23:35:98:19:AE:3E:E2:1A:15:9C:D0:0B:84:6B:12:2D:CA:06:AF:24:1A
        a=setup:actpass
        a=mid:2
        a=sctp-port:5000
        a=max-message-size:262144

        """

    static let unbundled = """
        v=0
        o=- 1 1 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=ice-ufrag:abcd
        a=ice-pwd:0123456789abcdefghijkl
        a=fingerprint:sha-384 86:BD:94:4C:69:70:59:FD:2D:DA:23:F5:E3:D9:C5:F2:A7:FC:3A:59:EA:F0:CE:06:EA:CD:DA:CA:5E:6B:79:06:F8:E8:50:CA:E2:49:87:03:F7:77:93:70:39:70:00:F1
        a=setup:active
        m=application 50000 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 127.0.0.1
        a=sctp-port:5001
        a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host
        m=video 0 UDP/TLS/RTP/SAVPF 96
        a=rtpmap:96 VP8/90000

        """

    static var all: [String] { [browser, unbundled, aiortcShape] }

    /// aiortc's offer layout (recvonly video with RTX, data channel, three fingerprints).
    static let aiortcShape = """
        v=0
        o=- 4004238991 4004238991 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=group:BUNDLE 0 1
        a=msid-semantic:WMS *
        m=video 40296 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102
        c=IN IP4 127.0.0.1
        a=recvonly
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=mid:0
        a=msid:6f01ee25-457f-4ba1-b8b5-9623c0cdc737 b15e38f5-14ae-47f6-8d6f-92813b927ff4
        a=rtcp:9 IN IP4 0.0.0.0
        a=rtcp-mux
        a=ssrc-group:FID 137298543 3668225202
        a=ssrc:137298543 cname:0a5c14b0-48b9-46e4-af0b-e0af2d79c75a
        a=ssrc:3668225202 cname:0a5c14b0-48b9-46e4-af0b-e0af2d79c75a
        a=rtpmap:97 VP8/90000
        a=rtcp-fb:97 nack
        a=rtcp-fb:97 nack pli
        a=rtcp-fb:97 goog-remb
        a=rtpmap:98 rtx/90000
        a=fmtp:98 apt=97
        a=rtpmap:99 H264/90000
        a=rtcp-fb:99 nack
        a=rtcp-fb:99 nack pli
        a=rtcp-fb:99 goog-remb
        a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
        a=rtpmap:100 rtx/90000
        a=fmtp:100 apt=99
        a=rtpmap:101 H264/90000
        a=rtcp-fb:101 nack
        a=rtcp-fb:101 nack pli
        a=rtcp-fb:101 goog-remb
        a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:102 rtx/90000
        a=fmtp:102 apt=101
        a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 40296 typ host
        a=end-of-candidates
        a=ice-ufrag:YyvH
        a=ice-pwd:Zi3NIcgrRR99PQlfKnTfrS
        a=fingerprint:sha-256 F6:5D:F9:49:DF:F7:36:6F:F8:B9:2A:54:81:C5:1E:B9:3C:67:25:41:7D:66:FC:F7:15:5B:F0:99:D4:76:78:24
        a=fingerprint:sha-384 FF:0A:DB:A2:2A:22:C3:86:E3:90:12:ED:0F:E9:0B:BE:68:70:D0:EE:4F:29:81:8C:97:4E:BD:F9:80:89:A0:D1:7B:E5:BA:E7:62:C4:30:C4:3A:14:82:CC:15:91:F1:79
        a=fingerprint:sha-512 C1:D0:2F:EB:58:45:71:CE:68:33:55:56:32:F5:C6:38:1B:40:90:77:B2:B9:B6:28:5E:88:F9:21:E2:58:1D:22:E2:FF:84:9D:5C:A8:28:D1:97:C4:6D:97:57:82:24:5F:29:FF:CC:22:9F:AA:DE:3C:FA:23:1B:63:E5:27:69:9E
        a=setup:actpass
        m=application 52183 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 127.0.0.1
        a=mid:1
        a=sctp-port:5000
        a=max-message-size:262144
        a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 52183 typ host
        a=end-of-candidates
        a=ice-ufrag:YyvH
        a=ice-pwd:Zi3NIcgrRR99PQlfKnTfrS
        a=fingerprint:sha-256 F6:5D:F9:49:DF:F7:36:6F:F8:B9:2A:54:81:C5:1E:B9:3C:67:25:41:7D:66:FC:F7:15:5B:F0:99:D4:76:78:24
        a=fingerprint:sha-384 FF:0A:DB:A2:2A:22:C3:86:E3:90:12:ED:0F:E9:0B:BE:68:70:D0:EE:4F:29:81:8C:97:4E:BD:F9:80:89:A0:D1:7B:E5:BA:E7:62:C4:30:C4:3A:14:82:CC:15:91:F1:79
        a=fingerprint:sha-512 C1:D0:2F:EB:58:45:71:CE:68:33:55:56:32:F5:C6:38:1B:40:90:77:B2:B9:B6:28:5E:88:F9:21:E2:58:1D:22:E2:FF:84:9D:5C:A8:28:D1:97:C4:6D:97:57:82:24:5F:29:FF:CC:22:9F:AA:DE:3C:FA:23:1B:63:E5:27:69:9E
        a=setup:actpass
        
        """
}

/// SDP text with CRLF line endings (RFC 8866 §5).
func crlf(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
}

extension PeerConnectionSuites {
    @Suite struct AnswerBuilderTests {
        static let fingerprint = CertificateFingerprint(algorithm: .sha256, digest: (0..<32).map { UInt8($0) })

        static func local(trickle: Bool, setup: DTLSSetup = .active) -> JSEPAnswer.Local {
            JSEPAnswer.Local(
                credentials: ICECredentials(ufrag: "ours", pwd: "ourPasswordIsLongEnough1"), fingerprint: fingerprint,
                setup: setup,
                candidates: [CandidateAttribute(foundation: "1", priority: 2_130_706_431, connectionAddress: "127.0.0.1", port: 40000, type: .host)],
                endOfCandidates: !trickle, trickle: trickle, sctpPort: 5000, maxMessageSize: 262_144, sessionID: 42)
        }

        @Test func browserOfferIsAnsweredSectionBySection() throws {
            let offer = try SessionDescription(parsing: crlf(SampleOffers.browser))
            let remote = try RemoteTransportParameters(offer)
            #expect(remote.trickle && remote.transportMID == "0" && remote.sctpPort == 5000)
            #expect(remote.credentials == ICECredentials(ufrag: "Hb3e", pwd: "eB0dIDPXm0L0Ao3d2L6W/Xe0"))
            #expect(remote.fingerprints.map(\.algorithm) == [.sha256])
            #expect(remote.setup == .actpass && remote.maxMessageSize == 262_144)

            let answer = try SessionDescription(parsing: JSEPAnswer.make(offer: offer, local: Self.local(trickle: true)).serialized())
            #expect(answer.bundleGroups.first?.mids == ["0", "1", "2"])
            #expect(answer.media.map(\.mid) == ["0", "1", "2"])
            let (audio, video, application) = (answer.media[0], answer.media[1], answer.media[2])
            // The viewer only receives audio: nothing to receive from it, nothing sent yet.
            #expect(audio.direction == .inactive)
            #expect(audio.formats == ["111"] && audio.rtpMaps.first?.encodingName == "opus")
            #expect(audio.formatParameters(for: 111)?.attributeValue == "111 minptime=10;useinbandfec=1")
            #expect(video.direction == .recvonly && video.rtcpMux && video.rtcpReducedSize)
            #expect(video.formats == ["102"])
            #expect(video.rtcpFeedback(for: 102).map(\.attributeValue) == ["102 goog-remb", "102 nack pli"])
            #expect(application.sctpPort == 5000 && application.maxMessageSize == 262_144)
            #expect(application.formats == ["webrtc-datachannel"])
            for media in answer.media {
                #expect(media.setup == .active && media.iceOptions == ["trickle"])
                #expect(media.iceUfrag == "ours" && media.icePwd == "ourPasswordIsLongEnough1")
                #expect(media.fingerprints.map(\.attributeValue) == [Fingerprint(hashFunction: "sha-256", bytes: Self.fingerprint.digest).attributeValue])
                #expect(media.port == 40000)
            }
            #expect(audio.candidates.count == 1 && video.candidates.isEmpty && application.candidates.isEmpty)
            #expect(!audio.endOfCandidates)
        }

        @Test func unbundledOfferGetsOneTransportAndPassiveSetup() throws {
            let offer = try SessionDescription(parsing: crlf(SampleOffers.unbundled))
            let remote = try RemoteTransportParameters(offer)
            #expect(remote.setup == .active && !remote.trickle && remote.sctpPort == 5001)
            #expect(remote.fingerprints.map(\.algorithm) == [.sha384])
            #expect(remote.candidates.map(\.port) == [50000])
            #expect(DTLSRole(answeringRemoteSetup: "active") == .server)
            let answer = JSEPAnswer.make(offer: offer, local: Self.local(trickle: false, setup: .passive))
            #expect(answer.groups.isEmpty)
            #expect(answer.media.map(\.port) == [40000, 0])
            #expect(answer.media[0].setup == .passive && answer.media[0].endOfCandidates)
            #expect(answer.media[0].iceOptions.isEmpty)
            #expect(answer.media[1].type == .video && answer.media[1].formats == ["96"])
        }

        @Test func aiortcShapedOfferUsesTheFirstBundledSection() throws {
            let offer = try SessionDescription(parsing: crlf(SampleOffers.aiortcShape))
            let remote = try RemoteTransportParameters(offer)
            #expect(remote.transportMID == "0" && !remote.trickle)
            #expect(remote.fingerprints.map(\.algorithm) == [.sha256, .sha384, .sha512])
            #expect(remote.candidates.count == 1 && remote.endOfCandidates)
            let answer = JSEPAnswer.make(offer: offer, local: Self.local(trickle: false))
            #expect(answer.media[0].formats == ["99"])  // the first H.264, not VP8 or rtx
            #expect(answer.media[0].direction == .inactive)
        }

        /// Line-level mutations of the sample offers (dropped, duplicated, swapped and edited
        /// lines): nothing traps, and every answer built parses again, mirrors the offer's
        /// sections and bundles only accepted ones.
        @Test func mutatedOffersNeverBreakTheAnswer() throws {
            var rng = SplitMix64(seed: 0x5EED_0FFE)
            let seeds = SampleOffers.all.map { crlf($0).split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init) }
            let edits = ["a=setup:holdconn", "a=setup:passive", "a=bundle-only", "m=audio 0 UDP/TLS/RTP/SAVPF",
                         "a=group:BUNDLE 9 0", "a=mid:0", "a=fingerprint:md5 00", "a=sctp-port:0", "a=max-message-size:0",
                         "m=application 9 TCP/DTLS/SCTP webrtc-datachannel", "a=rtpmap:96 H264/90000", "a=ice-ufrag:",
                         "a=fingerprint:sha-256 ZZ", "m=text 9 RTP/AVP 98", "a=inactive", "a=sendonly"]
            var parsed = 0
            var answered = 0
            for _ in 0..<10_000 {
                var lines = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let index = Int(rng.next() % UInt64(lines.count))
                    switch rng.next() % 5 {
                    case 0: lines.remove(at: index)
                    case 1: lines.insert(lines[index], at: index)
                    case 2: lines.swapAt(index, Int(rng.next() % UInt64(lines.count)))
                    case 3: lines.insert(edits[Int(rng.next() % UInt64(edits.count))], at: index)
                    default:
                        var bytes = Array(lines[index].utf8)
                        if !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                        lines[index] = String(decoding: bytes, as: UTF8.self)
                    }
                    if lines.isEmpty { lines = [""] }
                }
                guard let offer = try? SessionDescription(parsing: lines.joined(separator: "\r\n")) else { continue }
                parsed += 1
                guard (try? RemoteTransportParameters(offer)) != nil else { continue }
                answered += 1
                let answer = JSEPAnswer.make(offer: offer, local: Self.local(trickle: Bool(rng.next() % 2 == 0)))
                let reparsed = try #require(try? SessionDescription(parsing: answer.serialized()), "answer does not parse:\n\(answer.serialized())")
                #expect(reparsed.media.count == offer.media.count)
                #expect(zip(reparsed.media, offer.media).allSatisfy { $0.mid == $1.mid && $0.type == $1.type })
                let bundled = reparsed.bundleGroups.first?.mids ?? []
                for mid in bundled { #expect(reparsed.media(withMID: mid).map { $0.port != 0 } == true) }
                #expect(reparsed.media.filter { $0.port != 0 }.allSatisfy { $0.setup != nil && $0.iceUfrag == "ours" })
            }
            print("measure: mutated offers: \(parsed) parsed, \(answered) answered of 10000")
            #expect(parsed > 3_000 && answered > 2_000)
        }
    }
}
