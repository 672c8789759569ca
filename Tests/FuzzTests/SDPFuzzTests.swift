import FuzzTargets
import Testing

/// Robustness of the SDP parser: seeded line-level and byte-level mutations of two small real
/// offers plus random bytes; no input may break the parse → serialize → parse invariant.
@Suite struct SDPFuzzTests {
    static let gstreamerOffer = """
        v=0
        o=- 8354600615963106407 0 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=ice-options:trickle
        a=group:BUNDLE video0 audio1
        m=video 9 UDP/TLS/RTP/SAVPF 102
        c=IN IP4 0.0.0.0
        a=setup:actpass
        a=ice-ufrag:L2/xen0XPTFbn2RGny93OgkxNu9gafOx
        a=ice-pwd:ZHsTh7CDRWuloAGX9IIgAiRGuOTxbgmH
        a=rtcp-mux
        a=rtcp-rsize
        a=recvonly
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 nack pli
        a=rtcp-fb:102 ccm fir
        a=rtcp-fb:102 transport-cc
        a=fmtp:102 packetization-mode=1;profile-level-id=42e01f
        a=mid:video0
        a=fingerprint:sha-256 5E:83:94:A6:AA:A8:02:51:EE:B9:EF:86:6C:E5:CF:F5:E9:CA:F5:A9:F9:BD:CE:82:21:61:4F:16:F8:FE:CC:11
        a=rtcp-mux-only
        m=audio 0 UDP/TLS/RTP/SAVPF 111
        c=IN IP4 0.0.0.0
        a=setup:actpass
        a=ice-ufrag:L2/xen0XPTFbn2RGny93OgkxNu9gafOx
        a=ice-pwd:ZHsTh7CDRWuloAGX9IIgAiRGuOTxbgmH
        a=bundle-only
        a=rtcp-mux
        a=rtcp-rsize
        a=recvonly
        a=rtpmap:111 OPUS/48000
        a=rtcp-fb:111 transport-cc
        a=mid:audio1
        a=fingerprint:sha-256 5E:83:94:A6:AA:A8:02:51:EE:B9:EF:86:6C:E5:CF:F5:E9:CA:F5:A9:F9:BD:CE:82:21:61:4F:16:F8:FE:CC:11
        a=rtcp-mux-only
        """

    static let aiortcOffer = """
        v=0
        o=- 4004228199 4004228199 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=group:BUNDLE 0 1 2
        a=msid-semantic:WMS *
        m=video 49471 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102
        c=IN IP4 127.0.0.1
        a=recvonly
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=mid:0
        a=msid:a051ff21-2b02-4540-912d-5e1bf7110f8c 3c302410-af06-487f-b3c0-6980a8fe1060
        a=rtcp:9 IN IP4 0.0.0.0
        a=rtcp-mux
        a=ssrc-group:FID 609589509 1250952275
        a=ssrc:609589509 cname:bb638643-e03b-4186-bc4c-57a08800baab
        a=ssrc:1250952275 cname:bb638643-e03b-4186-bc4c-57a08800baab
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
        a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 49471 typ host
        a=end-of-candidates
        a=ice-ufrag:wQYa
        a=ice-pwd:FCZHK3ZinWtcjjLhrKayCR
        a=fingerprint:sha-256 FC:61:78:73:52:F6:C5:75:49:74:7F:63:47:DE:5B:5B:69:3B:79:04:B5:D8:2F:B2:FC:0F:A9:07:74:30:58:86
        a=fingerprint:sha-384 96:63:30:9B:D5:35:80:5B:E2:13:86:1A:7C:3B:39:60:BC:6A:DA:9B:CB:B9:6F:33:66:4F:9F:D1:8E:8D:AC:FF:E9:B1:24:A7:1B:F7:4B:1E:69:8A:9B:6E:AC:8D:62:C7
        a=fingerprint:sha-512 EE:26:36:43:4C:3B:E3:97:2E:7C:55:17:AE:4A:5F:09:B4:1B:EE:93:C3:E8:81:44:8F:3E:B0:4E:86:AC:CE:07:DF:F9:14:5D:39:D9:14:33:98:51:29:BA:9B:A0:EE:46:AB:5F:B1:FE:93:64:D5:EC:4E:DF:3C:C4:50:78:7F:8A
        a=setup:actpass
        m=audio 37866 UDP/TLS/RTP/SAVPF 96 9 0 8
        c=IN IP4 127.0.0.1
        a=recvonly
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=mid:1
        a=msid:a051ff21-2b02-4540-912d-5e1bf7110f8c aaf8948b-63d1-427c-879e-348a43393c0a
        a=rtcp:9 IN IP4 0.0.0.0
        a=rtcp-mux
        a=ssrc:26934814 cname:bb638643-e03b-4186-bc4c-57a08800baab
        a=rtpmap:96 opus/48000/2
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 37866 typ host
        a=end-of-candidates
        a=ice-ufrag:wQYa
        a=ice-pwd:FCZHK3ZinWtcjjLhrKayCR
        a=fingerprint:sha-256 FC:61:78:73:52:F6:C5:75:49:74:7F:63:47:DE:5B:5B:69:3B:79:04:B5:D8:2F:B2:FC:0F:A9:07:74:30:58:86
        a=fingerprint:sha-384 96:63:30:9B:D5:35:80:5B:E2:13:86:1A:7C:3B:39:60:BC:6A:DA:9B:CB:B9:6F:33:66:4F:9F:D1:8E:8D:AC:FF:E9:B1:24:A7:1B:F7:4B:1E:69:8A:9B:6E:AC:8D:62:C7
        a=fingerprint:sha-512 EE:26:36:43:4C:3B:E3:97:2E:7C:55:17:AE:4A:5F:09:B4:1B:EE:93:C3:E8:81:44:8F:3E:B0:4E:86:AC:CE:07:DF:F9:14:5D:39:D9:14:33:98:51:29:BA:9B:A0:EE:46:AB:5F:B1:FE:93:64:D5:EC:4E:DF:3C:C4:50:78:7F:8A
        a=setup:actpass
        m=application 52733 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 127.0.0.1
        a=mid:2
        a=sctp-port:5000
        a=max-message-size:262144
        a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 52733 typ host
        a=end-of-candidates
        a=ice-ufrag:wQYa
        a=ice-pwd:FCZHK3ZinWtcjjLhrKayCR
        a=fingerprint:sha-256 FC:61:78:73:52:F6:C5:75:49:74:7F:63:47:DE:5B:5B:69:3B:79:04:B5:D8:2F:B2:FC:0F:A9:07:74:30:58:86
        a=fingerprint:sha-384 96:63:30:9B:D5:35:80:5B:E2:13:86:1A:7C:3B:39:60:BC:6A:DA:9B:CB:B9:6F:33:66:4F:9F:D1:8E:8D:AC:FF:E9:B1:24:A7:1B:F7:4B:1E:69:8A:9B:6E:AC:8D:62:C7
        a=fingerprint:sha-512 EE:26:36:43:4C:3B:E3:97:2E:7C:55:17:AE:4A:5F:09:B4:1B:EE:93:C3:E8:81:44:8F:3E:B0:4E:86:AC:CE:07:DF:F9:14:5D:39:D9:14:33:98:51:29:BA:9B:A0:EE:46:AB:5F:B1:FE:93:64:D5:EC:4E:DF:3C:C4:50:78:7F:8A
        a=setup:actpass
        """

