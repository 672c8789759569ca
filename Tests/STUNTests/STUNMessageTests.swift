import Testing
import WireKit

@testable import STUN

@Suite struct STUNMessageTypeTests {
    @Test func knownTypesHaveTheRFCWireValues() {
        let cases: [(STUNMethod, STUNClass, UInt16)] = [
            (.binding, .request, 0x0001), (.binding, .indication, 0x0011), (.binding, .success, 0x0101),
            (.binding, .error, 0x0111), (.allocate, .request, 0x0003), (.allocate, .success, 0x0103),
            (.allocate, .error, 0x0113), (.refresh, .request, 0x0004), (.send, .indication, 0x0016),
            (.data, .indication, 0x0017), (.createPermission, .request, 0x0008), (.channelBind, .request, 0x0009),
            (.channelBind, .success, 0x0109), (STUNMethod(rawValue: 0xFFF), .error, 0x3FFF),
        ]
        for (method, cls, raw) in cases {
            #expect(STUNMessageType(method: method, messageClass: cls).rawValue == raw)
            let parsed = STUNMessageType(rawValue: raw)
            #expect(parsed.method == method)
            #expect(parsed.messageClass == cls)
        }
    }

    @Test func everyMethodAndClassRoundTrips() {
        for m in UInt16(0)...0xFFF {
            for c in STUNClass.allCases {
                let type = STUNMessageType(method: STUNMethod(rawValue: m), messageClass: c)
                #expect(type.rawValue & 0xC000 == 0)
                #expect(STUNMessageType(rawValue: type.rawValue) == type)
            }
        }
    }

    @Test func transactionIDBytesRoundTrip() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        let id = try #require(TransactionID(bytes: bytes))
        #expect(id.high == 0x0102_0304)
        #expect(id.low == 0x0506_0708_090A_0B0C)
        #expect(id.bytes == bytes)
        #expect(id.description == "0102030405060708090a0b0c")
        #expect(TransactionID(bytes: bytes.dropLast()) == nil)
        var rng = SplitMix64(seed: 7)
        let a = TransactionID.random(using: &rng)
        let b = TransactionID.random(using: &rng)
        #expect(a != b)
    }
}

@Suite struct STUNDecodeErrorTests {
    func mutated(_ bytes: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var b = bytes
        change(&b)
        return b
    }

    @Test func truncatedHeader() {
        #expect(throws: STUNError.truncatedHeader(available: 19)) {
            try STUNMessage(decoding: Array(RFC5769.request.prefix(19)))
        }
        #expect(throws: STUNError.truncatedHeader(available: 0)) { try STUNMessage(decoding: []) }
    }

    @Test func leadingBitsMustBeZero() {
        #expect(throws: STUNError.leadingBitsNotZero(0x80)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[0] = 0x80 })
        }
        #expect(throws: STUNError.leadingBitsNotZero(0x41)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[0] = 0x41 })
        }
    }

    @Test func badMagicCookie() {
        #expect(throws: STUNError.badMagicCookie(0x2012_A442)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[4] = 0x20 })
        }
    }

    @Test func lengthNotMultipleOf4() {
        #expect(throws: STUNError.lengthNotMultipleOf4(0x59)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[3] = 0x59 })
        }
    }

    @Test func lengthMustMatchTheDatagram() {
        #expect(throws: STUNError.lengthMismatch(declared: 88, available: 92)) {
            try STUNMessage(decoding: RFC5769.request + [0, 0, 0, 0])
        }
        #expect(throws: STUNError.lengthMismatch(declared: 88, available: 84)) {
            try STUNMessage(decoding: Array(RFC5769.request.prefix(104)))
        }
    }

    @Test func attributeOverrunningTheMessage() {
        // SOFTWARE claims 256 bytes; 84 follow its header.
        #expect(throws: STUNError.attributeOverrun(type: 0x8022, length: 256, available: 84)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[22] = 0x01; $0[23] = 0x00 })
        }
        // The last attribute's padding would run past the end.
        #expect(throws: STUNError.attributeOverrun(type: 0x8028, length: 5, available: 4)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[107 - 4] = 5 })
        }
    }

    @Test func malformedKnownAttributes() {
        // PRIORITY with a 2-byte value (still padded to 4, so framing holds).
        #expect(throws: STUNError.malformedAttribute(type: 0x0024)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[43] = 2 })
        }
        // XOR-MAPPED-ADDRESS with family 3.
        #expect(throws: STUNError.malformedAttribute(type: 0x0020)) {
            try STUNMessage(decoding: mutated(RFC5769.ipv4Response) { $0[41] = 3 })
        }
        // IPv6 family with an IPv4-sized value.
        #expect(throws: STUNError.malformedAttribute(type: 0x0020)) {
            try STUNMessage(decoding: mutated(RFC5769.ipv4Response) { $0[41] = 2 })
        }
        // USERNAME that is not UTF-8.
        #expect(throws: STUNError.invalidUTF8(type: 0x0006)) {
            try STUNMessage(decoding: mutated(RFC5769.request) { $0[64] = 0xFF })
        }
    }

    @Test func errorCodeNumberAbove99IsMalformed() throws {
        let tid = TransactionID(high: 1, low: 2)
        var bytes = try STUNMessage(
            method: .binding, messageClass: .error, transactionID: tid, attributes: [.errorCode(.badRequest)]
        ).encode()
        #expect(Array(bytes[20...]) == [0x00, 0x09, 0x00, 0x0F, 0, 0, 4, 0] + Array("Bad Request".utf8) + [0])
        bytes[27] = 100
        #expect(throws: STUNError.malformedAttribute(type: 0x0009)) { try STUNMessage(decoding: bytes) }
    }

    @Test func looksLikeSTUN() {
        #expect(STUN.looksLikeSTUN(RFC5769.request))
        #expect(STUN.looksLikeSTUN(RFC5769.ipv6Response[...]))
        #expect(!STUN.looksLikeSTUN(mutated(RFC5769.request) { $0[0] = 0x16 }))
        #expect(!STUN.looksLikeSTUN(mutated(RFC5769.request) { $0[7] = 0 }))
        #expect(!STUN.looksLikeSTUN(mutated(RFC5769.request) { $0[3] = 0x54 }))
        #expect(!STUN.looksLikeSTUN(Array(RFC5769.request.prefix(19))))
        #expect(!STUN.looksLikeSTUN([0x40, 0x01, 0x00, 0x00]))
    }

    @Test func streamFrameLength() {
        #expect(STUN.streamFrameLength(RFC5769.request.prefix(4)) == 108)
        #expect(STUN.streamFrameLength([0x40, 0x01, 0x00, 0x05]) == 12)
        #expect(STUN.streamFrameLength([0x4F, 0xFF, 0x00, 0x08, 1]) == 12)
        #expect(STUN.streamFrameLength([0x00, 0x01, 0x00]) == nil)
        #expect(STUN.streamFrameLength([0x80, 0x01, 0x00, 0x00]) == nil)
    }
}

