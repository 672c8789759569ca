import RTP
import Testing
import WireKit

/// Compound and reduced-size RTCP (RFC 3550 §6.1 and Appendix A.2, RFC 5506 §3).
@Suite struct RTCPCompoundTests {
    static let rrPlusREMB = "80c90001 00000001 8fce0005 00000001 00000000 52454d42 010edc6c 2b3c4d5e"

    @Test func senderReportPlusSDES() throws {
        let datagram = try rtcpBytes(RTCPReportTests.senderReport + "81ca0005 11223344 010a6b76 732d6d61 73746572 00000000")
        let packets = try RTCPCompound.parse(datagram)
        #expect(packets.count == 2)
        guard case .senderReport(let sr) = packets.first else {
            Issue.record("expected SR first")
            return
        }
        #expect(sr.ssrc == 0x1122_3344)
        #expect(packets.last == .sourceDescription(RTCPSourceDescription(source: 0x1122_3344, cname: "kvs-master")))
        #expect(try RTCPCompound.serialize(packets) == datagram)
    }

    @Test func chromiumStyleReceiverReportPlusREMB() throws {
        // A receive-only peer's compound: empty RR from SSRC 1, then REMB for one stream.
        // (aiortc 1.16 writes the same bytes for these fields.)
        let datagram = try rtcpBytes(Self.rrPlusREMB)
        let packets = try RTCPCompound.parse(datagram)
        #expect(
            packets == [
                .receiverReport(RTCPReceiverReport(ssrc: 1)),
                .remb(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, mantissa: 187_500, exponent: 3, ssrcs: [0x2B3C_4D5E])),
            ])
        #expect(try RTCPCompound.serialize(packets) == datagram)
    }

    @Test func reducedSizeFeedbackOnly() throws {
        // RFC 5506: no SR/RR first; a NACK, a PLI and a transport-wide feedback alone.
        let nack = try RTCPCompound.parse(try rtcpBytes("81cd0003 00000001 11223344 fffe0005"))
        #expect(nack.count == 1)
        let twcc = try RTCPCompound.parse(try rtcpBytes(RTCPTransportWideFeedbackTests.feedback))
        #expect(twcc.count == 1)
        let pair = try RTCPCompound.parse(try rtcpBytes("81ce0002 00000001 11223344 81cd0003 00000001 11223344 00100000"))
        #expect(
            pair == [
                .pli(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0x1122_3344)),
                .nack(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x1122_3344, entries: [.init(packetID: 16)])),
            ])
    }

    @Test func paddingOnLastPacket() throws {
        // RR + BYE where the BYE carries 4 octets of RFC 3550 padding.
        let datagram = try rtcpBytes("80c90001 00000001 a1cb0002 00000001 00000004")
        #expect(try RTCPCompound.parse(datagram) == [.receiverReport(RTCPReceiverReport(ssrc: 1)), .bye(RTCPGoodbye(sources: [1]))])
    }

    @Test func paddedFeedbackInTheMiddleIsAccepted() throws {
        // libwebrtc pads transport-wide feedback and may send two in one datagram.
        var first = try rtcpBytes(RTCPTransportWideFeedbackTests.feedback)
        first[0] |= 0x20
        first[first.count - 1] = 3
        let datagram = first + (try rtcpBytes("81ce0002 00000001 11223344"))
        let packets = try RTCPCompound.parse(datagram)
        #expect(packets.count == 2)
        #expect(packets.last == .pli(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0x1122_3344)))
    }

    // MARK: Errors

    @Test func badVersion() throws {
        #expect(throws: RTCPError.unsupportedVersion(1)) { try RTCPCompound.parse(try rtcpBytes("41c90001 00000001")) }
        // The second packet of a compound is checked too.
        let result = RTCPCompound.parseLeniently(try rtcpBytes("80c90001 00000001 00c90001 00000001"))
        #expect(result.packets == [.receiverReport(RTCPReceiverReport(ssrc: 1))])
        #expect(result.error == .unsupportedVersion(0))
    }

    @Test func lengthBeyondDatagram() throws {
        #expect(throws: RTCPError.lengthExceedsDatagram(declared: 24, available: 8)) {
            try RTCPCompound.parse(try rtcpBytes("80c90005 00000001"))
        }
    }

    @Test func truncatedReportBlock() throws {
        // RC = 1 but only 8 of the block's 24 bytes.
        #expect(throws: RTCPError.truncated(.reportBlock, needed: 24, available: 8)) {
            try RTCPCompound.parse(try rtcpBytes("81c90003 00000001 00000002 00000000"))
        }
    }

    @Test func paddingBitWithBadPaddingCount() throws {
        #expect(throws: RTCPError.invalidPadding(count: 0, packetLength: 8)) {
            try RTCPCompound.parse(try rtcpBytes("a0c90001 00000000"))
        }
        #expect(throws: RTCPError.invalidPadding(count: 9, packetLength: 8)) {
            try RTCPCompound.parse(try rtcpBytes("a0c90001 00000009"))
        }
        // A valid count of 4 leaves an RR without its SSRC.
        #expect(throws: RTCPError.truncated(.senderInfo, needed: 4, available: 0)) {
            try RTCPCompound.parse(try rtcpBytes("a0c90001 00000004"))
        }
    }

    @Test func emptyAndShortDatagrams() throws {
        #expect(throws: RTCPError.truncatedHeader(available: 0)) { try RTCPCompound.parse([]) }
        #expect(throws: RTCPError.truncatedHeader(available: 3)) { try RTCPCompound.parse([0x80, 0xC9, 0x00]) }
        // Three stray bytes after a complete packet.
        let result = RTCPCompound.parseLeniently(try rtcpBytes("80c90001 00000001 80c900"))
        #expect(result.packets == [.receiverReport(RTCPReceiverReport(ssrc: 1))])
        #expect(result.error == .truncatedHeader(available: 3))
    }

    @Test func lenientParseKeepsPacketsBeforeDamage() throws {
        // RR + REMB, then a NACK whose FCI is cut short by a bad length.
        let datagram = try rtcpBytes(Self.rrPlusREMB + "81cd0004 00000001 11223344 fffe0005")
        #expect(throws: RTCPError.lengthExceedsDatagram(declared: 20, available: 16)) { try RTCPCompound.parse(datagram) }
        let result = RTCPCompound.parseLeniently(datagram)
        #expect(result.packets.count == 2)
        #expect(result.packets == (try RTCPCompound.parse(try rtcpBytes(Self.rrPlusREMB))))
        #expect(result.error == .lengthExceedsDatagram(declared: 20, available: 16))
        // A whole datagram gives no error.
        #expect(RTCPCompound.parseLeniently(try rtcpBytes(Self.rrPlusREMB)).error == nil)
    }

    @Test func singlePacketParseRejectsTrailingBytes() throws {
        #expect(throws: RTCPError.unexpectedBytes(.packetLength, count: 8)) {
            try RTCPPacket(parsing: try rtcpBytes("80c90001 00000001 80c90001 00000002"))
        }
    }

    @Test func failedSerializeLeavesWriterUnchanged() {
        var writer = ByteWriter()
        writer.writeU32(0xDEAD_BEEF)
        let bad = RTCPPacket.bye(RTCPGoodbye(sources: [], reason: Array(repeating: 0x61, count: 300)))
        #expect(throws: RTCPError.notEncodable(.byeReason, value: 300, limit: 255)) {
            try RTCPCompound.serialize([.pli(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)), bad], into: &writer)
        }
        #expect(writer.bytes == [0xDE, 0xAD, 0xBE, 0xEF])
    }

    // MARK: Round trips

    @Test func seededRandomCompoundsRoundTrip() throws {
        var random = RTCPRandomPackets(seed: 0x5EED)
        var kinds = Set<String>()
        for _ in 0..<2000 {
            let packets = (0..<random.int(1...5)).map { _ in random.packet() }
            for packet in packets { kinds.insert(String(describing: packet).prefix { $0 != "(" }.description) }
            let bytes = try RTCPCompound.serialize(packets)
            #expect(bytes.count % 4 == 0)
            let parsed = try RTCPCompound.parse(bytes)
            #expect(parsed == packets)
            // Writing the parsed packets again gives the same datagram.
            #expect(try RTCPCompound.serialize(parsed) == bytes)
        }
        #expect(kinds.count == 11)
    }
}