    /// Lines that are plausible but often wrong where they land.
    static let interestingLines: [String] = [
        "v=0", "o=- 1 2 IN IP4 0.0.0.0", "s=", "t=0 0", "r=7d 1h", "c=IN IP6 ::1", "b=AS:0", "b=TIAS:x",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "m=audio 0/2 RTP/AVP", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8", "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1",
        "a=candidate:1 1 udp 1 ::1 9 typ host", "a=candidate:a 1 tcp 1 x.local 9 typ srflx raddr 0.0.0.0 rport 0 tcptype so",
        "a=fingerprint:sha-256 00", "a=setup:holdconn", "a=extmap:15/sendonly urn:x y", "a=rtcp-fb:* nack",
        "a=ssrc:4294967295 cname:x", "a=ssrc-group:FID", "a=group:BUNDLE", "a=msid-semantic: WMS *", "a=rtcp:9",
        "a=sctp-port:65535", "a=max-message-size:0", "x=unknown", "", "a=", "=", "a=mid", "a=mid:",
    ]

    @Test func hundredThousandInputs() {
        var mutator = Mutator(seed: 0x5D9_F022)
        let seeds = [Self.gstreamerOffer, Self.aiortcOffer].map { $0.split(separator: "\n").map { Array($0.utf8) } }
        var accepted = 0
        var rejected = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input: [UInt8]
            // The aiortc offer is four times the GStreamer one and a debug build parses it slowly,
            // so it gets one input in twenty.
            let seed = seeds[i % 20 == 19 ? 1 : 0]
            switch i % 10 {
            case 0, 1: input = mutator.randomInput(maxLength: 200)
            case 2: input = Array("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n".utf8) + mutator.randomInput(maxLength: 120)
            case 3, 4: input = mutator.mutate(Self.join(seed, &mutator))
            default: input = Self.join(Self.mutateLines(seed, &mutator), &mutator)
            }
            switch SDPFuzz.run(input) {
            case .accepted: accepted += 1
            case .rejected: rejected += 1
            case .invariantViolated(let why): violations.append("input \(i): \(why)")
            }
        }
        print("SDPFuzz: \(accepted) accepted, \(rejected) rejected")
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        #expect(accepted >= 15_000, "accepted \(accepted), rejected \(rejected)")
        #expect(rejected >= 20_000, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func seedsAreAccepted() {
        for seed in [Self.gstreamerOffer, Self.aiortcOffer] {
            #expect(SDPFuzz.run(Array(seed.utf8)) == .accepted)
        }
    }

    /// Joins lines with CRLF or LF, sometimes without the final line ending.
    static func join(_ lines: [[UInt8]], _ mutator: inout Mutator) -> [UInt8] {
        let ending: [UInt8] = Bool.random(using: &mutator.rng) ? [13, 10] : [10]
        var out: [UInt8] = []
        for line in lines {
            out += line
            out += ending
        }
        if Int.random(in: 0..<8, using: &mutator.rng) == 0 { out.removeLast(ending.count) }
        return out
    }

    /// One to three line-level edits: drop, duplicate, swap, insert an interesting line, or
    /// mutate the bytes of one line.
    static func mutateLines(_ seed: [[UInt8]], _ mutator: inout Mutator) -> [[UInt8]] {
        var lines = seed
        for _ in 0..<Int.random(in: 1...3, using: &mutator.rng) {
            guard !lines.isEmpty else { break }
            let i = Int.random(in: 0..<lines.count, using: &mutator.rng)
            switch Int.random(in: 0..<6, using: &mutator.rng) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: Int.random(in: 0...lines.count, using: &mutator.rng))
            case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &mutator.rng))
            case 3:
                let line = interestingLines[Int.random(in: 0..<interestingLines.count, using: &mutator.rng)]
                lines.insert(Array(line.utf8), at: Int.random(in: 1...lines.count, using: &mutator.rng))
            default: lines[i] = mutator.mutate(lines[i])
            }
        }
        return lines
    }
}
