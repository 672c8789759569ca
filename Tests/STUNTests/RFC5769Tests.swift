import KVSCrypto
import Testing
import WireKit

@testable import STUN

/// RFC 5769: decoding every field, verifying MESSAGE-INTEGRITY and FINGERPRINT on the exact
/// bytes, and encoding the same attributes back to the same bytes.
@Suite struct RFC5769Tests {
    let shortTermKey = STUNKey.shortTerm(password: RFC5769.shortTermPassword)
    let tid = TransactionID(bytes: RFC5769.transactionID)!

    @Test func vectorsHaveTheLengthsTheRFCPrints() {
        #expect(RFC5769.request.count == 108)
        #expect(RFC5769.ipv4Response.count == 80)
        #expect(RFC5769.ipv6Response.count == 92)
        #expect(RFC5769.longTermRequest.count == 116)
        #expect(RFC5769.transactionID.count == 12)
    }

    @Test func sampleRequestDecodes() throws {
        let m = try STUNMessage(decoding: RFC5769.request)
        #expect(m.method == .binding)
        #expect(m.messageClass == .request)
        #expect(m.transactionID == tid)
        #expect(m.transactionID.bytes == RFC5769.transactionID)
        #expect(m.attributes == [
            .software("STUN test client"),
            .priority(0x6E00_01FF),
            .iceControlled(0x932F_F9B1_5126_3B36),
            .username("evtj:h6vY"),
            .messageIntegrity(RFC5769.bytes("9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2")),
            .fingerprint(0xE57A_3BCF),
        ])
        #expect(m.username == "evtj:h6vY")
        #expect(m.priority == 0x6E00_01FF)
        #expect(m.iceControlled == 0x932F_F9B1_5126_3B36)
        #expect(m.iceControlling == nil)
        #expect(m.unknownComprehensionRequired.isEmpty)
    }

    @Test func sampleRequestIntegrityAndFingerprintVerify() {
        #expect(STUNMessage.verifyIntegrity(of: RFC5769.request, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: RFC5769.request))
        #expect(!STUNMessage.verifyIntegrity(of: RFC5769.request, key: .shortTerm(password: "VOkJxbRl1RmTxUk/WvJxBT")))
        #expect(STUN.looksLikeSTUN(RFC5769.request))
    }

    @Test func sampleRequestReencodesByteForByte() throws {
        let m = STUNMessage(
            method: .binding, messageClass: .request, transactionID: tid,
            attributes: [.software("STUN test client"), .priority(0x6E00_01FF),
                         .iceControlled(0x932F_F9B1_5126_3B36), .username("evtj:h6vY")])
        // The RFC pads USERNAME with spaces; with the same padding byte the output is identical,
        // which pins down the HMAC input (length adjusted to cover MESSAGE-INTEGRITY) and the CRC.
        let spaced = try m.encode(integrity: shortTermKey, fingerprint: true, padding: 0x20)
        #expect(Hex.encode(spaced) == Hex.encode(RFC5769.request))
        // With the usual zero padding only the three padding bytes, the HMAC and the CRC change,
        // and both still verify.
        let zeroed = try m.encode(integrity: shortTermKey, fingerprint: true)
        #expect(zeroed.count == RFC5769.request.count)
        #expect(Array(zeroed[73..<76]) == [0, 0, 0])
        #expect(Array(zeroed[0..<73]) == Array(RFC5769.request[0..<73]))
        #expect(STUNMessage.verifyIntegrity(of: zeroed, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: zeroed))
        #expect(try STUNMessage(decoding: zeroed) == STUNMessage(decoding: RFC5769.request).replacingTrailers(zeroed))
        // Re-encoding the decoded message verbatim (integrity and fingerprint as received).
        let decoded = try STUNMessage(decoding: RFC5769.request)
        #expect(try decoded.encode(padding: 0x20) == RFC5769.request)
    }

    @Test func slicesWithAnOffsetDecodeAndVerify() throws {
        // A datagram inside a larger receive buffer: indices do not start at zero.
        let buffer: [UInt8] = [0xAA, 0xBB, 0xCC] + RFC5769.request + [0xDD]
        let slice = buffer[3..<(3 + RFC5769.request.count)]
        #expect(try STUNMessage(decoding: slice) == STUNMessage(decoding: RFC5769.request))
        #expect(STUNMessage.verifyIntegrity(of: slice, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: slice))
        #expect(STUN.looksLikeSTUN(slice))
        #expect(!STUN.looksLikeSTUN(buffer[3...]))
        let channel: [UInt8] = [9, 9, 0x40, 0x07, 0x00, 0x02, 0xAB, 0xCD, 0, 0]
        let parsed = try ChannelData.parse(channel[2...])
        #expect(parsed.channelNumber == 0x4007)
        #expect(Array(parsed.data) == [0xAB, 0xCD])
        #expect(ChannelData.looksLike(channel[2...]))
    }

    @Test func ipv4ResponseDecodes() throws {
        let m = try STUNMessage(decoding: RFC5769.ipv4Response)
        #expect(m.method == .binding)
        #expect(m.messageClass == .success)
        #expect(m.transactionID == tid)
        #expect(m.software == "test vector")
        #expect(m.mappedAddress == SocketAddress("192.0.2.1:32853"))
        #expect(m.attributes.map(\.type) == [.software, .xorMappedAddress, .messageIntegrity, .fingerprint])
        #expect(m.messageIntegrity == RFC5769.bytes("2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"))
        #expect(m.fingerprint == 0xC07D_4C96)
        #expect(STUNMessage.verifyIntegrity(of: RFC5769.ipv4Response, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: RFC5769.ipv4Response))
    }

    @Test func ipv4ResponseReencodesByteForByte() throws {
        let m = STUNMessage(
            method: .binding, messageClass: .success, transactionID: tid,
            attributes: [.software("test vector"), .xorMappedAddress(SocketAddress("192.0.2.1:32853")!)])
        let bytes = try m.encode(integrity: shortTermKey, fingerprint: true, padding: 0x20)
        #expect(Hex.encode(bytes) == Hex.encode(RFC5769.ipv4Response))
        let zeroed = try m.encode(integrity: shortTermKey, fingerprint: true)
        #expect(zeroed[35] == 0)
        #expect(STUNMessage.verifyIntegrity(of: zeroed, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: zeroed))
    }

    @Test func ipv6ResponseDecodes() throws {
        let m = try STUNMessage(decoding: RFC5769.ipv6Response)
        #expect(m.messageClass == .success)
        #expect(m.software == "test vector")
        #expect(m.mappedAddress == SocketAddress("[2001:db8:1234:5678:11:2233:4455:6677]:32853"))
        #expect(m.messageIntegrity == RFC5769.bytes("a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"))
        #expect(m.fingerprint == 0xC8FB_0B4C)
        #expect(STUNMessage.verifyIntegrity(of: RFC5769.ipv6Response, key: shortTermKey))
        #expect(STUNMessage.verifyFingerprint(of: RFC5769.ipv6Response))
    }

    @Test func ipv6ResponseReencodesByteForByte() throws {
        let m = STUNMessage(
            method: .binding, messageClass: .success, transactionID: tid,
            attributes: [.software("test vector"),
                         .xorMappedAddress(SocketAddress("[2001:db8:1234:5678:11:2233:4455:6677]:32853")!)])
        let bytes = try m.encode(integrity: shortTermKey, fingerprint: true, padding: 0x20)
        #expect(Hex.encode(bytes) == Hex.encode(RFC5769.ipv6Response))
    }

    @Test func longTermRequestDecodes() throws {
        let m = try STUNMessage(decoding: RFC5769.longTermRequest)
        #expect(m.method == .binding)
        #expect(m.messageClass == .request)
        #expect(m.transactionID.bytes == RFC5769.bytes("78 ad 34 33 c6 ad 72 c0 29 da 41 2e"))
        #expect(m.username == RFC5769.longTermUsername)
        #expect(Array(m.username!.utf8) == RFC5769.bytes("e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9"))
        #expect(m.nonce == RFC5769.longTermNonce)
        #expect(m.realm == RFC5769.longTermRealm)
        #expect(m.fingerprint == nil)
        #expect(!STUNMessage.verifyFingerprint(of: RFC5769.longTermRequest))
    }

    @Test func longTermKeyAndIntegrity() throws {
        let key = try STUNKey.longTerm(
            username: RFC5769.longTermUsername, realm: RFC5769.longTermRealm, password: RFC5769.longTermPassword)
        // The key is MD5 of the UTF-8 of "マトリックス:example.org:TheMatrIX".
        let input = Array("\(RFC5769.longTermUsername):example.org:TheMatrIX".utf8)
        #expect(key.bytes == (try Crypto.digest(.md5, input)))
        #expect(key.bytes.count == 16)
        #expect(STUNMessage.verifyIntegrity(of: RFC5769.longTermRequest, key: key))
        let wrong = try STUNKey.longTerm(
            username: RFC5769.longTermUsername, realm: RFC5769.longTermRealm, password: "TheMatrix")
        #expect(!STUNMessage.verifyIntegrity(of: RFC5769.longTermRequest, key: wrong))
    }

    @Test func longTermRequestReencodesByteForByte() throws {
        let key = try STUNKey.longTerm(
            username: RFC5769.longTermUsername, realm: RFC5769.longTermRealm, password: RFC5769.longTermPassword)
        let m = STUNMessage(
            method: .binding, messageClass: .request,
            transactionID: TransactionID(bytes: RFC5769.bytes("78 ad 34 33 c6 ad 72 c0 29 da 41 2e"))!,
            attributes: [.username(RFC5769.longTermUsername), .nonce(RFC5769.longTermNonce),
                         .realm(RFC5769.longTermRealm)])
        // This vector pads with zeros, as RFC 8489 asks senders to.
        #expect(Hex.encode(try m.encode(integrity: key)) == Hex.encode(RFC5769.longTermRequest))
    }
}

extension STUNMessage {
    /// This message with the MESSAGE-INTEGRITY and FINGERPRINT of `other` in place of its own.
    func replacingTrailers(_ other: [UInt8]) throws -> STUNMessage {
        var m = self
        let theirs = try STUNMessage(decoding: other)
        m.attributes = m.attributes.filter { !$0.isComputedTrailer } + theirs.attributes.filter(\.isComputedTrailer)
        return m
    }
}
