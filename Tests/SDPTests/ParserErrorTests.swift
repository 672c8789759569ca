import SDP
import Testing

@Suite struct ParserErrorTests {
    static let head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

    func error(_ text: String) -> SDPError? {
        do {
            _ = try SessionDescription(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingVersion() {
        #expect(error("o=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n") == SDPError(line: 1, kind: .missingVersion))
        #expect(error("") == SDPError(line: 1, kind: .missingVersion))
        #expect(error("\r\n\r\n") == SDPError(line: 1, kind: .missingVersion))
        #expect(error("v=1\r\n") == SDPError(line: 1, kind: .unsupportedVersion))
        #expect(error("v=x\r\n") == SDPError(line: 1, kind: .invalidLine(type: "v", field: "version", problem: .notANumber)))
    }

    @Test func lineStructure() {
        #expect(error(Self.head + "a=mid:0\r\nnonsense\r\n") == SDPError(line: 6, kind: .missingEquals))
        #expect(error(Self.head + "ab=c\r\n") == SDPError(line: 5, kind: .invalidLineType))
        #expect(error(Self.head + "=c\r\n") == SDPError(line: 5, kind: .invalidLineType))
        #expect(error(Self.head + "1=c\r\n") == SDPError(line: 5, kind: .invalidLineType))
        #expect(error(Self.head + "\r\na=mid:0\r\n") == SDPError(line: 5, kind: .emptyLine))
        #expect(error(Self.head + "a=x\0y\r\n") == SDPError(line: 5, kind: .invalidCharacter))
        #expect(error(Self.head + "a=x\ry\r\n") == SDPError(line: 5, kind: .invalidCharacter))
        var bytes = Array((Self.head + "a=tool:").utf8)
        bytes += [0xC3, 0x28, 0x0D, 0x0A]
        #expect(throws: SDPError(line: 5, kind: .notUTF8)) { try SessionDescription(parsing: bytes) }
    }

    @Test func missingAndDuplicateSessionLines() {
        #expect(error("v=0\r\ns=-\r\nt=0 0\r\n") == SDPError(line: 3, kind: .missingOrigin))
        #expect(error("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\nm=audio 9 RTP/AVP 0\r\n")
            == SDPError(line: 3, kind: .missingSessionName))
        #expect(error(Self.head + "s=again\r\n") == SDPError(line: 5, kind: .duplicateLine(type: "s")))
        #expect(error(Self.head + "v=0\r\n") == SDPError(line: 5, kind: .duplicateLine(type: "v")))
        #expect(error("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nr=7d 1h 0 25h\r\n")
            == SDPError(line: 4, kind: .misplacedLine(type: "r")))
        #expect(error(Self.head + "m=audio 9 RTP/AVP 0\r\no=- 1 2 IN IP4 0.0.0.0\r\n")
            == SDPError(line: 6, kind: .misplacedLine(type: "o")))
        #expect(error(Self.head + "m=audio 9 RTP/AVP 0\r\ni=a\r\ni=b\r\n")
            == SDPError(line: 7, kind: .duplicateLine(type: "i")))
    }

    @Test func structuredLines() {
        #expect(error("v=0\r\no=- 1 2 IN IP4\r\ns=-\r\n")
            == SDPError(line: 2, kind: .invalidLine(type: "o", field: "fields", problem: .tooFewFields(expected: 6, found: 5))))
        #expect(error("v=0\r\no=- 1  IN IP4 x\r\ns=-\r\n")
            == SDPError(line: 2, kind: .invalidLine(type: "o", field: "sess-version", problem: .empty)))
        #expect(error(Self.head + "c=IN IP4\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "c", field: "fields", problem: .tooFewFields(expected: 3, found: 2))))
        #expect(error(Self.head + "b=AS\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "b", field: "bandwidth", problem: .missing)))
        #expect(error(Self.head + "b=AS:lots\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "b", field: "bandwidth", problem: .notANumber)))
        #expect(error("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0\r\n")
            == SDPError(line: 4, kind: .invalidLine(type: "t", field: "fields", problem: .tooFewFields(expected: 2, found: 1))))
    }

    @Test func badMediaLine() {
        #expect(error(Self.head + "m=audio\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "fields", problem: .tooFewFields(expected: 4, found: 1))))
        #expect(error(Self.head + "m=audio nine RTP/AVP 0\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "port", problem: .notANumber)))
        #expect(error(Self.head + "m=audio 70000 RTP/AVP 0\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "port", problem: .outOfRange)))
        #expect(error(Self.head + "m=audio +9 RTP/AVP 0\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "port", problem: .notANumber)))
        #expect(error(Self.head + "m=audio 9/x RTP/AVP 0\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "number of ports", problem: .notANumber)))
        #expect(error(Self.head + "m=audio 9 RTP/AVP  0\r\n")
            == SDPError(line: 5, kind: .invalidLine(type: "m", field: "fmt", problem: .empty)))
    }

    @Test func badAttributes() {
        func attributeError(_ line: String) -> SDPError? {
            error(Self.head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + line + "\r\n")
        }
        func expected(_ name: String, _ field: String, _ problem: SDPError.Problem) -> SDPError {
            SDPError(line: 6, kind: .invalidAttribute(name: name, field: field, problem: problem))
        }
        #expect(attributeError("a=rtpmap:96 VP8") == expected("rtpmap", "clock rate", .missing))
        #expect(attributeError("a=rtpmap:96 VP8/fast") == expected("rtpmap", "clock rate", .notANumber))
        #expect(attributeError("a=rtpmap:200 VP8/90000") == expected("rtpmap", "payload type", .outOfRange))
        #expect(attributeError("a=rtpmap") == expected("rtpmap", "value", .missing))
        #expect(attributeError("a=rtpmap:96") == expected("rtpmap", "encoding name", .missing))
        #expect(attributeError("a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ")
            == expected("candidate", "fields", .tooFewFields(expected: 8, found: 7)))
        #expect(attributeError("a=candidate:1 1 udp 99999999999 127.0.0.1 9 typ host")
            == expected("candidate", "priority", .outOfRange))
        #expect(attributeError("a=fingerprint:sha-256 AB:CD") == expected("fingerprint", "fingerprint", .invalid))
        #expect(attributeError("a=fingerprint:sha-256") == expected("fingerprint", "fingerprint", .missing))
        #expect(attributeError("a=fingerprint:sha-1 ZZ:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")
            == expected("fingerprint", "fingerprint", .invalid))
        #expect(attributeError("a=setup:sometimes") == expected("setup", "role", .invalid))
        #expect(attributeError("a=extmap:0 urn:x") == expected("extmap", "id", .outOfRange))
        #expect(attributeError("a=extmap:1/both urn:x") == expected("extmap", "direction", .invalid))
        #expect(attributeError("a=extmap:1") == expected("extmap", "URI", .missing))
        #expect(attributeError("a=rtcp-fb:96") == expected("rtcp-fb", "rtcp-fb-val", .missing))
        #expect(attributeError("a=ssrc:12x cname:a") == expected("ssrc", "ssrc-id", .notANumber))
        #expect(attributeError("a=ssrc:12") == expected("ssrc", "attribute", .missing))
        #expect(attributeError("a=ssrc-group:FID 1 two") == expected("ssrc-group", "ssrc-id", .notANumber))
        #expect(attributeError("a=mid:") == expected("mid", "value", .empty))
        #expect(attributeError("a=ice-pwd") == expected("ice-pwd", "value", .missing))
        #expect(attributeError("a=sctp-port:99999") == expected("sctp-port", "port", .outOfRange))
        #expect(attributeError("a=rtcp:9 IN IP4") == expected("rtcp", "connection address", .invalid))
        #expect(attributeError("a=:x") == expected("", "name", .empty))
    }

    @Test func errorsDoNotCarryLineText() {
        let secret = "SuperSecretPasswordValue"
        let e = error(Self.head + "a=ice-pwd:\(secret)\r\na=rtpmap:96 \(secret)\r\n")
        #expect(e == SDPError(line: 6, kind: .invalidAttribute(name: "rtpmap", field: "clock rate", problem: .missing)))
        #expect(e?.description == "SDP line 6: a=rtpmap: clock rate missing")
        #expect(e?.description.contains(secret) == false)
    }

    @Test func garbageIsRejected() {
        #expect(error("hello world") == SDPError(line: 1, kind: .missingEquals))
        #expect(error("\u{1}\u{2}=") == SDPError(line: 1, kind: .invalidLineType))
        #expect(error("<html>") == SDPError(line: 1, kind: .missingEquals))
    }

    @Test func lenientForms() throws {
        // Unknown attributes, unknown line types, spacing variants and order quirks are kept.
        let text = Self.head
            + "a=msid-semantic:  WMS stream\r\n"
            + "x=something new\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
            + "y=media-level unknown\r\n"
            + "a=rtpmap:111 opus/48000/2\r\n"
            + "a=fmtp:111 minptime=10; useinbandfec=1\r\n"
            + "a=setup:ACTPASS\r\n"
            + "a=vendor-thing:1 2 3\r\n"
            + "a=sctpmap:5000 webrtc-datachannel 1024\r\n"
            + "a=sendrecv\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.serialized() == text)
        #expect(sdp.msidSemantic == MSIDSemantic(semantic: "WMS", identifiers: ["stream"]))
        #expect(sdp.attributeLines.last == .unknown(type: "x", value: "something new"))
        let audio = sdp.media[0]
        #expect(audio.attributeLines.first == .unknown(type: "y", value: "media-level unknown"))
        #expect(try OpusParameters(try #require(audio.formatParameters(for: 111))).useInbandFEC == true)
        #expect(audio.setup == .actpass)
        #expect(audio.attributeValue(named: "vendor-thing") == "1 2 3")
        #expect(audio.sctpmap == "5000 webrtc-datachannel 1024")
        #expect(audio.direction == .sendrecv)
    }

    @Test func outOfOrderLinesNormalizeButKeepTheModel() throws {
        let text = "v=0\r\na=group:BUNDLE 0\r\ns=-\r\no=- 1 2 IN IP4 0.0.0.0\r\nt=0 0\r\n"
        let sdp = try SessionDescription(parsing: text)
        let out = sdp.serialized()
        #expect(out == "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n")
        #expect(try SessionDescription(parsing: out) == sdp)
    }
}
