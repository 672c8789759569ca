import RTP
import Testing
import WireKit

/// Sender and receiver reports (RFC 3550 §6.4), NTP timestamps and round-trip time.
@Suite struct RTCPReportTests {
    // SR with one report block, worked out from the RFC 3550 §6.4.1 layout
    // (cross-checked: aiortc 1.16 writes the same bytes).
    static let senderReport = """
        81c8000c 11223344 e1b60c2a 80000000 0001e240 00000064 00003e80
        aabbccdd 40000005 00010010 00000020 12345678 00018000
        """

    @Test func senderReportFields() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes(Self.senderReport))
        guard case .senderReport(let sr) = packet else {
            Issue.record("expected SR, got \(packet)")
            return
        }
        #expect(sr.ssrc == 0x1122_3344)
        #expect(sr.ntpTimestamp.seconds == 0xE1B6_0C2A)
        #expect(sr.ntpTimestamp.fraction == 0x8000_0000)
        #expect(sr.rtpTimestamp == 123_456)
        #expect(sr.packetCount == 100)
        #expect(sr.octetCount == 16_000)
        #expect(sr.profileExtension.isEmpty)
        #expect(
            sr.reportBlocks == [
                RTCPReportBlock(
                    ssrc: 0xAABB_CCDD, fractionLost: 64, cumulativeLost: 5, extendedHighestSequence: 0x0001_0010,
                    jitter: 32, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 0x0001_8000)
            ])
    }

    @Test func senderReportBuiltFromFieldsMatchesVector() throws {
        let sr = RTCPSenderReport(
            ssrc: 0x1122_3344, ntpTimestamp: NTPTimestamp(seconds: 0xE1B6_0C2A, fraction: 0x8000_0000),
            rtpTimestamp: 123_456, packetCount: 100, octetCount: 16_000,
            reportBlocks: [
                RTCPReportBlock(
                    ssrc: 0xAABB_CCDD, fractionLost: 64, cumulativeLost: 5, extendedHighestSequence: 0x0001_0010,
                    jitter: 32, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 0x0001_8000)
            ])
        #expect(try RTCPPacket.senderReport(sr).serialized() == (try rtcpBytes(Self.senderReport)))
    }

    @Test func senderReportKeepsProfileExtension() throws {
        // RC=0, then 8 bytes of extension after the sender info.
        let bytes = try rtcpBytes("80c80008 00000001 00000002 00000003 00000004 00000005 00000006 cafebabe 01020304")
        let packet = try rtcpRoundTrip(bytes)
        guard case .senderReport(let sr) = packet else {
            Issue.record("expected SR")
            return
        }
        #expect(sr.reportBlocks.isEmpty)
        #expect(sr.profileExtension == [0xCA, 0xFE, 0xBA, 0xBE, 1, 2, 3, 4])
    }

    @Test func receiverReportWithNegativeCumulativeLoss() throws {
        let bytes = try rtcpBytes("81c90007 01020304 05060708 00ffffff 0000ffff 00000000 00000000 00000000")
        let packet = try rtcpRoundTrip(bytes)
        #expect(
            packet
                == .receiverReport(
                    RTCPReceiverReport(
                        ssrc: 0x0102_0304,
                        reportBlocks: [
                            RTCPReportBlock(ssrc: 0x0506_0708, cumulativeLost: -1, extendedHighestSequence: 0xFFFF)
                        ])))
    }

    @Test func cumulativeLostExtremes() throws {
        // 0x800000 is the most negative 24-bit value, 0x7fffff the largest.
        let low = try rtcpRoundTrip(try rtcpBytes("81c90007 00000001 00000002 1a800000 00000000 00000000 00000000 00000000"))
        let high = try rtcpRoundTrip(try rtcpBytes("81c90007 00000001 00000002 1a7fffff 00000000 00000000 00000000 00000000"))
        guard case .receiverReport(let l) = low, case .receiverReport(let h) = high else {
            Issue.record("expected RRs")
            return
        }
        #expect(l.reportBlocks.first?.cumulativeLost == -8_388_608)
        #expect(l.reportBlocks.first?.fractionLost == 0x1A)
        #expect(h.reportBlocks.first?.cumulativeLost == 8_388_607)

        // Out-of-range counts are clamped when written, as RFC 3550 §6.4.1 asks.
        let clamped = RTCPReceiverReport(ssrc: 1, reportBlocks: [RTCPReportBlock(ssrc: 2, cumulativeLost: -9_000_000)])
        #expect(Array(try RTCPPacket.receiverReport(clamped).serialized()[12..<16]) == [0x00, 0x80, 0x00, 0x00])
    }

    @Test func emptyReceiverReport() throws {
        #expect(try rtcpRoundTrip(try rtcpBytes("80c90001 00000001")) == .receiverReport(RTCPReceiverReport(ssrc: 1)))
    }

    @Test func tooManyReportBlocksIsNotEncodable() {
        let rr = RTCPReceiverReport(ssrc: 1, reportBlocks: Array(repeating: RTCPReportBlock(ssrc: 2), count: 32))
        #expect(throws: RTCPError.notEncodable(.count, value: 32, limit: 31)) { try RTCPPacket.receiverReport(rr).serialized() }
    }

    // MARK: NTP and RTT

    @Test func ntpFromUnixNanoseconds() {
        // 2024-01-01T00:00:00.5Z: 1704067200 s after the Unix epoch, 3913056000 after 1900.
        let ntp = NTPTimestamp(unixNanoseconds: 1_704_067_200_500_000_000)
        #expect(ntp.seconds == 0xE93C_7F00)
        #expect(ntp.fraction == 0x8000_0000)
        #expect(ntp.rawValue == 0xE93C_7F00_8000_0000)
        #expect(ntp.compact == 0x7F00_8000)
        #expect(ntp.unixNanoseconds == 1_704_067_200_500_000_000)
    }

    @Test func ntpFractionAndInverse() {
        let ntp = NTPTimestamp(unixNanoseconds: 123_456_789)
        #expect(ntp.seconds == 2_208_988_800)
        #expect(ntp.fraction == 0x1F9A_DD37)  // floor(0.123456789 × 2^32)
        #expect(ntp.unixNanoseconds == 123_456_789)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let nanos = Int64.random(in: 0...4_000_000_000_000_000_000, using: &rng)
            #expect(NTPTimestamp(unixNanoseconds: nanos).unixNanoseconds == nanos)
        }
    }

    @Test func ntpEraOneAfter2036() {
        // 70 years after 1970 (late 2039): past the NTP era 0 rollover of 2036-02-07T06:28:16Z.
        let nanos: Int64 = 2_208_988_800 * 1_000_000_000
        let ntp = NTPTimestamp(unixNanoseconds: nanos)
        #expect(ntp.seconds == UInt32((2_208_988_800 + 2_208_988_800) - (1 << 32)))
        #expect(ntp.unixNanoseconds == nanos)
    }

    @Test func compactDurations() {
        #expect(NTPTimestamp.compactDuration(nanoseconds: 5_250_000_000) == 0x0005_4000)
        #expect(NTPTimestamp.compactDuration(nanoseconds: -1) == 0)
        #expect(NTPTimestamp.compactDuration(nanoseconds: 70_000 * 1_000_000_000) == .max)
        #expect(NTPTimestamp.nanoseconds(compact: 0x0006_2000) == 6_125_000_000)
    }

    @Test func roundTripTimeFromRFC3550Example() {
        // RFC 3550 §6.4.1: LSR 0xb705:2030, DLSR 0x0005:4000, A 0xb710:8000 → RTT "6.125 s".
        // The RFC prints rounded seconds; the exact difference is 0x0006:1fd0 (6.12427 s).
        let block = RTCPReportBlock(ssrc: 1, lastSenderReport: 0xB705_2030, delaySinceLastSenderReport: 0x0005_4000)
        let arrival = NTPTimestamp(rawValue: 0x0000_B710_8000_0000)
        #expect(block.roundTripTime(arrival: arrival) == 0x0006_1FD0)
        #expect(block.roundTripDuration(arrival: arrival) == .nanoseconds(6_124_267_578))
        // With LSR 0xb705:2000 the RFC's rounded figure is exact.
        let exact = RTCPReportBlock(ssrc: 1, lastSenderReport: 0xB705_2000, delaySinceLastSenderReport: 0x0005_4000)
        #expect(exact.roundTripDuration(arrival: arrival) == .nanoseconds(6_125_000_000))
    }

    @Test func roundTripTimeEdgeCases() {
        let arrival = NTPTimestamp(rawValue: 0x0000_0001_0000_0000)  // compact 0x00010000
        // No SR seen yet.
        #expect(RTCPReportBlock(ssrc: 1).roundTripTime(arrival: arrival) == nil)
        // Compact time wrapped between the SR and the RR: 0xffff8000 → 0x00010000 is 1.5 s.
        let wrapped = RTCPReportBlock(ssrc: 1, lastSenderReport: 0xFFFF_8000, delaySinceLastSenderReport: 0x0000_8000)
        #expect(wrapped.roundTripTime(arrival: arrival) == 0x0001_0000)
        // Clock error making the difference negative gives 0, not a huge value.
        let skewed = RTCPReportBlock(ssrc: 1, lastSenderReport: 0x0000_8000, delaySinceLastSenderReport: 0x0001_0000)
        #expect(skewed.roundTripTime(arrival: arrival) == 0)
    }
}
