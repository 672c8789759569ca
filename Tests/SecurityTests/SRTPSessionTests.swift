import KVSCrypto
import Security
import Testing
import WireKit

@Suite struct SRTPSessionTests {
    // Master key and salt of RFC 3711 Appendix B.3 (AES-CM key derivation), also used by libsrtp2's
    // own known-answer test for AES_CM_128_HMAC_SHA1_80.
    let key = Hex.decode("e1f97a0d3e018be0d64fa32c06de4139")!
    let salt = Hex.decode("0ec675ad498afeebb6960b3aabe6")!

    func rtpPacket(seq: UInt16, ssrc: UInt32 = 0xCAFE_BABE, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.writeU8(0x80)
        w.writeU8(0x0F)
        w.writeU16(seq)
        w.writeU32(0xDECA_FBAD)  // timestamp
        w.writeU32(ssrc)
        w.writeBytes(payload)
        return w.take()
    }

    @Test func knownAnswerAESCM128HMACSHA1_80() throws {
        let sender = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .outbound)
        var packet = rtpPacket(seq: 0x1234, payload: Array(repeating: 0xAB, count: 16))
        try sender.protectRTP(&packet)
        let expected = Hex.decode("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb")!
        #expect(Hex.encode(packet) == Hex.encode(expected))
    }

    @Test(arguments: SRTPProfile.allCases)
    func protectThenUnprotect(profile: SRTPProfile) throws {
        let k = try Crypto.randomBytes(profile.masterKeyLength)
        let s = try Crypto.randomBytes(profile.masterSaltLength)
        let tx = try SRTPSession(profile: profile, masterKey: k, masterSalt: s, direction: .outbound)
        let rx = try SRTPSession(profile: profile, masterKey: k, masterSalt: s, direction: .inbound)
        for seq in UInt16(65_530)...UInt16(65_535) {
            let plain = rtpPacket(seq: seq, payload: Array(0..<200).map { UInt8($0) })
            var p = plain
            try tx.protectRTP(&p)
            #expect(p.count == plain.count + profile.rtpTrailerLength)
            #expect(p[12...] != plain[12...])
            try rx.unprotectRTP(&p)
            #expect(p == plain)
        }
        // RTCP: an RR with no report blocks.
        let rr: [UInt8] = [0x80, 201, 0x00, 0x01, 0xDE, 0xCA, 0xFB, 0xAD]
        var c = rr
        try tx.protectRTCP(&c)
        #expect(c.count == rr.count + profile.rtcpTrailerLength)
        try rx.unprotectRTCP(&c)
        #expect(c == rr)
    }

    @Test func replayAndTamperingAreRejectedAndCounted() throws {
        let tx = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .outbound)
        let rx = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .inbound)
        var p = rtpPacket(seq: 10, payload: [1, 2, 3, 4])
        try tx.protectRTP(&p)
        let wire = p
        var first = wire
        try rx.unprotectRTP(&first)
        var replay = wire
        #expect(throws: SRTPError.self) { try rx.unprotectRTP(&replay) }
        #expect(replay == wire, "a rejected packet is left as it was")
        #expect(rx.replaysRejected == 1)
        var q = rtpPacket(seq: 11, payload: [1, 2, 3, 4])
        try tx.protectRTP(&q)
        q[13] ^= 0x01
        #expect(throws: SRTPError.self) { try rx.unprotectRTP(&q) }
        var runt: [UInt8] = [0x80, 0x60]
        #expect(throws: SRTPError.self) { try rx.unprotectRTP(&runt) }
        #expect(rx.failedUnprotects == 3)
    }

    @Test func wrongKeyLengthIsATypedError() {
        #expect(throws: SRTPError.self) {
            _ = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: [1, 2, 3], masterSalt: salt, direction: .outbound)
        }
    }

    @Test func keyingMaterialSplitsPerRFC5764() throws {
        let profile = SRTPProfile.aes128CmHmacSha1_80
        let exported = (0..<SRTPKeyingMaterial.exportLength(for: profile)).map { UInt8($0) }
        let client = try #require(SRTPKeyingMaterial(exported: exported, profile: profile, isClient: true))
        let server = try #require(SRTPKeyingMaterial(exported: exported, profile: profile, isClient: false))
        #expect(client.localKey == Array(0..<16))
        #expect(client.remoteKey == Array(16..<32))
        #expect(client.localSalt == Array(32..<46))
        #expect(client.remoteSalt == Array(46..<60))
        #expect(server.localKey == client.remoteKey && server.remoteSalt == client.localSalt)
        #expect(SRTPKeyingMaterial(exported: [1, 2], profile: profile, isClient: true) == nil)
    }
}

@Suite struct SRTPKeyingMaterialMaskingTests {
    @Test func descriptionsHideKeysAndSalts() throws {
        let exported = (0..<SRTPKeyingMaterial.exportLength(for: .aes128CmHmacSha1_80)).map { UInt8(0xA0 | ($0 & 0x0F)) }
        let material = try #require(SRTPKeyingMaterial(exported: exported, profile: .aes128CmHmacSha1_80, isClient: true))
        for text in [material.description, material.debugDescription, String(describing: material), "\(material)"] {
            #expect(!text.lowercased().contains(Hex.encode(material.localKey.prefix(4))))
            #expect(!text.contains("160, 161"))
            #expect(text.contains("SRTP_AES128_CM_SHA1_80"))
        }
    }
}
