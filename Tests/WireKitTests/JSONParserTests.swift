import Testing
import WireKit

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONValue.parse(text) }

    private func rejects(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func rejects(_ text: String) -> JSONParseError? { rejects(Array(text.utf8)) }

    @Test func rfc8259Examples() throws {
        // RFC 8259 §13, first example.
        let image = try parse(
            #"""
            {
              "Image": {
                  "Width":  800,
                  "Height": 600,
                  "Title":  "View from 15th Floor",
                  "Thumbnail": {
                      "Url":    "http://www.example.com/image/481989943",
                      "Height": 125,
                      "Width":  100
                  },
                  "Animated" : false,
                  "IDs": [116, 943, 234, 38793]
                }
            }
            """#)
        #expect(image["Image"]?["Width"] == .integer(800))
        #expect(image["Image"]?["Title"] == .string("View from 15th Floor"))
        #expect(image["Image"]?["Thumbnail"]?["Url"] == .string("http://www.example.com/image/481989943"))
        #expect(image["Image"]?["Animated"] == .bool(false))
        #expect(image["Image"]?["IDs"] == .array([.integer(116), .integer(943), .integer(234), .integer(38793)]))
        guard case .object(let members) = image["Image"] else {
            Issue.record("Image is not an object")
            return
        }
        #expect(members.map(\.name) == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])

        // Second example: an array of two objects with fractional numbers.
        let places = try parse(
            #"""
            [
              {
                 "precision": "zip",
                 "Latitude":  37.7668,
                 "Longitude": -122.3959,
                 "Address":   "",
                 "City":      "SAN FRANCISCO",
                 "State":     "CA",
                 "Zip":       "94107",
                 "Country":   "US"
              },
              {
                 "precision": "zip",
                 "Latitude":  37.371991,
                 "Longitude": -122.026020,
                 "Address":   "",
                 "City":      "SUNNYVALE",
                 "State":     "CA",
                 "Zip":       "94085",
                 "Country":   "US"
              }
            ]
            """#)
        guard case .array(let elements) = places else {
            Issue.record("not an array")
            return
        }
        #expect(elements.count == 2)
        #expect(elements[1]["Longitude"] == .number(try #require(JSONNumber(text: "-122.026020"))))

        // Top-level scalars (RFC 8259 §2 allows any value).
        #expect(try parse(#""Hello world!""#) == .string("Hello world!"))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("true") == .bool(true))
        #expect(try parse("null") == .null)
    }

    @Test func numbersKeepTheirText() throws {
        for text in ["0", "-0", "1e400", "-1.5E-7", "123456789012345678901234567890", "9223372036854775807", "-9223372036854775808", "0.0", "1E+2"] {
            #expect(try parse(text) == .number(try #require(JSONNumber(text: text))), "\(text)")
        }
        #expect(try parse("-0") != parse("0"))
        #expect(JSONNumber(text: "9223372036854775807")?.integer(as: Int64.self) == Int64.max)
        #expect(JSONNumber(text: "-9223372036854775808")?.integer(as: Int64.self) == Int64.min)
        #expect(JSONNumber(text: "9223372036854775808")?.integer(as: Int64.self) == nil)
        #expect(JSONNumber(text: "1e400")?.double == nil)
        #expect(JSONNumber(text: "-0")?.integer(as: Int.self) == 0)
        for bad in ["", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", " 1", "1 ", "NaN", "Infinity", "--1"] {
            #expect(JSONNumber(text: bad) == nil, "\(bad)")
        }
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{08}e\u{0C}f\ng\rh\ti"))
        #expect(try parse(#""\u00e9\u00E9\u0000""#) == .string("éé\u{0}"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD834\uDD1E""#) == .string("𝄞"))
        #expect(try parse("\"é😀\u{7F}\"") == .string("é😀\u{7F}"))
    }

    @Test func rejectsWithReasonAndOffset() {
        let cases: [(String, JSONParseError)] = [
            ("", JSONParseError(.unexpectedEnd, at: 0)),
            ("   ", JSONParseError(.unexpectedEnd, at: 3)),
            ("01", JSONParseError(.trailingData, at: 1)),
            ("[01]", JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 2)),
            ("1.", JSONParseError(.invalidNumber, at: 0)),
            (".5", JSONParseError(.unexpectedByte(UInt8(ascii: ".")), at: 0)),
            ("+1", JSONParseError(.unexpectedByte(UInt8(ascii: "+")), at: 0)),
            ("-", JSONParseError(.invalidNumber, at: 0)),
            ("[1,]", JSONParseError(.unexpectedByte(UInt8(ascii: "]")), at: 3)),
            (#"{"a":1,}"#, JSONParseError(.unexpectedByte(UInt8(ascii: "}")), at: 7)),
            ("{'a':1}", JSONParseError(.unexpectedByte(UInt8(ascii: "'")), at: 1)),
            (#"{"a" 1}"#, JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 5)),
            ("{1:2}", JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 1)),
            ("[1 2]", JSONParseError(.unexpectedByte(UInt8(ascii: "2")), at: 3)),
            ("[1] x", JSONParseError(.trailingData, at: 4)),
            ("{}{}", JSONParseError(.trailingData, at: 2)),
            ("tru", JSONParseError(.unexpectedEnd, at: 3)),
            ("trUe", JSONParseError(.unexpectedByte(UInt8(ascii: "U")), at: 2)),
            ("NaN", JSONParseError(.unexpectedByte(UInt8(ascii: "N")), at: 0)),
            ("/*c*/1", JSONParseError(.unexpectedByte(UInt8(ascii: "/")), at: 0)),
            (#""\ud800""#, JSONParseError(.loneSurrogate, at: 1)),
            (#""\udc00""#, JSONParseError(.loneSurrogate, at: 1)),
            (#""\ud800\u0041""#, JSONParseError(.loneSurrogate, at: 7)),
            (#""\ud800x""#, JSONParseError(.loneSurrogate, at: 1)),
            (#""\x""#, JSONParseError(.invalidEscape, at: 1)),
            (#""\u12g4""#, JSONParseError(.invalidEscape, at: 5)),
            (#""abc"#, JSONParseError(.unexpectedEnd, at: 4)),
            ("\"a\u{01}\"", JSONParseError(.controlCharacter, at: 2)),
            ("\"a\tb\"", JSONParseError(.controlCharacter, at: 2)),
            ("[\u{0C}1]", JSONParseError(.unexpectedByte(0x0C), at: 1)),
        ]
        for (text, expected) in cases {
            #expect(rejects(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func rejectsInvalidUTF8() throws {
        let quote = UInt8(ascii: "\"")
        let cases: [([UInt8], JSONParseError)] = [
            ([quote, 0xC0, 0xAF, quote], JSONParseError(.invalidUTF8, at: 1)),  // overlong "/"
            ([quote, 0xE0, 0x80, 0xAF, quote], JSONParseError(.invalidUTF8, at: 2)),  // overlong
            ([quote, 0xED, 0xA0, 0x80, quote], JSONParseError(.invalidUTF8, at: 2)),  // encoded surrogate
            ([quote, 0xF4, 0x90, 0x80, 0x80, quote], JSONParseError(.invalidUTF8, at: 2)),  // above U+10FFFF
            ([quote, 0xFF, quote], JSONParseError(.invalidUTF8, at: 1)),
            ([quote, 0x80, quote], JSONParseError(.invalidUTF8, at: 1)),
            ([quote, 0xC3, quote], JSONParseError(.invalidUTF8, at: 2)),
            ([quote, 0xE2, 0x82], JSONParseError(.unexpectedEnd, at: 3)),
        ]
        for (bytes, expected) in cases {
            #expect(rejects(bytes) == expected, "\(bytes)")
        }
        #expect(try JSONValue.parse([quote, 0xE2, 0x82, 0xAC, quote]) == .string("€"))
    }

    @Test func whitespaceAndByteOrderMark() throws {
        #expect(try parse(" \t\r\n[ 1 , { \"a\" : null } ]\n ") == .array([.integer(1), .object(["a": .null])]))
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object([]))
        // A byte order mark is skipped only at the start.
        #expect(rejects([0x20, 0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == JSONParseError(.unexpectedByte(0xEF), at: 1))
        #expect(rejects([0xEF, 0xBB, 0xBF]) == JSONParseError(.unexpectedEnd, at: 3))
    }

    @Test func duplicateNamesKeepAllMembersAndLookupTakesTheFirst() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value == .object([JSONMember("a", .integer(1)), JSONMember("b", .integer(2)), JSONMember("a", .integer(3))]))
        #expect(value["a"] == .integer(1))
    }

    @Test func depthLimit() throws {
        let limit = JSONValue.defaultMaximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONValue.parse(deepest) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(rejects(tooDeep) == JSONParseError(.tooDeep(limit: limit), at: limit))
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(rejects(objects)?.reason == .tooDeep(limit: limit))
        // Hostile nesting fails fast at the limit instead of recursing through the input.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(rejects(hostile) == JSONParseError(.tooDeep(limit: limit), at: limit))
        #expect(rejects(String(repeating: "[", count: 3)) == JSONParseError(.unexpectedEnd, at: 3))
        #expect(try JSONValue.parse("[[1]]", maximumDepth: 2) == .array([.array([.integer(1)])]))
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[[1]]", maximumDepth: 1) }
    }

    @Test func totalOnRandomAndMutatedInput() {
        var rng = SplitMix64(seed: 0x150_8259)
        let seeds = [
            #"{"messageType":"SDP_OFFER","messagePayload":"eyJ0eXBlIjoib2ZmZXIifQ==","senderClientId":"v1"}"#,
            #"[1,-2.5e3,"\u00e9\ud83d\ude00",true,false,null,{"a":[{}]}]"#,
        ].map { Array($0.utf8) }
        var accepted = 0
        for round in 0..<20_000 {
            var input = seeds[round % seeds.count]
            if round % 3 == 0 {
                input = rng.bytes(Int(rng.next() % 64))
            } else {
                for _ in 0..<(1 + Int(rng.next() % 4)) where !input.isEmpty {
                    let position = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 3 {
                    case 0: input[position] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: input.remove(at: position)
                    default:
                        let tokens = Array("{}[],:\"\\u0 1e-".utf8)
                        input.insert(tokens[Int(rng.next() % UInt64(tokens.count))], at: position)
                    }
                }
            }
            do {
                let value = try JSONValue.parse(input)
                accepted += 1
                // Whatever parses writes back to text that parses to the same value.
                #expect(try JSONValue.parse(value.serialized()) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= input.count)
            }
        }
        #expect(accepted > 100)
    }
}
