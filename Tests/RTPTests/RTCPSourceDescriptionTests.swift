import RTP
import Testing
import WireKit

/// SDES, BYE, APP and packets kept uninterpreted (RFC 3550 §6.5–6.7, RFC 3611).
@Suite struct RTCPSourceDescriptionTests {
    @Test func cnameChunk() throws {
        // CNAME "kvs-master": 8 + 12 bytes, then END and 3 more null octets to the boundary.
        let bytes = try rtcpBytes("81ca0005 11223344 010a6b76 732d6d61 73746572 00000000")
        let packet = try rtcpRoundTrip(bytes)
        #expect(packet == .sourceDescription(RTCPSourceDescription(source: 0x1122_3344, cname: "kvs-master")))
        guard case .sourceDescription(let sdes) = packet else { return }
        #expect(sdes.chunks.first?.items.first?.type == .cname)
        #expect(sdes.chunks.first?.items.first?.text == "kvs-master")
    }

    @Test func twoChunksOneWithoutItems() throws {
        // Chunk 1: CNAME "a", NAME "Bo", END landing exactly on a boundary (no extra padding).
        // Chunk 2: no items, so END plus three null octets (RFC 3550 §6.5).
        let bytes = try rtcpBytes("82ca0005 01020304 01016102 02426f00 05060708 00000000")
        let packet = try rtcpRoundTrip(bytes)
        let expected = RTCPSourceDescription(chunks: [
            .init(source: 0x0102_0304, items: [RTCPSDESItem(.cname, text: "a"), RTCPSDESItem(.name, text: "Bo")]),
            .init(source: 0x0506_0708, items: []),
        ])
        #expect(packet == .sourceDescription(expected))
    }

    @Test func everyItemTypeRoundTrips() throws {
        let types: [RTCPSDESItem.ItemType] = [.cname, .name, .email, .phone, .location, .tool, .note, .priv]
        let items = types.enumerated().map { RTCPSDESItem($1, value: Array(repeating: UInt8(0x41 + $0), count: $0)) }
        let packet = RTCPPacket.sourceDescription(RTCPSourceDescription(chunks: [.init(source: 9, items: items)]))
        let bytes = try packet.serialized()
        // 8 header+SSRC, items 2×8 + 0+1+…+7 = 44, END → 53, padded to 56.
        #expect(bytes.count == 56)
        #expect(Array(bytes[0..<4]) == [0x81, 0xCA, 0x00, 0x0D])
        #expect(try RTCPPacket(parsing: bytes) == packet)
    }

    @Test func itemMissingEndIsRejected() throws {
        // The item list runs to the end of the packet without a null item.
        let bytes = try rtcpBytes("81ca0002 11223344 01026162")
        #expect(throws: RTCPError.truncated(.sdesChunk, needed: 1, available: 0)) { try RTCPPacket(parsing: bytes) }
    }

    @Test func itemLongerThanPacketIsRejected() throws {
        let bytes = try rtcpBytes("81ca0002 11223344 01106162")
        #expect(throws: RTCPError.truncated(.sdesItem, needed: 16, available: 2)) { try RTCPPacket(parsing: bytes) }
    }

    @Test func fewerChunksThanCountIsRejected() throws {
        let bytes = try rtcpBytes("82ca0002 11223344 00000000")
        #expect(throws: RTCPError.truncated(.sdesChunk, needed: 4, available: 0)) { try RTCPPacket(parsing: bytes) }
    }

    @Test func itemTooLongIsNotEncodable() {
        let sdes = RTCPSourceDescription(chunks: [.init(source: 1, items: [RTCPSDESItem(.note, value: Array(repeating: 0x61, count: 256))])])
        #expect(throws: RTCPError.notEncodable(.sdesItem, value: 256, limit: 255)) {
            try RTCPPacket.sourceDescription(sdes).serialized()
        }
    }

    // MARK: BYE

    @Test func byeWithReason() throws {
        // Reason "shutdown": length octet + 8 bytes, padded with 3 nulls.
        let bytes = try rtcpBytes("81cb0004 11223344 08736875 74646f77 6e000000")
        let packet = try rtcpRoundTrip(bytes)
        #expect(packet == .bye(RTCPGoodbye(sources: [0x1122_3344], reasonText: "shutdown")))
        guard case .bye(let bye) = packet else { return }
        #expect(bye.reasonText == "shutdown")
    }

    @Test func byeWithoutReason() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes("82cb0002 11223344 55667788"))
        #expect(packet == .bye(RTCPGoodbye(sources: [0x1122_3344, 0x5566_7788])))
    }

    @Test func byeWithEmptyReason() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes("81cb0002 11223344 00000000"))
        #expect(packet == .bye(RTCPGoodbye(sources: [0x1122_3344], reason: [])))
    }

    @Test func byeReasonBeyondPacket() throws {
        let bytes = try rtcpBytes("81cb0002 11223344 09736875")
        #expect(throws: RTCPError.truncated(.byeReason, needed: 9, available: 3)) { try RTCPPacket(parsing: bytes) }
    }

    @Test func byeMissingSources() throws {
        let bytes = try rtcpBytes("83cb0002 11223344 55667788")
        #expect(throws: RTCPError.truncated(.byeSources, needed: 12, available: 8)) { try RTCPPacket(parsing: bytes) }
    }

    // MARK: APP and unknown

    @Test func applicationDefined() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes("83cc0003 11223344 54455354 01020304"))
        #expect(packet == .app(RTCPApplicationDefined(subtype: 3, ssrc: 0x1122_3344, name: 0x5445_5354, data: [1, 2, 3, 4])))
        guard case .app(let app) = packet else { return }
        #expect(app.nameText == "TEST")
    }

    @Test func extendedReportKeptAsUnknown() throws {
        // XR (RFC 3611 §4.4) with a receiver reference time block, as Chromium sends.
        let bytes = try rtcpBytes("80cf0004 11223344 04000002 e93c7f00 80000000")
        let packet = try rtcpRoundTrip(bytes)
        #expect(packet == .unknown(type: 207, count: 0, payload: Array(bytes[4...])))
    }

    @Test func unknownFeedbackFormatsKept() throws {
        // RTPFB FMT 3 (TMMBR) and PSFB FMT 15 that is not REMB.
        let tmmbr = try rtcpBytes("83cd0004 00000001 00000000 11223344 04000001")
        #expect(try rtcpRoundTrip(tmmbr) == .unknown(type: 205, count: 3, payload: Array(tmmbr[4...])))
        let afb = try rtcpBytes("8fce0003 00000001 00000000 41424344")
        #expect(try rtcpRoundTrip(afb) == .unknown(type: 206, count: 15, payload: Array(afb[4...])))
    }

    @Test func unalignedRawPayloadIsWrittenWithPadding() throws {
        let packet = RTCPPacket.unknown(type: 210, count: 1, payload: [1, 2, 3, 4, 5])
        let bytes = try packet.serialized()
        #expect(bytes == [0xA1, 210, 0x00, 0x02, 1, 2, 3, 4, 5, 0, 0, 3])
        #expect(try RTCPPacket(parsing: bytes) == packet)
    }
}
