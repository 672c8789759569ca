import Testing
import WireKit

@testable import STUN

@Suite struct ChannelDataTests {
    let hello = Array("hello".utf8)

    @Test func encodesUnpaddedAndPadded() throws {
        let cd = ChannelData(channelNumber: 0x4001, data: hello)
        #expect(try cd.encode() == [0x40, 0x01, 0x00, 0x05] + hello)
        #expect(try cd.encode(padded: true) == [0x40, 0x01, 0x00, 0x05] + hello + [0, 0, 0])
        let aligned = ChannelData(channelNumber: 0x4FFF, data: [1, 2, 3, 4])
        #expect(try aligned.encode(padded: true) == [0x4F, 0xFF, 0x00, 0x04, 1, 2, 3, 4])
        #expect(try ChannelData(channelNumber: 0x4000, data: []).encode(padded: true) == [0x40, 0x00, 0x00, 0x00])
    }

    @Test func decodesBothForms() throws {
        let unpadded: [UInt8] = [0x40, 0x01, 0x00, 0x05] + hello
        let padded = unpadded + [0, 0, 0]
        #expect(try ChannelData(decoding: unpadded) == ChannelData(channelNumber: 0x4001, data: hello))
        #expect(try ChannelData(decoding: padded) == ChannelData(channelNumber: 0x4001, data: hello))
        #expect(try ChannelData(decoding: Array(padded.prefix(10))).data == hello)
        let view = try ChannelData.parse(padded[...])
        #expect(view.channelNumber == 0x4001)
        #expect(Array(view.data) == hello)
        #expect(ChannelData.looksLike(unpadded))
        #expect(ChannelData.looksLike(padded))
    }

    @Test func rejectsBadFraming() {
        #expect(throws: STUNError.channelDataTruncatedHeader(available: 3)) { try ChannelData(decoding: [0x40, 0x01, 0x00]) }
        #expect(throws: STUNError.invalidChannelNumber(0x3FFF)) { try ChannelData(decoding: [0x3F, 0xFF, 0x00, 0x00]) }
        #expect(throws: STUNError.invalidChannelNumber(0x5000)) { try ChannelData(decoding: [0x50, 0x00, 0x00, 0x00]) }
        #expect(throws: STUNError.channelDataLengthMismatch(declared: 5, available: 1)) {
            try ChannelData(decoding: [0x40, 0x01, 0x00, 0x05, 0x68])
        }
        #expect(throws: STUNError.channelDataLengthMismatch(declared: 5, available: 12)) {
            try ChannelData(decoding: [0x40, 0x01, 0x00, 0x05] + hello + [0, 0, 0, 0, 0, 0, 0])
        }
        #expect(!ChannelData.looksLike([0x40, 0x01, 0x00, 0x05, 0x68]))
        #expect(!ChannelData.looksLike(RFC5769.request))
        #expect(throws: STUNError.invalidChannelNumber(0x3000)) { try ChannelData(channelNumber: 0x3000, data: []).encode() }
        #expect(throws: STUNError.valueTooLong(type: 0x0013, length: 65_536)) {
            try ChannelData(channelNumber: 0x4000, data: [UInt8](repeating: 0, count: 65_536)).encode()
        }
    }
}

@Suite struct TURNMessageTests {
    let tid = TransactionID(bytes: RFC5769.transactionID)!
    let peer = SocketAddress("192.0.2.1:32853")!

    @Test func allocateRequestBytes() throws {
        let m = STUNMessage.allocateRequest(transactionID: tid, lifetime: 600, dontFragment: true)
        let expected = "0003 0014 2112a442 b7e7a701bc34d686fa87dfae 0019000411000000 000d000400000258 001a0000"
        #expect(Hex.encode(try m.encode()) == expected.filter { $0 != " " })
        let plain = STUNMessage.allocateRequest(transactionID: tid)
        #expect(plain.attributes == [.requestedTransport(17)])
        let reserving = STUNMessage.allocateRequest(transactionID: tid, evenPort: true)
        #expect(reserving.attributes == [.requestedTransport(17), .evenPort(reserve: true)])
    }

