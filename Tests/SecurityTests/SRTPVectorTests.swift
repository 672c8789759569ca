import COpenSSL
import KVSCrypto
import Security
import Testing
import WireKit

/// AES in counter mode (RFC 3711 §4.1.1) computed with OpenSSL's AES-128-CTR, independently of
/// libsrtp2: the keystream for `iv` is AES(key, iv), AES(key, iv + 1), ... (128-bit big-endian
/// increment, which is what SRTP's 16-bit block counter in the low bits amounts to).
private func aesCounterMode(key: [UInt8], iv: [UInt8], input: [UInt8]) throws -> [UInt8] {
    let context = try #require(EVP_CIPHER_CTX_new())
    defer { EVP_CIPHER_CTX_free(context) }
    try #require(EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, key, iv) == 1)
    var output = [UInt8](repeating: 0, count: input.count + 16)
    var length: Int32 = 0
    try #require(EVP_EncryptUpdate(context, &output, &length, input, Int32(input.count)) == 1)
    return Array(output.prefix(Int(length)))
}

/// The AES-CM PRF of RFC 3711 §4.3.1/§4.3.3 with a key derivation rate of 0: x = label || 0^48
/// XOR master salt, keystream for IV x * 2^16, truncated to `length` octets.
private func deriveSessionKey(masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, length: Int) throws -> [UInt8] {
    var x = masterSalt
    x[7] ^= label  // label sits 7 octets before the end of the 14-octet salt-sized value
    return try aesCounterMode(key: masterKey, iv: x + [0, 0], input: [UInt8](repeating: 0, count: length))
}

/// The session keys of one direction of SRTP or SRTCP (RFC 3711 §4.3.2 labels).
private struct SessionKeys {
    var encryption: [UInt8]
    var authentication: [UInt8]
    var salt: [UInt8]

    init(masterKey: [UInt8], masterSalt: [UInt8], rtcp: Bool) throws {
        let base: UInt8 = rtcp ? 3 : 0
        encryption = try deriveSessionKey(masterKey: masterKey, masterSalt: masterSalt, label: base, length: 16)
        authentication = try deriveSessionKey(masterKey: masterKey, masterSalt: masterSalt, label: base + 1, length: 20)
        salt = try deriveSessionKey(masterKey: masterKey, masterSalt: masterSalt, label: base + 2, length: 14)
    }

    /// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16) (RFC 3711 §4.1.1).
    func iv(ssrc: UInt32, index: UInt64) -> [UInt8] {
        var iv = salt + [0, 0]
        for i in 0..<4 { iv[4 + i] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * UInt32(i))) }
        for i in 0..<6 { iv[8 + i] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * UInt64(i))) }
        return iv
    }
}

@Suite struct SRTPVectorTests {
    // RFC 3711 Appendix B.3 master key and salt.
    static let masterKey = Hex.decode("E1F97A0D3E018BE0D64FA32C06DE4139")!
    static let masterSalt = Hex.decode("0EC675AD498AFEEBB6960B3AABE6")!

