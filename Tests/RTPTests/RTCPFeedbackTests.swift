import RTP
import Testing
import WireKit

/// Generic NACK, PLI, FIR and REMB (RFC 4585 §6.2.1 and §6.3.1, RFC 5104 §4.3.1,
/// draft-alvestrand-rmcat-remb §2.2).
@Suite struct RTCPFeedbackTests {
    // MARK: Generic NACK

    @Test func nackWrappingPastSequence65535() throws {
        // PID 65534, BLP 0b101: 65534, 65535 (bit 0) and 65534 + 3 = 1 (bit 2).
        let bytes = try rtcpBytes("81cd0003 00000001 11223344 fffe0005")
        let packet = try rtcpRoundTrip(bytes)
        guard case .nack(let nack) = packet else {
            Issue.record("expected NACK, got \(packet)")
            return
        }
        #expect(nack.senderSSRC == 1)
        #expect(nack.mediaSSRC == 0x1122_3344)
        #expect(nack.entries == [.init(packetID: 0xFFFE, lostBitmask: 0x0005)])
        #expect(nack.lostSequenceNumbers == [65534, 65535, 1])
        let built = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x1122_3344, lostSequenceNumbers: [65534, 65535, 1])
        #expect(try RTCPPacket.nack(built).serialized() == bytes)
    }

    @Test func nackBuiltFromListSplitsEntries() throws {
        // 117 is 17 after 100, one past what a BLP can reach, so it starts a second entry.
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x1122_3344, lostSequenceNumbers: [100, 101, 103, 117, 118])
        #expect(try RTCPPacket.nack(nack).serialized() == (try rtcpBytes("81cd0004 00000001 11223344 00640005 00750001")))
        #expect(nack.lostSequenceNumbers == [100, 101, 103, 117, 118])
    }

    @Test func nackBuilderOrdersAndDeduplicates() {
        let nack = RTCPGenericNACK(senderSSRC: 0, mediaSSRC: 0, lostSequenceNumbers: [65535, 5, 65535, 0, 16])
        // Ordered by distance after 65535: 65535, 0, 5, 16; 16 is 17 after 65535.
        #expect(nack.entries == [.init(packetID: 65535, lostBitmask: 0b10_0001), .init(packetID: 16)])
        #expect(nack.lostSequenceNumbers == [65535, 0, 5, 16])
    }

    @Test func nackFullBitmask() {
        let entry = RTCPGenericNACK.Entry(packetID: 65530, lostBitmask: 0xFFFF)
        #expect(entry.lostSequenceNumbers == [65530, 65531, 65532, 65533, 65534, 65535] + (0...10).map { UInt16($0) })
        let rebuilt = RTCPGenericNACK(senderSSRC: 0, mediaSSRC: 0, lostSequenceNumbers: entry.lostSequenceNumbers)
        #expect(rebuilt.entries == [entry])
    }

    @Test func nackRandomListsExpandBack() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let start = UInt16.random(in: 0...UInt16.max, using: &rng)
            var lost = Set<UInt16>()
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                lost.insert(start &+ UInt16.random(in: 0...200, using: &rng))
            }
            let ordered = lost.sorted { ($0 &- start) < ($1 &- start) }
            let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: ordered.shuffled(using: &rng))
            // Shuffling changes where the ordering starts, so compare as sets and check sizes.
            #expect(Set(nack.lostSequenceNumbers) == lost)
            #expect(nack.lostSequenceNumbers.count == lost.count)
            let inOrder = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: ordered)
            #expect(inOrder.lostSequenceNumbers == ordered)
        }
    }

    @Test func nackWithPartialEntryIsRejected() throws {
        let bytes = try rtcpBytes("81cd0003 00000001 11223344 fffe0005")
        // Same packet claiming 2 padding bytes leaves half an FCI entry.
        var padded = bytes
        padded[0] |= 0x20
        padded[15] = 2
        #expect(throws: RTCPError.unexpectedBytes(.nackFCI, count: 2)) { try RTCPPacket(parsing: padded) }
    }

    // MARK: PLI and FIR

    @Test func pictureLossIndication() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes("81ce0002 00000001 11223344"))
        #expect(packet == .pli(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0x1122_3344)))
    }

    @Test func pictureLossIndicationWithFCIIsRejected() throws {
        #expect(throws: RTCPError.unexpectedBytes(.pliFCI, count: 4)) {
            try RTCPPacket(parsing: try rtcpBytes("81ce0003 00000001 11223344 00000000"))
        }
    }

    @Test func feedbackWithoutMediaSSRCIsRejected() throws {
        #expect(throws: RTCPError.truncated(.feedbackHeader, needed: 4, available: 0)) {
            try RTCPPacket(parsing: try rtcpBytes("81ce0001 00000001"))
        }
    }

    @Test func fullIntraRequest() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes("84ce0004 00000001 00000000 11223344 07000000"))
        #expect(packet == .fir(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 0x1122_3344, sequenceNumber: 7)])))
    }

    @Test func fullIntraRequestTwoEntriesIgnoresReserved() throws {
        let bytes = try rtcpBytes("84ce0006 00000001 00000000 11223344 07ffffff 55667788 08000000")
        let packet = try RTCPPacket(parsing: bytes)
        #expect(
            packet
                == .fir(
                    RTCPFullIntraRequest(
                        senderSSRC: 1,
                        entries: [.init(ssrc: 0x1122_3344, sequenceNumber: 7), .init(ssrc: 0x5566_7788, sequenceNumber: 8)])))
        // Reserved bits are written as zero.
        #expect(try packet.serialized() == (try rtcpBytes("84ce0006 00000001 00000000 11223344 07000000 55667788 08000000")))
    }

    @Test func fullIntraRequestWithHalfEntryIsRejected() throws {
        #expect(throws: RTCPError.unexpectedBytes(.firFCI, count: 4)) {
            try RTCPPacket(parsing: try rtcpBytes("84ce0003 00000001 00000000 11223344"))
        }
    }

    // MARK: REMB

    @Test func remb() throws {
        // 1,500,000 bit/s = 187500 << 3: byte 0x0e is exponent 3 and the mantissa's top bits 10.
        let bytes = try rtcpBytes("8fce0005 00000001 00000000 52454d42 010edc6c 2b3c4d5e")
        let packet = try rtcpRoundTrip(bytes)
        guard case .remb(let remb) = packet else {
            Issue.record("expected REMB, got \(packet)")
            return
        }
        #expect(remb.exponent == 3)
        #expect(remb.mantissa == 187_500)
        #expect(remb.bitrate == 1_500_000)
        #expect(remb.ssrcs == [0x2B3C_4D5E])
        let built = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 1_500_000, ssrcs: [0x2B3C_4D5E])
        #expect(try RTCPPacket.remb(built).serialized() == bytes)
    }

    @Test func rembMantissaExponentExtremes() throws {
        func fci(_ bitrate: UInt64) throws -> [UInt8] {
            Array(try RTCPPacket.remb(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: bitrate, ssrcs: [])).serialized()[12...])
        }
        #expect(try fci(0) == [0x52, 0x45, 0x4D, 0x42, 0x00, 0x00, 0x00, 0x00])
        #expect(try fci(262_143) == [0x52, 0x45, 0x4D, 0x42, 0x00, 0x03, 0xFF, 0xFF])  // largest with exponent 0
        #expect(try fci(262_144) == [0x52, 0x45, 0x4D, 0x42, 0x00, 0x06, 0x00, 0x00])  // 2^17 << 1
        // UInt64.max needs exponent 46 and rounds down to a mantissa of all ones.
        let top = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: .max, ssrcs: [])
        #expect(top.exponent == 46)
        #expect(top.mantissa == 0x3FFFF)
        #expect(top.bitrate == 0x3FFFF << 46)
        // The largest wire value (exponent 63, mantissa all ones) saturates.
        let largest = try RTCPPacket(parsing: try rtcpBytes("8fce0004 00000001 00000000 52454d42 00ffffff"))
        guard case .remb(let saturated) = largest else {
            Issue.record("expected REMB")
            return
        }
        #expect(saturated.exponent == 63)
        #expect(saturated.mantissa == 0x3FFFF)
        #expect(saturated.bitrate == .max)
        #expect(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 0, mantissa: 1, exponent: 63, ssrcs: []).bitrate == 1 << 63)
    }

    @Test func rembSSRCCountMismatch() throws {
        // Claims two SSRCs, carries one.
        #expect(throws: RTCPError.truncated(.rembFCI, needed: 8, available: 4)) {
            try RTCPPacket(parsing: try rtcpBytes("8fce0005 00000001 00000000 52454d42 020edc6c 2b3c4d5e"))
        }
        // Claims none, carries one.
        #expect(throws: RTCPError.unexpectedBytes(.rembFCI, count: 4)) {
            try RTCPPacket(parsing: try rtcpBytes("8fce0005 00000001 00000000 52454d42 000edc6c 2b3c4d5e"))
        }
    }

    @Test func rembMantissaTooLargeIsNotEncodable() {
        let remb = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, mantissa: 1 << 18, exponent: 0, ssrcs: [])
        #expect(throws: RTCPError.notEncodable(.rembFCI, value: 1 << 18, limit: 0x3FFFF)) {
            try RTCPPacket.remb(remb).serialized()
        }
    }
}
