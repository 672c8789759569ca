import SDP
import Testing

@Suite struct AttributeTests {
    @Test func rtpMapRoundTrip() throws {
        let m = try RTPMap(attributeValue: "111 opus/48000/2")
        #expect(m == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(m.attributeValue == "111 opus/48000/2")
        #expect(m.hasEncodingName("OPUS"))
        #expect(!m.hasEncodingName("opu"))
        #expect(Attribute(m).description == "a=rtpmap:111 opus/48000/2")
        #expect(throws: SDPError.self) { try RTPMap(attributeValue: "111 opus/48000/two") }
    }

    @Test func rtcpFeedbackWildcard() throws {
        let all = try RTCPFeedback(attributeValue: "* transport-cc")
        #expect(all.payloadType == nil)
        #expect(all.applies(to: 96))
        #expect(all.attributeValue == "* transport-cc")
        let tmmbr = try RTCPFeedback(attributeValue: "96 ccm tmmbr smaxpr=120")
        #expect(tmmbr.parameter == "tmmbr smaxpr=120")
        #expect(!tmmbr.applies(to: 97))
        var media = MediaDescription(type: .video, payloadTypes: [96, 97])
        media.append(all)
        media.append(tmmbr)
        #expect(media.rtcpFeedback(for: 97) == [all])
        #expect(media.rtcpFeedback(for: 96) == [all, tmmbr])
    }

    @Test func extmapWithDirectionAndAttributes() throws {
        let e = try ExtMap(attributeValue: "4/recvonly urn:ietf:params:rtp-hdrext:encrypt urn:x extra")
        #expect(e == ExtMap(id: 4, direction: .recvonly, uri: "urn:ietf:params:rtp-hdrext:encrypt",
                            extensionAttributes: "urn:x extra"))
        #expect(e.attributeValue == "4/recvonly urn:ietf:params:rtp-hdrext:encrypt urn:x extra")
    }

    @Test func fingerprintParsing() throws {
        let f = try Fingerprint(attributeValue: "SHA-1 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab")
        #expect(f.hasHashFunction("sha-1"))
        #expect(f.bytes.first == 0x4A)
        #expect(f.attributeValue == "SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB")
        let other = try Fingerprint(attributeValue: "x-hash 01:02")
        #expect(other.bytes == [1, 2])
        #expect(throws: SDPError.self) { try Fingerprint(attributeValue: "sha-256 0102") }
        #expect(throws: SDPError.self) { try Fingerprint(attributeValue: "sha-256 01::02") }
    }

    @Test func directionHelpers() {
        #expect(MediaDirection.sendonly.reversed == .recvonly)
        #expect(MediaDirection.sendrecv.reversed == .sendrecv)
        #expect(MediaDirection(sends: false, receives: false) == .inactive)
        #expect(MediaDirection.recvonly.receives && !MediaDirection.recvonly.sends)
    }

    @Test func rtcpAttribute() throws {
        #expect(try RTCPAttribute(attributeValue: "53020") == RTCPAttribute(port: 53020))
        let full = try RTCPAttribute(attributeValue: "9 IN IP6 ::")
        #expect(full.connection?.addressType == "IP6")
        #expect(full.attributeValue == "9 IN IP6 ::")
    }

    @Test func ssrcAndMsid() throws {
        let s = try SSRCAttribute(attributeValue: "1 msid:stream track")
        #expect(s == SSRCAttribute(ssrc: 1, attribute: "msid", value: "stream track"))
        #expect(s.attributeValue == "1 msid:stream track")
        #expect(try SSRCAttribute(attributeValue: "4294967295 x").value == nil)
        #expect(throws: SDPError.self) { try SSRCAttribute(attributeValue: "4294967296 cname:a") }
        #expect(try MSID(attributeValue: "- track") == MSID(streamID: "-", trackID: "track"))
        #expect(try MSID(attributeValue: "stream").trackID == nil)
    }

    @Test func typedLookupSkipsForeignNames() {
        let a = Attribute(name: "mid", value: "96 VP8/90000")
        #expect(a.typed(as: RTPMap.self) == nil)
        #expect(Attribute(name: "rtpmap", value: "96 VP8/90000").typed(as: RTPMap.self)?.clockRate == 90000)
        #expect(Attribute(name: "rtcp-mux").description == "a=rtcp-mux")
    }
}