    /// RFC 3711 Appendix B.2: the AES-CM keystream for session key 2B7E...4F3C and offset
    /// F0F1...FD0000, first three blocks and the last three of the 65282-block segment.
    @Test func appendixB2KeystreamFromIndependentAESCounterMode() throws {
        let key = Hex.decode("2B7E151628AED2A6ABF7158809CF4F3C")!
        let offset = Hex.decode("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000")!
        let head = try aesCounterMode(key: key, iv: offset, input: [UInt8](repeating: 0, count: 48))
        #expect(Hex.encode(head, uppercase: true)
            == "E03EAD0935C95E80E166B16DD92B4EB4" + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0")
        let segment = try aesCounterMode(key: key, iv: offset, input: [UInt8](repeating: 0, count: 1_044_512))
        #expect(segment.count == 65282 * 16)
        #expect(Hex.encode(segment.suffix(48), uppercase: true)
            == "EC8CDF7398607CB0F2D21675EA9EA1E4" + "362B7C3C6773516318A077D7FC5073AE" + "6A2CC3787889374FBEB4C81B17BA6C44")
    }

    /// RFC 3711 Appendix B.3: cipher key, cipher salt and the first 94 octets of the auth key.
    @Test func appendixB3KeyDerivation() throws {
        let cipherKey = try deriveSessionKey(masterKey: Self.masterKey, masterSalt: Self.masterSalt, label: 0, length: 16)
        let cipherSalt = try deriveSessionKey(masterKey: Self.masterKey, masterSalt: Self.masterSalt, label: 2, length: 14)
        let authKey = try deriveSessionKey(masterKey: Self.masterKey, masterSalt: Self.masterSalt, label: 1, length: 94)
        #expect(Hex.encode(cipherKey, uppercase: true) == "C61E7A93744F39EE10734AFE3FF7A087")
        #expect(Hex.encode(cipherSalt, uppercase: true) == "30CBBC08863D8C85D49DB34A9AE1")
        #expect(Hex.encode(authKey, uppercase: true)
            == "CEBE321F6FF7716B6FD4AB49AF256A15" + "6D38BAA48F0A0ACF3C34E2359E6CDBCE" + "E049646C43D9327AD175578EF7227098"
            + "6371C10C9A369AC2F94A8C5FBCDDDC25" + "6D6E919A48B610EF17C2041E47403576" + "6B68642C59BBFC2F34DB60DBDFB2")
    }

    static func rtpPacket(seq: UInt16, ssrc: UInt32, payloadLength: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 12 + payloadLength)
        w.writeU8(0x80)
        w.writeU8(0x60)
        w.writeU16(seq)
        w.writeU32(0x0001_E240)
        w.writeU32(ssrc)
        w.writeBytes((0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        return w.take()
    }

    /// SRTP packets protected by our wrapper (libsrtp2 underneath) with the B.3 master key equal
    /// an independent computation: payload XOR AES-CM(k_e, IV) per §4.1.1, then the HMAC-SHA1 tag
    /// over header || ciphertext || ROC per §4.2, truncated to the profile's length. The inbound
    /// wrapper takes the independent packet back to the plaintext.
    @Test(arguments: [SRTPProfile.aes128CmHmacSha1_80, .aes128CmHmacSha1_32])
    func rtpMatchesIndependentComputation(profile: SRTPProfile) throws {
        let keys = try SessionKeys(masterKey: Self.masterKey, masterSalt: Self.masterSalt, rtcp: false)
        #expect(Hex.encode(keys.encryption, uppercase: true) == "C61E7A93744F39EE10734AFE3FF7A087")
        let sender = try SRTPSession(profile: profile, masterKey: Self.masterKey, masterSalt: Self.masterSalt, direction: .outbound)
        let receiver = try SRTPSession(profile: profile, masterKey: Self.masterKey, masterSalt: Self.masterSalt, direction: .inbound)
        let tagLength = profile == .aes128CmHmacSha1_80 ? 10 : 4
        for (seq, ssrc, length) in [(UInt16(0x1234), UInt32(0xCAFE_BABE), 16), (0x1235, 0xCAFE_BABE, 1), (0x1236, 0xCAFE_BABE, 1000),
                                    (0, 0x0102_0304, 160), (0xFFFF, 0x0102_0304, 33)] {
            let plain = Self.rtpPacket(seq: seq, ssrc: ssrc, payloadLength: length)
            var ours = plain
            try sender.protectRTP(&ours)

            // The ROC is 0 for these first packets of each SSRC: index = seq.
            let header = Array(plain.prefix(12))
            let payload = Array(plain.dropFirst(12))
            let keystreamXored = try aesCounterMode(key: keys.encryption, iv: keys.iv(ssrc: ssrc, index: UInt64(seq)), input: payload)
            let authenticated = header + keystreamXored + [0, 0, 0, 0]
            let tag = try Crypto.hmac(.sha1, key: keys.authentication, data: authenticated).prefix(tagLength)
            let expected = header + keystreamXored + tag
            #expect(Hex.encode(ours) == Hex.encode(expected), "seq \(seq), ssrc \(ssrc), \(length) octets")

            var back = expected
            try receiver.unprotectRTP(&back)
            #expect(back == plain)
        }
    }

    /// SRTCP (RFC 3711 §3.4): header and first 8 octets in the clear, the rest encrypted with the
    /// SRTCP keys (labels 3–5) and IV from the SRTCP index, then E-flag || index and the tag
    /// over everything before it.
    @Test func rtcpMatchesIndependentComputation() throws {
        let keys = try SessionKeys(masterKey: Self.masterKey, masterSalt: Self.masterSalt, rtcp: true)
        let sender = try SRTPSession(
            profile: .aes128CmHmacSha1_80, masterKey: Self.masterKey, masterSalt: Self.masterSalt, direction: .outbound)
        let ssrc: UInt32 = 0x1122_3344
        var previousIndex: UInt32?
        for round in 0..<3 {
            // A receiver report with one report block (RFC 3550 §6.4.2): 8 + 24 octets.
            var w = ByteWriter(capacity: 32)
            w.writeU8(0x81)
            w.writeU8(201)
            w.writeU16(7)
            w.writeU32(ssrc)
            w.writeBytes((0..<24).map { UInt8(truncatingIfNeeded: $0 &+ round &* 40) })
            let plain = w.take()
            var ours = plain
            try sender.protectRTCP(&ours)
            #expect(ours.count == plain.count + 4 + 10)

            let trailer = Array(ours[plain.count..<(plain.count + 4)])
            #expect(trailer[0] & 0x80 == 0x80, "E flag set: the packet is encrypted")
            let index = (UInt32(trailer[0] & 0x7F) << 24) | (UInt32(trailer[1]) << 16) | (UInt32(trailer[2]) << 8)
                | UInt32(trailer[3])
            if let previousIndex { #expect(index == previousIndex + 1) }
            previousIndex = index

            let encrypted = try aesCounterMode(
                key: keys.encryption, iv: keys.iv(ssrc: ssrc, index: UInt64(index)), input: Array(plain.dropFirst(8)))
            let body = Array(plain.prefix(8)) + encrypted + trailer
            let tag = try Crypto.hmac(.sha1, key: keys.authentication, data: body).prefix(10)
            #expect(Hex.encode(ours) == Hex.encode(body + tag), "SRTCP index \(index)")
        }
    }
}
