import Foundation
import Testing
import WireKit

@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        // RFC 4648 §10.
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    }

    @Test func rejectsMalformedText() {
        for bad in [
            "Zg=", "Zg", "Z", "Z===", "=", "==", "====", "Zg==Zg==", "Zg=a", "Z=g=", " Zg==", "Zg==\n", "Zm9v\nYmFy", "Zm9v-_8=",
            "Zm9vYmFy=", "Zm9vYmFy====", "Zm9\u{0}", "Zm9é",
        ] {
            #expect(Base64.decode(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func nonZeroTrailingBitsDecodeLikeFoundation() {
        // RFC 4648 §3.5 lets decoders accept these; Foundation does, and so does this decoder.
        #expect(Base64.decode("Zh==") == Array("f".utf8))
        #expect(Base64.decode("Zm9=") == Array("fo".utf8))
    }

    @Test func agreesWithFoundation() {
        var rng = SplitMix64(seed: 4648)
        for length in 0..<600 {
            let bytes = rng.bytes(length)
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(Base64.decode(encoded) == bytes)
        }
        // Random text: both accept the same strings, except that Foundation is lax about `=`
        // inside the last group ("QQ=a", "====") where this decoder is strict.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 4) * 4 + (rng.next() % 8 == 0 ? 1 : 0)
            let text = String(decoding: (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }, as: UTF8.self)
            let ours = Base64.decode(text)
            let theirs = Data(base64Encoded: text).map { Array($0) }
            if let ours {
                #expect(theirs == ours, "\(text)")
            } else if theirs != nil {
                #expect(text.contains("="), "\(text)")
            }
        }
    }
}
