import Foundation
import SDP
import Testing

@Suite struct FixtureTests {
    @Test(arguments: Fixtures.names)
    func parsesAndRoundTrips(name: String) throws {
        let text = try Fixtures.text(name)
        let sdp = try SessionDescription(parsing: text)
        let out = sdp.serialized()
        #expect(out == Fixtures.normalized(text))
        #expect(try SessionDescription(parsing: out) == sdp)
        // LF-only input gives the same model.
        let lf = text.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(try SessionDescription(parsing: lf) == sdp)
        // No final newline, and trailing empty lines, are tolerated.
        // ("\r\n" is one Character, so drop the two bytes rather than two Characters.)
        let trimmed = String(decoding: Array(text.utf8).dropLast(2), as: UTF8.self)
        #expect(!trimmed.hasSuffix("\n"))
        #expect(try SessionDescription(parsing: trimmed) == sdp)
        #expect(try SessionDescription(parsing: text + "\r\n\n") == sdp)
        #expect(try SessionDescription(parsing: Array(text.utf8)) == sdp)
    }

    @Test func aiortcOffer() throws {
        let sdp = try SessionDescription(parsing: Fixtures.text("aiortc-1.16-offer.sdp"))
        #expect(sdp.origin == Origin(username: "-", sessionID: "4004228199", sessionVersion: "4004228199",
                                     networkType: "IN", addressType: "IP4", unicastAddress: "0.0.0.0"))
        #expect(sdp.sessionName == "-")
        #expect(sdp.timings == [Timing(start: 0, stop: 0)])
        #expect(sdp.bundleGroups == [GroupAttribute(semantics: "BUNDLE", mids: ["0", "1", "2"])])
        #expect(sdp.msidSemantic == MSIDSemantic(semantic: "WMS", identifiers: ["*"]))
        #expect(sdp.media.map(\.type) == [.video, .audio, .application])
        #expect(sdp.media.map(\.mid) == ["0", "1", "2"])

        let video = sdp.media[0]
        #expect(video.port == 49471)
        #expect(video.proto == "UDP/TLS/RTP/SAVPF")
        #expect(video.payloadTypes == [97, 98, 99, 100, 101, 102])
        #expect(video.connection == Connection(networkType: "IN", addressType: "IP4", address: "127.0.0.1"))
        #expect(video.direction == .recvonly)
        #expect(video.rtcpMux)
        #expect(!video.rtcpReducedSize)
        #expect(video.rtcp == RTCPAttribute(port: 9, connection: Connection(address: "0.0.0.0")))
        #expect(video.rtpMap(for: 99) == RTPMap(payloadType: 99, encodingName: "H264", clockRate: 90000))
        let fmtp99 = try #require(video.formatParameters(for: 99))
        #expect(fmtp99.parameterText == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f")
        #expect(fmtp99.parameters.map(\.name) == ["level-asymmetry-allowed", "packetization-mode", "profile-level-id"])
        let h264 = try H264Parameters(fmtp99)
        #expect(h264.profileLevelID == H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0x00, levelIDC: 0x1F))
        #expect(h264.packetizationMode == 1)
        #expect(h264.levelAsymmetryAllowed)
        #expect(h264.profileLevelID?.profile == .baseline)
        let h264b = try H264Parameters(try #require(video.formatParameters(for: 101)))
        #expect(h264b.profileLevelID?.profile == .constrainedBaseline)
        #expect(try RTXParameters(try #require(video.formatParameters(for: 100))).associatedPayloadType == 99)
        #expect(video.rtcpFeedback(for: 99) == [
            RTCPFeedback(payloadType: 99, type: "nack"),
            RTCPFeedback(payloadType: 99, type: "nack", parameter: "pli"),
            RTCPFeedback(payloadType: 99, type: "goog-remb"),
        ])
        #expect(video.ssrcGroups == [SSRCGroup(semantics: "FID", ssrcs: [609589509, 1250952275])])
        #expect(video.ssrcs == [609589509, 1250952275])
        #expect(video.ssrcAttributes.first == SSRCAttribute(
            ssrc: 609589509, attribute: "cname", value: "bb638643-e03b-4186-bc4c-57a08800baab"))
        #expect(video.msids == [MSID(streamID: "a051ff21-2b02-4540-912d-5e1bf7110f8c",
                                     trackID: "3c302410-af06-487f-b3c0-6980a8fe1060")])
        #expect(video.extensionMaps == [
            ExtMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:sdes:mid"),
            ExtMap(id: 3, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
        ])
        #expect(video.iceUfrag == "wQYa")
        #expect(video.icePwd == "FCZHK3ZinWtcjjLhrKayCR")
        #expect(video.setup == .actpass)
        #expect(video.endOfCandidates)

        let fingerprints = video.fingerprints
        #expect(fingerprints.map(\.hashFunction) == ["sha-256", "sha-384", "sha-512"])
        #expect(fingerprints.map(\.bytes.count) == [32, 48, 64])
        #expect(fingerprints[0].bytes.prefix(4) == [0xFC, 0x61, 0x78, 0x73])
        #expect(fingerprints[0].bytes.suffix(2) == [0x58, 0x86])
        #expect(fingerprints[2].bytes.suffix(2) == [0x7F, 0x8A])

        let candidate = try #require(video.candidates.first)
        #expect(candidate == CandidateAttribute(
            foundation: "16572de626da4e5384a0ce2d0d93678a", componentID: 1, transport: .udp, priority: 2130706431,
            connectionAddress: "127.0.0.1", port: 49471, type: .host))
        #expect(candidate.socketAddress?.description == "127.0.0.1:49471")

        let audio = sdp.media[1]
        #expect(audio.payloadTypes == [96, 9, 0, 8])
        #expect(audio.rtpMap(for: 96) == RTPMap(payloadType: 96, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(audio.rtpMap(for: 0)?.encodingName == "PCMU")
        #expect(audio.extensionMaps.map(\.id) == [1, 2])

        let data = sdp.media[2]
        #expect(data.proto == "UDP/DTLS/SCTP")
        #expect(data.formats == ["webrtc-datachannel"])
        #expect(data.payloadTypes == [])
        #expect(!data.isRTP)
        #expect(data.sctpPort == 5000)
        #expect(data.maxMessageSize == 262144)
        #expect(sdp.iceCredentials(for: data) == ICECredentials(ufrag: "wQYa", pwd: "FCZHK3ZinWtcjjLhrKayCR"))
    }

    @Test func chromiumSendrecvOffer() throws {
        let sdp = try SessionDescription(parsing: Fixtures.text("chromium-156-sendrecv-offer.sdp"))
        #expect(sdp.origin.sessionID == "1608419001736897362")
        #expect(sdp.origin.sessionVersionNumber == 2)
        #expect(sdp.extmapAllowMixed)
        #expect(sdp.attribute(named: "msid-semantic")?.value == " WMS")
        #expect(sdp.msidSemantic == MSIDSemantic(semantic: "WMS", identifiers: []))
        #expect(sdp.bundleGroups.first?.mids == ["0", "1", "2"])
        #expect(sdp.bundleGroup(containing: "1")?.semantics == "BUNDLE")

        let video = sdp.media[0]
        #expect(video.formats.count == 34)
        #expect(video.payloadTypes.prefix(7) == [96, 97, 98, 99, 100, 101, 35])
        #expect(video.extensionMaps.map(\.id) == Array(1...11))
        #expect(video.extensionMaps[3] == ExtMap(
            id: 4, uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"))
        #expect(video.attributes(named: "rtcp-xr") == [Attribute(name: "rtcp-xr", value: "rcvr-rtt=all")])
        #expect(video.rtcpReducedSize)
        #expect(video.iceOptions == ["trickle"])
        #expect(video.iceUfrag == "u8V/")
        #expect(video.fingerprints.count == 1)
        #expect(video.fingerprints.first?.hasHashFunction("SHA-256") == true)

        let candidates = video.candidates
        #expect(candidates.count == 2)
        #expect(candidates[0].extensions == [
            .init(name: "generation", value: "0"), .init(name: "network-id", value: "1"),
        ])
        #expect(candidates[0].networkID == 1)
        #expect(candidates[0].generation == 0)
        let tcp = candidates[1]
        #expect(tcp.transport == .tcp)
        #expect(tcp.transport.isTCP)
        #expect(tcp.tcpType == .active)
        #expect(tcp.port == 9)
        #expect(tcp.priority == 1518280447)
        #expect(tcp.attributeValue ==
            "900777905 1 tcp 1518280447 10.79.0.1 9 typ host tcptype active generation 0 network-id 1")

        let profiles = [102, 108, 116, 41].map { pt in
            video.formatParameters(for: UInt8(pt)).flatMap { try? H264Parameters($0).profileLevelID?.profile }
        }
        #expect(profiles == [.baseline, .constrainedBaseline, .main, .high444Predictive])
        #expect(try H264Parameters(try #require(video.formatParameters(for: 104))).packetizationMode == 0)
        #expect(video.formatParameters(for: 45)?["profile"] == "0")
        #expect(video.rtcpFeedback(for: 96).map(\.type) == ["goog-remb", "transport-cc", "ccm", "nack", "nack"])
        #expect(video.rtcpFeedback(for: 96)[2].parameter == "fir")
        #expect(video.rtpMap(for: 49)?.encodingName == "flexfec-03")

        let audio = sdp.media[1]
        let opus = try OpusParameters(try #require(audio.formatParameters(for: 111)))
        #expect(opus.minPacketTime == 10)
        #expect(opus.useInbandFEC == true)
        #expect(opus.stereo == nil)
        #expect(audio.formatParameters(for: 63)?.parameters == [.init(name: "111/111", value: nil)])
        #expect(audio.rtpMap(for: 126) == RTPMap(payloadType: 126, encodingName: "telephone-event", clockRate: 8000))
        #expect(audio.extensionMaps.first?.id == 14)
    }

    @Test func chromiumViewerOffer() throws {
        let sdp = try SessionDescription(parsing: Fixtures.text("chromium-156-viewer-offer.sdp"))
        let video = sdp.media[0]
        let relay = try #require(video.candidates.first)
        #expect(relay.type == .relayed)
        #expect(relay.relatedAddress == "0.0.0.0")
        #expect(relay.relatedPort == 0)
        #expect(relay.priority == 8265727)
        #expect(relay.connectionAddress == "10.79.0.2")
        #expect(relay.port == 49190)
        #expect(relay.networkID == 2)
        #expect(sdp.iceCredentials(for: video) == ICECredentials(ufrag: "1iOB", pwd: "TvGOX0A+4Hqr9gEdXVDHn8Py"))
        #expect(video.fingerprints.first?.bytes.first == 0xEC)
        #expect(sdp.media.map(\.port) == [49190, 49185, 49181])
    }

    @Test func gstreamerOffer() throws {
        let sdp = try SessionDescription(parsing: Fixtures.text("gstreamer-1.22-webrtcbin-offer.sdp"))
        #expect(sdp.iceOptions == ["trickle"])
        #expect(sdp.bundleGroups == [GroupAttribute(semantics: "BUNDLE", mids: ["video0", "audio1"])])
        #expect(sdp.media.count == 2)
        let video = sdp.media[0]
        #expect(video.mid == "video0")
        #expect(video.rtcpMuxOnly)
        #expect(!video.bundleOnly)
        #expect(video.candidates.isEmpty)
        #expect(sdp.iceOptions(for: video) == ["trickle"])
        let h264 = try H264Parameters(try #require(video.formatParameters(for: 102)))
        #expect(h264.profileLevelID?.description == "42e01f")
        #expect(h264.levelAsymmetryAllowed == false)
        #expect(video.rtcpFeedback(for: 102) == [
            RTCPFeedback(payloadType: 102, type: "nack", parameter: "pli"),
            RTCPFeedback(payloadType: 102, type: "ccm", parameter: "fir"),
            RTCPFeedback(payloadType: 102, type: "transport-cc"),
        ])
        let audio = sdp.media[1]
        #expect(audio.port == 0)
        #expect(audio.bundleOnly)
        #expect(audio.rtpMap(for: 111)?.hasEncodingName("opus") == true)
        #expect(audio.rtpMap(for: 111)?.channels == nil)
        #expect(sdp.setup(for: audio) == .actpass)
        #expect(sdp.fingerprints(for: audio).first?.bytes.count == 32)
        #expect(sdp.direction(for: audio) == .recvonly)
    }
}
