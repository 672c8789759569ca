import Testing
import WireKit

@Suite struct SocketAddressTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // RFC 5952 §4.2.3: first of equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: a single zero group stays
        ("::ffff:192.0.2.128", "::ffff:c000:280"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
    ])
    func parsesAndFormats(input: String, canonical: String) throws {
        let ip = try #require(IPAddress(input))
        #expect(ip.description == canonical)
        #expect(IPAddress(canonical) == ip)
        #expect(IPAddress(bytes: ip.bytes) == ip)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "01234.1.1.1", "a.b.c.d", ":::", "1::2::3",
        "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "1.2.3.4:", "::ffff:1.2.3", " 1.2.3.4",
    ])
    func rejectsMalformed(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func classifiesRanges() throws {
        let loop4 = try #require(IPAddress("127.0.0.5"))
        let loop6 = try #require(IPAddress("::1"))
        let link4 = try #require(IPAddress("169.254.10.1"))
        let link6 = try #require(IPAddress("fe80::abcd"))
        let priv = try #require(IPAddress("192.168.1.2"))
        let priv172 = try #require(IPAddress("172.20.0.1"))
        let pub172 = try #require(IPAddress("172.32.0.1"))
        let ula = try #require(IPAddress("fd00::5"))
        #expect(loop4.isLoopback && loop6.isLoopback)
        #expect(link4.isLinkLocal && link6.isLinkLocal && !loop6.isLinkLocal)
        #expect(priv.isPrivate && priv172.isPrivate && ula.isPrivate && !pub172.isPrivate)
        #expect(IPAddress("0.0.0.0")?.isUnspecified == true && IPAddress("::")?.isUnspecified == true)
    }

    @Test func socketAddressText() throws {
        let a = try #require(SocketAddress("10.1.2.3:5000"))
        #expect(a.port == 5000 && a.ip == IPAddress("10.1.2.3"))
        #expect(a.description == "10.1.2.3:5000")
        let b = try #require(SocketAddress("[2001:db8::7]:443"))
        #expect(b.description == "[2001:db8::7]:443")
        #expect(SocketAddress("2001:db8::7:443") == nil)
        #expect(SocketAddress("1.2.3.4:70000") == nil)
        #expect(SocketAddress("[1.2.3.4]:80") == nil)
        #expect(SocketAddress("1.2.3.4") == nil)
    }
}

@Suite struct DemultiplexerTests {
    @Test func classifiesByFirstByte() {
        // RFC 7983 §7 ranges.
        for b in 0...255 {
            let kind = Demultiplexer.classify([UInt8(b), 0x60])
            let expected: PacketKind =
                switch b {
                case 0...3: .stun
                case 16...19: .zrtp
                case 20...63: .dtls
                case 64...79: .turnChannelData
                case 128...191: .rtp
                default: .unknown
                }
            #expect(kind == expected, "first byte \(b)")
        }
    }

    @Test func separatesRTCPFromRTP() {
        #expect(Demultiplexer.classify([0x80, 200]) == .rtcp)  // SR
        #expect(Demultiplexer.classify([0x81, 205]) == .rtcp)  // RTPFB
        #expect(Demultiplexer.classify([0x80, 223]) == .rtcp)
        #expect(Demultiplexer.classify([0x80, 96]) == .rtp)
        #expect(Demultiplexer.classify([0x80, 0xE0]) == .rtp)  // marker + PT 96
        #expect(Demultiplexer.classify([0x80]) == .rtp)
        #expect(Demultiplexer.classify([UInt8]()) == .unknown)
    }
}

@Suite struct HexAndTimeTests {
    @Test func hexRoundTrip() {
        let bytes: [UInt8] = [0x00, 0x0F, 0xA0, 0xFF]
        #expect(Hex.encode(bytes) == "000fa0ff")
        #expect(Hex.encode(bytes, separator: ":", uppercase: true) == "00:0F:A0:FF")
        #expect(Hex.decode("00:0F:a0:FF") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func instantArithmetic() {
        let t0 = Instant(nanoseconds: 1_000)
        let t1 = t0 + .milliseconds(50)
        #expect(t1.nanoseconds == 50_001_000)
        #expect(t1 - t0 == .milliseconds(50))
        #expect((t1 - .milliseconds(50)) == t0)
        #expect(Duration.seconds(3).milliseconds == 3000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
    }

    @Test func splitMixIsDeterministic() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        #expect(a.bytes(64) == b.bytes(64))
        var c = SplitMix64(seed: 43)
        #expect(a.next() != c.next())
    }
}
