import DataChannel
import Testing

/// DCEP wire format vectors built by hand from the RFC 8832 §5 layouts.
@Suite struct DCEPMessageTests {
    static let kvsOpen: [UInt8] =
        [0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x00, 0x00] + Array("kvsDataChannel".utf8)

    @Test func parsesReliableOrderedOpenFromABrowser() throws {
        let message = try DCEPMessage.parse(Self.kvsOpen)
        #expect(message == .open(DataChannelParameters(label: "kvsDataChannel")))
        #expect(try message.serialized() == Self.kvsOpen)
    }

    @Test func unorderedMaxRetransmitsWithProtocol() throws {
        let bytes: [UInt8] = [0x03, 0x81, 0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x04]
            + Array("achat".utf8)
        let expected = DataChannelParameters(
            label: "a", protocolName: "chat", ordered: false, reliability: .maxRetransmits(5),
            priority: DataChannelParameters.Priority.high)
        #expect(try DCEPMessage.parse(bytes) == .open(expected))
        #expect(try DCEPMessage.open(expected).serialized() == bytes)
    }

    @Test func orderedTimedAndUnorderedReliableChannelTypes() throws {
        let timed: [UInt8] = [0x03, 0x02, 0x00, 0x80, 0x00, 0x00, 0x0B, 0xB8, 0x00, 0x00, 0x00, 0x00]
        #expect(
            try DCEPMessage.parse(timed)
                == .open(DataChannelParameters(
                    label: "", reliability: .maxPacketLifetime(milliseconds: 3000), priority: 128)))
        let unorderedTimed: [UInt8] = [0x03, 0x82, 0x04, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00]
        #expect(
            try DCEPMessage.parse(unorderedTimed)
                == .open(DataChannelParameters(
                    label: "", ordered: false, reliability: .maxPacketLifetime(milliseconds: 100), priority: 1024)))
        let unorderedReliable: [UInt8] = [0x03, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        #expect(try DCEPMessage.parse(unorderedReliable) == .open(DataChannelParameters(label: "", ordered: false)))
        // RFC 8832 §5.1: the reliability parameter is ignored for reliable channels.
        let reliableWithParameter: [UInt8] = [0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00]
        #expect(try DCEPMessage.parse(reliableWithParameter) == .open(DataChannelParameters(label: "")))
    }

    @Test func utf8LabelAndProtocol() throws {
        let parameters = DataChannelParameters(label: "caméra", protocolName: "✓")
        let bytes = try DCEPMessage.open(parameters).serialized()
        #expect(Array(bytes[8..<12]) == [0x00, 0x07, 0x00, 0x03])
        #expect(try DCEPMessage.parse(bytes) == .open(parameters))
    }

    @Test func ack() throws {
        #expect(try DCEPMessage.parse([0x02]) == .ack)
        #expect(try DCEPMessage.ack.serialized() == [0x02])
    }

    @Test func errors() {
        #expect(throws: DCEPError.empty) { try DCEPMessage.parse([]) }
        #expect(throws: DCEPError.unknownMessageType(0x04)) { try DCEPMessage.parse([0x04]) }
        #expect(throws: DCEPError.unknownMessageType(0x00)) { try DCEPMessage.parse([0x00, 0x00]) }
        #expect(throws: DCEPError.trailingBytes(1)) { try DCEPMessage.parse([0x02, 0x00]) }
        #expect(throws: DCEPError.truncated(needed: 12, available: 11)) {
            try DCEPMessage.parse(Array(Self.kvsOpen.prefix(11)))
        }
        #expect(throws: DCEPError.truncated(needed: 12, available: 1)) { try DCEPMessage.parse([0x03]) }
        // Label length says 14 but only 13 bytes follow.
        #expect(throws: DCEPError.truncated(needed: 26, available: 25)) {
            try DCEPMessage.parse(Array(Self.kvsOpen.dropLast()))
        }
        // Protocol length past the end.
        var protocolPastEnd = Self.kvsOpen
        protocolPastEnd[11] = 0xFF
        #expect(throws: DCEPError.truncated(needed: 26 + 255, available: 26)) { try DCEPMessage.parse(protocolPastEnd) }
        // Maximal lengths must not overflow anything.
        var maximal = Self.kvsOpen
        maximal.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: DCEPError.truncated(needed: 12 + 65535 * 2, available: 26)) { try DCEPMessage.parse(maximal) }
        #expect(throws: DCEPError.trailingBytes(2)) { try DCEPMessage.parse(Self.kvsOpen + [0, 0]) }
        for badType: UInt8 in [0x03, 0x7F, 0x83, 0x40] {
            var bytes = Self.kvsOpen
            bytes[1] = badType
            #expect(throws: DCEPError.unknownChannelType(badType)) { try DCEPMessage.parse(bytes) }
        }
        let badUTF8: [UInt8] = [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x02, 0x00, 0x00, 0xC3, 0x28]
        #expect(throws: DCEPError.invalidUTF8) { try DCEPMessage.parse(badUTF8) }
        let long = String(repeating: "x", count: 65536)
        #expect(throws: DCEPError.fieldTooLong(65536)) {
            try DCEPMessage.open(DataChannelParameters(label: long)).serialized()
        }
        #expect(throws: DCEPError.fieldTooLong(65536)) {
            try DCEPMessage.open(DataChannelParameters(label: "", protocolName: long)).serialized()
        }
    }

    @Test func parsesFromASliceWithANonZeroStartIndex() throws {
        let framed: [UInt8] = [0xAA, 0xBB] + Self.kvsOpen
        #expect(try DCEPMessage.parse(framed[2...]) == .open(DataChannelParameters(label: "kvsDataChannel")))
    }
}