@Suite struct STUNAttributeEncodingTests {
    let tid = TransactionID(bytes: RFC5769.transactionID)!

    func attributeBytes(_ attribute: STUNAttribute) throws -> [UInt8] {
        let m = STUNMessage(method: .binding, messageClass: .request, transactionID: tid, attributes: [attribute])
        let bytes = try m.encode()
        #expect(try STUNMessage(decoding: bytes).attributes == [attribute])
        return Array(bytes[20...])
    }

    @Test func exactAttributeBytes() throws {
        let cases: [(STUNAttribute, String)] = [
            (.requestedTransport(17), "0019 0004 11000000"),
            (.lifetime(600), "000d 0004 00000258"),
            (.channelNumber(0x4001), "000c 0004 40010000"),
            (.dontFragment, "001a 0000"),
            (.useCandidate, "0025 0000"),
            (.evenPort(reserve: true), "0018 0001 80000000"),
            (.evenPort(reserve: false), "0018 0001 00000000"),
            (.reservationToken(0x0102_0304_0506_0708), "0022 0008 0102030405060708"),
            (.iceControlling(0xFFEE_DDCC_BBAA_9988), "802a 0008 ffeeddccbbaa9988"),
            (.priority(0x6E00_01FF), "0024 0004 6e0001ff"),
            (.xorPeerAddress(SocketAddress("192.0.2.1:32853")!), "0012 0008 0001a147 e112a643"),
            (.xorRelayedAddress(SocketAddress("192.0.2.1:32853")!), "0016 0008 0001a147 e112a643"),
            (.mappedAddress(SocketAddress("192.0.2.1:32853")!), "0001 0008 00018055 c0000201"),
            (.alternateServer(SocketAddress("[::1]:3478")!), "8023 0014 00020d96" + String(repeating: "0", count: 30) + "01"),
            (.errorCode(.staleNonce), "0009 000f 00000426 5374616c65204e6f6e6365 00"),
            (.errorCode(STUNErrorCode(code: 300, reason: "")), "0009 0004 00000300"),
            (.unknownAttributes([STUNAttributeType(0x7777)]), "000a 0002 7777 0000"),
            (.unknownAttributes([STUNAttributeType(0x7777), STUNAttributeType(0x0031)]), "000a 0004 7777 0031"),
            (.data([1, 2, 3, 4, 5]), "0013 0005 0102030405 000000"),
            (.unknown(type: STUNAttributeType(0xC001), value: [9]), "c001 0001 09000000"),
            (.software("ab"), "8022 0002 6162 0000"),
        ]
        for (attribute, hex) in cases {
            #expect(Hex.encode(try attributeBytes(attribute)) == hex.filter { $0 != " " }, "\(attribute)")
        }
    }

