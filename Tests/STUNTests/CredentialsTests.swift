import KVSCrypto
import Testing
import WireKit

@testable import STUN

@Suite struct CredentialsTests {
    @Test func asciiPassesThrough() {
        let password = "c2VjcmV0K3Bhc3M=/+ ~!"
        #expect(STUNCredentials.prepare(password) == password)
        #expect(STUNKey.shortTerm(password: RFC5769.shortTermPassword).bytes == Array(RFC5769.shortTermPassword.utf8))
    }

    @Test func nonASCIISpacesBecomeSpace() {
        #expect(STUNCredentials.prepare("pass\u{00A0}word") == "pass word")
        #expect(STUNCredentials.prepare("\u{3000}a\u{2003}b\u{202F}") == " a b ")
    }

    @Test func commonlyMappedToNothingIsRemoved() {
        #expect(STUNCredentials.prepare("a\u{00AD}b\u{200B}c\u{FEFF}d\u{FE0F}e\u{2060}") == "abcde")
        // Other non-ASCII text is kept (no normalization).
        #expect(STUNCredentials.prepare("caf\u{00E9}\u{00AD}") == "caf\u{00E9}")
        #expect(STUNCredentials.prepare("TheM\u{00AA}tr\u{2168}") == "TheM\u{00AA}tr\u{2168}")
    }

    @Test func longTermKeys() throws {
        let md5 = try STUNKey.longTerm(username: "user", realm: "realm", password: "pass")
        #expect(md5.bytes == (try Crypto.digest(.md5, Array("user:realm:pass".utf8))))
        #expect(Hex.encode(md5.bytes) == "8493fbc53ba582fb4c044c456bdc40eb")
        let sha = try STUNKey.longTerm(username: "user", realm: "realm", password: "pass", algorithm: .sha256)
        #expect(sha.bytes == (try Crypto.digest(.sha256, Array("user:realm:pass".utf8))))
        #expect(sha.bytes.count == 32)
        // A no-break space in the password is prepared before hashing.
        let spaced = try STUNKey.longTerm(username: "user", realm: "realm", password: "pa\u{00A0}ss")
        #expect(spaced == (try STUNKey.longTerm(username: "user", realm: "realm", password: "pa ss")))
        #expect(md5.description == "STUNKey(16 bytes)")
    }

    @Test func integritySHA256FullAndTruncated() throws {
        let key = try STUNKey.longTerm(username: "u", realm: "r", password: "p", algorithm: .sha256)
        let tid = TransactionID(high: 0xAABB_CCDD, low: 42)
        let m = STUNMessage(method: .allocate, messageClass: .request, transactionID: tid,
                            attributes: [.requestedTransport(17), .username("u")])
        let both = try m.encode(integrity: key, integritySHA256: key, fingerprint: true)
        let decoded = try STUNMessage(decoding: both)
        #expect(decoded.attributes.map(\.type) == [
            .requestedTransport, .username, .messageIntegrity, .messageIntegritySHA256, .fingerprint,
        ])
        #expect(STUNMessage.verifyIntegrity(of: both, key: key))
        #expect(STUNMessage.verifyIntegritySHA256(of: both, key: key))
        #expect(STUNMessage.verifyFingerprint(of: both))
        #expect(!STUNMessage.verifyIntegritySHA256(of: both, key: STUNKey(bytes: [1])))

        // A 16-byte MESSAGE-INTEGRITY-SHA256 (§14.6 allows truncation), computed by hand: the
        // length field covers the attribute as sent, the HMAC is cut to 16 bytes.
        var w = try m.encode()
        let lengthWithMAC = UInt16(w.count - 20 + 20)
        w.writeU16(lengthWithMAC, at: 2)
        let mac = try Crypto.hmac(.sha256, key: key.bytes, data: w)
        w += [0x00, 0x1C, 0x00, 0x10] + mac.prefix(16)
        #expect(STUNMessage.verifyIntegritySHA256(of: w, key: key))
        #expect(try STUNMessage(decoding: w).attributes.last == .messageIntegritySHA256(Array(mac.prefix(16))))
        w[w.count - 1] ^= 1
        #expect(!STUNMessage.verifyIntegritySHA256(of: w, key: key))
        #expect(!STUNMessage.verifyIntegrity(of: w, key: key))
    }

    @Test func constantTimeEqual() {
        #expect(STUNMessage.constantTimeEqual([1, 2, 3][...], [1, 2, 3][...]))
        #expect(!STUNMessage.constantTimeEqual([1, 2, 3][...], [1, 2, 4][...]))
        #expect(!STUNMessage.constantTimeEqual([1, 2][...], [1, 2, 3][...]))
    }
}
