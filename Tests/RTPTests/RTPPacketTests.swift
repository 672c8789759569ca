import RTP
import Testing

@Suite("RTP packet (RFC 3550 §5.1, RFC 8285)")
struct RTPPacketTests {
    @Test func minimalHeaderParsesAndSerializesBack() throws {
        let bytes: [UInt8] = [
            0x80, 0x60, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
            0x01, 0x02, 0x03,
        ]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.header.marker == false)
        #expect(packet.header.payloadType == 96)
        #expect(packet.header.sequenceNumber == 0x1234)
        #expect(packet.header.timestamp == 0x5678)
        #expect(packet.header.ssrc == 0x9ABC_DEF0)
        #expect(packet.header.csrcs == [])
        #expect(packet.header.headerExtension == nil)
        #expect(Array(packet.payload) == [1, 2, 3])
        #expect(packet.paddingLength == 0)
        #expect(try packet.serialized() == bytes)
        #expect(packet.encodedLength == bytes.count)
    }

    @Test func payloadIsASliceOfTheInput() throws {
        let bytes: [UInt8] = [0x80, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xAA, 0xBB]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.payload.startIndex == 12)
        #expect(packet.payload.endIndex == 14)
    }

    @Test func csrcsAndMarker() throws {
        let bytes: [UInt8] = [
            0x82, 0xEF, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x01,
            0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
            0xCA, 0xFE,
        ]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.header.marker)
        #expect(packet.header.payloadType == 111)
        #expect(packet.header.sequenceNumber == 0xFFFF)
        #expect(packet.header.timestamp == 0xDEAD_BEEF)
        #expect(packet.header.ssrc == 1)
        #expect(packet.header.csrcs == [0x1111_1111, 0x2222_2222])
        #expect(Array(packet.payload) == [0xCA, 0xFE])
        #expect(try packet.serialized() == bytes)
    }

    /// One-byte form with a padding byte between elements and one at the end.
    static let oneByteExtensionPacket: [UInt8] = [
        0x90, 0x60, 0x00, 0x07, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20,
        0xBE, 0xDE, 0x00, 0x02,
        0x10, 0xAA, 0x00, 0x22, 0x01, 0x02, 0x03, 0x00,
        0x99,
    ]

    @Test func oneByteHeaderExtension() throws {
        let packet = try RTPPacket(parsing: Self.oneByteExtensionPacket)
        let ext = try #require(packet.header.headerExtension)
        #expect(ext.profile == 0xBEDE)
        #expect(ext.form == .oneByte)
        #expect(Array(ext.data) == [0x10, 0xAA, 0x00, 0x22, 0x01, 0x02, 0x03, 0x00])
        let elements = try ext.elements()
        #expect(elements == [
            RTPHeaderExtensionElement(id: 1, data: [0xAA]),
            RTPHeaderExtensionElement(id: 2, data: [0x01, 0x02, 0x03]),
        ])
        #expect(ext.element(id: 2).map(Array.init) == [0x01, 0x02, 0x03])
        #expect(ext.element(id: 3) == nil)
        #expect(Array(packet.payload) == [0x99])
        #expect(try packet.serialized() == Self.oneByteExtensionPacket)
    }

    @Test func oneByteIdentifier15StopsParsing() throws {
        let ext = RTPHeaderExtension(profile: 0xBEDE, data: [0x10, 0xAA, 0xF0, 0x20, 0xBB, 0x00, 0x00, 0x00][...])
        #expect(try ext.elements() == [RTPHeaderExtensionElement(id: 1, data: [0xAA])])
    }

    @Test func oneByteSixteenByteElement() throws {
        let data: [UInt8] = Array(1...16)
        let ext = try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 14, data: data)])
        #expect(Array(ext.data) == [0xEF] + data + [0, 0, 0])
        #expect(try ext.elements() == [RTPHeaderExtensionElement(id: 14, data: data)])
    }

    @Test func twoByteHeaderExtension() throws {
        let bytes: [UInt8] = [
            0x90, 0x60, 0x00, 0x07, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20,
            0x10, 0x03, 0x00, 0x02,
            0x01, 0x00, 0x00, 0xFF, 0x02, 0xBB, 0xCC, 0x00,
            0x42,
        ]
        let packet = try RTPPacket(parsing: bytes)
        let ext = try #require(packet.header.headerExtension)
        #expect(ext.form == .twoByte(appBits: 3))
        #expect(try ext.elements() == [
            RTPHeaderExtensionElement(id: 1, data: []),
            RTPHeaderExtensionElement(id: 255, data: [0xBB, 0xCC]),
        ])
        #expect(try packet.serialized() == bytes)
        let rebuilt = try RTPHeaderExtension(
            twoByte: [RTPHeaderExtensionElement(id: 1, data: []), RTPHeaderExtensionElement(id: 255, data: [0xBB, 0xCC])],
            appBits: 3)
        #expect(rebuilt.profile == 0x1003)
        #expect(Array(rebuilt.data) == [0x01, 0x00, 0xFF, 0x02, 0xBB, 0xCC, 0x00, 0x00])
    }

    @Test func builtOneByteExtensionMatchesHandEncoding() throws {
        let ext = try RTPHeaderExtension(oneByte: [
            RTPHeaderExtensionElement(id: 1, data: [0xAA]),
            RTPHeaderExtensionElement(id: 2, data: [0x01, 0x02, 0x03]),
        ])
        #expect(ext.profile == 0xBEDE)
        #expect(Array(ext.data) == [0x10, 0xAA, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00])
        let header = RTPHeader(payloadType: 96, sequenceNumber: 7, timestamp: 0x10, ssrc: 0x20, headerExtension: ext)
        var out: [UInt8] = []
        try RTPPacket(header: header, payload: [0x99]).write(into: &out)
        #expect(out == [
            0x90, 0x60, 0x00, 0x07, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20,
            0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00, 0x99,
        ])
    }

    @Test func unknownProfileIsKeptRaw() throws {
        let bytes: [UInt8] = [
            0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
            0xAB, 0xCD, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF,
        ]
        let packet = try RTPPacket(parsing: bytes)
        let ext = try #require(packet.header.headerExtension)
        #expect(ext.profile == 0xABCD)
        #expect(ext.form == .other)
        #expect(Array(ext.data) == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(throws: RTPError.notRFC8285Extension(profile: 0xABCD)) { try ext.elements() }
        #expect(packet.payload.isEmpty)
        #expect(try packet.serialized() == bytes)
    }

    @Test func paddingIsCountedByTheLastByte() throws {
        let bytes: [UInt8] = [
            0xA0, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x05,
            0x01, 0x02, 0x00, 0x00, 0x03,
        ]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.header.payloadType == 8)
        #expect(Array(packet.payload) == [1, 2])
        #expect(packet.paddingLength == 3)
        #expect(try packet.serialized() == bytes)
    }

    @Test func paddingOnlyPacket() throws {
        let bytes: [UInt8] = [0xA0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x00, 0x02]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.payload.isEmpty)
        #expect(packet.paddingLength == 2)
        #expect(try packet.serialized() == bytes)
    }

    @Test func parseErrors() {
        #expect(throws: RTPError.truncated(needed: 4, available: 3)) {
            try RTPPacket(parsing: [0x80, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0])
        }
        #expect(throws: RTPError.truncated(needed: 1, available: 0)) { try RTPPacket(parsing: []) }
        #expect(throws: RTPError.unsupportedVersion(1)) {
            try RTPPacket(parsing: [0x40, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
        }
        #expect(throws: RTPError.truncated(needed: 12, available: 8)) {
            try RTPPacket(parsing: [0x83, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3] + [UInt8](repeating: 7, count: 8))
        }
        // Extension claims 2 words, only 1 present.
        #expect(throws: RTPError.truncated(needed: 8, available: 4)) {
            try RTPPacket(parsing: [0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0x00, 0x02, 1, 2, 3, 4])
        }
        #expect(throws: RTPError.truncated(needed: 2, available: 1)) {
            try RTPPacket(parsing: [0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0x00])
        }
        // Padding count of zero, and larger than what follows the header.
        #expect(throws: RTPError.invalidPadding(count: 0, available: 2)) {
            try RTPPacket(parsing: [0xA0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x01, 0x00])
        }
        #expect(throws: RTPError.invalidPadding(count: 5, available: 2)) {
            try RTPPacket(parsing: [0xA0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x01, 0x05])
        }
        #expect(throws: RTPError.invalidPadding(count: 0, available: 0)) {
            try RTPPacket(parsing: [0xA0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
        }
    }

    @Test func extensionElementErrors() throws {
        // One-byte element of 4 bytes with only 2 left in the block.
        let overrun = RTPHeaderExtension(profile: 0xBEDE, data: [0x00, 0x13, 0x01, 0x02][...])
        #expect(throws: RTPError.invalidExtensionElement(id: 1, length: 4)) { try overrun.elements() }
        #expect(overrun.element(id: 1) == nil)
        let twoByteOverrun = RTPHeaderExtension(profile: 0x1000, data: [0x05, 0x09, 0x01, 0x02][...])
        #expect(throws: RTPError.invalidExtensionElement(id: 5, length: 9)) { try twoByteOverrun.elements() }
        let twoByteCut = RTPHeaderExtension(profile: 0x1000, data: [0x00, 0x00, 0x00, 0x07][...])
        #expect(throws: RTPError.invalidExtensionElement(id: 7, length: -1)) { try twoByteCut.elements() }
        #expect(throws: RTPError.invalidExtensionElement(id: 15, length: 1)) {
            try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 15, data: [1])])
        }
        #expect(throws: RTPError.invalidExtensionElement(id: 0, length: 1)) {
            try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 0, data: [1])])
        }
        #expect(throws: RTPError.invalidExtensionElement(id: 1, length: 17)) {
            try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 1, data: [UInt8](repeating: 0, count: 17))])
        }
        #expect(throws: RTPError.invalidExtensionElement(id: 1, length: 0)) {
            try RTPHeaderExtension(oneByte: [RTPHeaderExtensionElement(id: 1, data: [])])
        }
        #expect(throws: RTPError.invalidExtensionElement(id: 0, length: 0)) {
            try RTPHeaderExtension(twoByte: [RTPHeaderExtensionElement(id: 0, data: [])])
        }
        #expect(throws: RTPError.invalidExtensionElement(id: 9, length: 256)) {
            try RTPHeaderExtension(twoByte: [RTPHeaderExtensionElement(id: 9, data: [UInt8](repeating: 0, count: 256))])
        }
    }

    @Test func serializerRejectsMoreThan15CSRCs() {
        let header = RTPHeader(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: Array(0..<16))
        #expect(throws: RTPError.tooManyCSRCs(16)) { try RTPPacket(header: header, payload: []).serialized() }
    }

    @Test func unalignedExtensionDataIsPaddedOnTheWire() throws {
        let ext = RTPHeaderExtension(profile: 0xABCD, data: [1, 2, 3, 4, 5][...])
        let header = RTPHeader(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, headerExtension: ext)
        let bytes = try RTPPacket(header: header, payload: []).serialized()
        #expect(bytes.count == 12 + 4 + 8)
        #expect(Array(bytes[12...]) == [0xAB, 0xCD, 0x00, 0x02, 1, 2, 3, 4, 5, 0, 0, 0])
    }

    @Test func writeFixedHeaderIntoReusedBuffer() {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        RTPHeader.writeFixed(
            into: &buffer, marker: true, payloadType: 0xE0, sequenceNumber: 0xABCD, timestamp: 0x0102_0304,
            ssrc: 0x0A0B_0C0D)
        #expect(buffer == [0x80, 0xE0, 0xAB, 0xCD, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D])
    }
}