    @Test func unknownComprehensionRequiredAnd420() throws {
        let request = STUNMessage(
            method: .binding, messageClass: .request, transactionID: tid,
            attributes: [.unknown(type: STUNAttributeType(0x7777), value: [1]), .unknown(type: STUNAttributeType(0xC001), value: []),
                         .unknown(type: STUNAttributeType(0x0031), value: [2, 3]), .unknown(type: STUNAttributeType(0x7777), value: [])])
        let decoded = try STUNMessage(decoding: try request.encode())
        #expect(decoded.unknownComprehensionRequired == [STUNAttributeType(0x7777), STUNAttributeType(0x0031)])
        let response = try #require(decoded.unknownAttributeResponse())
        #expect(response.messageClass == .error)
        #expect(response.transactionID == tid)
        #expect(response.errorCode?.code == 420)
        #expect(response.unknownAttributes == [STUNAttributeType(0x7777), STUNAttributeType(0x0031)])
        let indication = STUNMessage(method: .send, messageClass: .indication, transactionID: tid, attributes: request.attributes)
        #expect(indication.unknownAttributeResponse() == nil)
        #expect(STUNMessage(method: .binding, messageClass: .request, transactionID: tid).unknownAttributeResponse() == nil)
    }

    @Test func errorCodesMatchByCode() {
        let received = STUNErrorCode(code: 438, reason: "nonce expired")
        switch received {
        case .unauthenticated: Issue.record("matched 401")
        case .staleNonce: break
        default: Issue.record("did not match 438")
        }
        #expect(STUNErrorCode(code: 487).reason == "Role Conflict")
        #expect(STUNErrorCode(code: 599).reason == "")
        #expect(STUNErrorCode.staleNonce.errorClass == 4)
        #expect(STUNErrorCode.staleNonce.number == 38)
        #expect(STUNErrorCode.tryAlternate.description == "300 Try Alternate")
    }

    @Test func attributesAfterIntegrityAreIgnored() throws {
        let key = STUNKey(bytes: Array("secret".utf8))
        let m = STUNMessage(method: .refresh, messageClass: .request, transactionID: tid, attributes: [.lifetime(0)])
        var bytes = try m.encode(integrity: key)
        // Append DATA after MESSAGE-INTEGRITY and fix the length: a man in the middle could.
        bytes += [0x00, 0x13, 0x00, 0x04, 1, 2, 3, 4]
        bytes.writeU16(UInt16(bytes.count - 20), at: 2)
        let decoded = try STUNMessage(decoding: bytes)
        #expect(decoded.attributes.map(\.type) == [.lifetime, .messageIntegrity])
        #expect(STUNMessage.verifyIntegrity(of: bytes, key: key))
        // FINGERPRINT after MESSAGE-INTEGRITY is kept, and anything after FINGERPRINT dropped.
        var withFingerprint = try m.encode(integrity: key, fingerprint: true)
        withFingerprint += [0x80, 0x22, 0x00, 0x00]
        withFingerprint.writeU16(UInt16(withFingerprint.count - 20), at: 2)
        let decoded2 = try STUNMessage(decoding: withFingerprint)
        #expect(decoded2.attributes.map(\.type) == [.lifetime, .messageIntegrity, .fingerprint])
        #expect(STUNMessage.verifyIntegrity(of: withFingerprint, key: key))
        // FINGERPRINT is no longer last, so it no longer verifies.
        #expect(!STUNMessage.verifyFingerprint(of: withFingerprint))
    }

    @Test func encodeRejectsWhatCannotBeFramed() {
        let big = STUNMessage(method: .send, messageClass: .indication, transactionID: tid,
                              attributes: [.data([UInt8](repeating: 0, count: 70_000))])
        #expect(throws: STUNError.valueTooLong(type: 0x0013, length: 70_000)) { try big.encode() }
        let two = STUNMessage(method: .send, messageClass: .indication, transactionID: tid,
                              attributes: [.data([UInt8](repeating: 0, count: 40_000)), .data([UInt8](repeating: 0, count: 40_000))])
        #expect(throws: STUNError.messageTooLong(80_008)) { try two.encode() }
        let method = STUNMessage(method: STUNMethod(rawValue: 0x1000), messageClass: .request, transactionID: tid)
        #expect(throws: STUNError.valueOutOfRange(type: 0, value: 0x1000)) { try method.encode() }
        let code = STUNMessage(method: .binding, messageClass: .error, transactionID: tid,
                               attributes: [.errorCode(STUNErrorCode(code: 800, reason: ""))])
        #expect(throws: STUNError.valueOutOfRange(type: 0x0009, value: 800)) { try code.encode() }
        let mac = STUNMessage(method: .binding, messageClass: .request, transactionID: tid, attributes: [.messageIntegrity([1])])
        #expect(throws: STUNError.valueOutOfRange(type: 0x0008, value: 1)) { try mac.encode() }
    }
}