    @Test func authenticatedAllocateVerifies() throws {
        let key = try STUNKey.longTerm(username: "1700000000:viewer", realm: "kvs", password: "c2VjcmV0K3Bhc3M=")
        let m = STUNMessage.allocateRequest(transactionID: tid, lifetime: 300)
            .addingLongTermCredentials(username: "1700000000:viewer", realm: "kvs", nonce: "abc123")
        let bytes = try m.encode(integrity: key, fingerprint: true)
        #expect(STUNMessage.verifyIntegrity(of: bytes, key: key))
        #expect(STUNMessage.verifyFingerprint(of: bytes))
        let decoded = try STUNMessage(decoding: bytes)
        #expect(decoded.attributes.map(\.type) == [
            .requestedTransport, .lifetime, .username, .realm, .nonce, .messageIntegrity, .fingerprint,
        ])
        #expect(decoded.username == "1700000000:viewer")
        #expect(decoded.realm == "kvs")
        #expect(decoded.nonce == "abc123")
    }

    @Test func refreshCreatePermissionChannelBindSend() throws {
        #expect(STUNMessage.refreshRequest(transactionID: tid, lifetime: 0).attributes == [.lifetime(0)])
        #expect(STUNMessage.refreshRequest(transactionID: tid, lifetime: nil).attributes == [])
        let other = SocketAddress("[2001:db8::7]:9")!
        let permission = STUNMessage.createPermissionRequest(transactionID: tid, peers: [peer, other])
        #expect(permission.messageType.rawValue == 0x0008)
        #expect(try STUNMessage(decoding: permission.encode()).xorPeerAddresses == [peer, other])

        let bind = STUNMessage.channelBindRequest(transactionID: tid, channelNumber: 0x4002, peer: peer)
        let bindBytes = try bind.encode()
        #expect(Hex.encode(bindBytes[20...]) == "000c000440020000" + "001200080001a147e112a643")
        #expect(try STUNMessage(decoding: bindBytes).channelNumber == 0x4002)

        let send = STUNMessage.sendIndication(transactionID: tid, peer: peer, data: [0xDE, 0xAD], dontFragment: true)
        let sendBytes = try send.encode()
        #expect(Array(sendBytes[0..<2]) == [0x00, 0x16])
        #expect(Hex.encode(sendBytes[20...]) == "001200080001a147e112a643" + "00130002dead0000" + "001a0000")
    }

    @Test func dataIndicationParses() throws {
        let bytes = try TURNDataIndication(peer: peer, data: [1, 2, 3]).message(transactionID: tid).encode()
        #expect(Array(bytes[0..<2]) == [0x00, 0x17])
        let indication = try TURNDataIndication(try STUNMessage(decoding: bytes))
        #expect(indication.peer == peer)
        #expect(indication.data == [1, 2, 3])

        let noData = STUNMessage(method: .data, messageClass: .indication, transactionID: tid, attributes: [.xorPeerAddress(peer)])
        #expect(throws: STUNError.missingAttribute(type: 0x0013)) { try TURNDataIndication(noData) }
        let noPeer = STUNMessage(method: .data, messageClass: .indication, transactionID: tid, attributes: [.data([1])])
        #expect(throws: STUNError.missingAttribute(type: 0x0012)) { try TURNDataIndication(noPeer) }
        let send = STUNMessage.sendIndication(transactionID: tid, peer: peer, data: [1])
        #expect(throws: STUNError.unexpectedMessageType(method: 6, messageClass: 1)) { try TURNDataIndication(send) }
    }

    @Test func errorResponses() throws {
        let request = STUNMessage.allocateRequest(transactionID: tid)
        let response = request.errorResponse(.staleNonce, attributes: [.realm("kvs"), .nonce("n2")])
        let decoded = try STUNMessage(decoding: response.encode())
        #expect(decoded.messageType.rawValue == 0x0113)
        #expect(decoded.errorCode == .staleNonce)
        #expect(decoded.nonce == "n2")
        let ok = request.successResponse(attributes: [.xorRelayedAddress(peer), .lifetime(600), .xorMappedAddress(peer)])
        let okDecoded = try STUNMessage(decoding: ok.encode())
        #expect(okDecoded.messageType.rawValue == 0x0103)
        #expect(okDecoded.xorRelayedAddress == peer)
        #expect(okDecoded.lifetime == 600)
        for (code, value) in [(STUNErrorCode.tryAlternate, 300), (.badRequest, 400), (.unauthenticated, 401),
                              (.forbidden, 403), (.unknownAttribute, 420), (.allocationMismatch, 437),
                              (.staleNonce, 438), (.wrongCredentials, 441), (.unsupportedTransportProtocol, 442),
                              (.allocationQuotaReached, 486), (.roleConflict, 487), (.serverError, 500),
                              (.insufficientCapacity, 508)] {
            #expect(code.code == value)
        }
    }
}
