import Foundation
import Testing
import WireKit

/// Random JSON trees for round-trip and differential tests.
struct JSONGenerator {
    var rng: SplitMix64

    /// Strings with escapes, controls, non-ASCII and astral characters.
    mutating func string() -> String {
        let pieces = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "€", "😀", "𝄞", "\u{2028}", "0", "{", "]"]
        return String((0..<Int(rng.next() % 8)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
    }

    mutating func number() -> JSONNumber {
        switch rng.next() % 5 {
        case 0: return JSONNumber(Int64(bitPattern: rng.next()))
        case 1: return JSONNumber(Int(rng.next() % 2000) - 1000)
        case 2: return JSONNumber(text: "\(Int(rng.next() % 100_000) - 50_000).\(rng.next() % 1000)") ?? JSONNumber(0)
        case 3: return JSONNumber(text: "\(rng.next() % 10)e\(Int(rng.next() % 40) - 20)") ?? JSONNumber(0)
        default: return JSONNumber(text: "-\(rng.next() % 10).\(rng.next() % 100)E+\(rng.next() % 5)") ?? JSONNumber(0)
        }
    }

    /// A value nested at most `depth` levels; object names are unique when `uniqueNames`.
    mutating func value(depth: Int, uniqueNames: Bool = true) -> JSONValue {
        let kind = rng.next() % (depth > 0 ? 7 : 5)
        switch kind {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2, 3: return .number(number())
        case 4: return .string(string())
        case 5: return .array((0..<Int(rng.next() % 5)).map { _ in value(depth: depth - 1, uniqueNames: uniqueNames) })
        default:
            var members: [JSONMember] = []
            var names: Set<String> = []
            for _ in 0..<Int(rng.next() % 5) {
                let name = string()
                if uniqueNames, !names.insert(name).inserted { continue }
                members.append(JSONMember(name, value(depth: depth - 1, uniqueNames: uniqueNames)))
            }
            return .object(members)
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func quotedEscapesAsBefore() {
        #expect(JSONWriter.quoted("plain") == #""plain""#)
        #expect(JSONWriter.quoted("a\"b\\c/d") == #""a\"b\\c/d""#)
        #expect(JSONWriter.quoted("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(JSONWriter.quoted("\u{0}\u{01}\u{1F}\u{7F}é😀") == "\"\\u0000\\u0001\\u001f\u{7F}é😀\"")
    }

    @Test func compactAndPrettyLayout() {
        let value = JSONValue.object([
            "b": .array([.integer(1), .string("x")]), "a": .object([]), "c": .array([]), "d": .null, "e": .bool(true),
        ])
        #expect(value.serialized() == #"{"b":[1,"x"],"a":{},"c":[],"d":null,"e":true}"#)
        #expect(
            value.serialized(pretty: true) == """
                {
                  "b" : [
                    1,
                    "x"
                  ],
                  "a" : {},
                  "c" : [],
                  "d" : null,
                  "e" : true
                }
                """)
    }

    @Test func roundTrip() throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: 0x7733))
        for round in 0..<3_000 {
            let value = generator.value(depth: 5, uniqueNames: round % 2 == 0)
            #expect(try JSONValue.parse(value.serialized()) == value)
            #expect(try JSONValue.parse(value.serialized(pretty: true)) == value)
        }
    }

    @Test func prettyOutputReadsBackWithFoundation() throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: 12))
        for _ in 0..<200 {
            let text = generator.value(depth: 4).serialized(pretty: true)
            #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
        }
    }
}
