import Foundation
import Testing
import WireKit

/// Any JSON value, decoded through the `Decoder` protocols only, so Foundation's `JSONDecoder`
/// and `JSONValueDecoder` can be compared on the same type.
private indirect enum AnyJSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let elements = try? container.decode([AnyJSON].self) {
            self = .array(elements)
        } else {
            self = .object(try container.decode([String: AnyJSON].self))
        }
    }
}

/// A fixed-shape message like the KVS ones, to compare error kinds and coding paths.
private struct Shaped: Decodable {
    var messageType: String?
    var count: Int?
    var list: [Entry]?
    var inner: Inner?

    struct Entry: Decodable {
        var name: String
        var ttl: Int64
    }

    struct Inner: Decodable {
        var id: String?
        var flag: Bool?
    }
}

@Suite struct JSONDifferentialTests {
    private func outcome<T: Decodable>(_ decode: () throws -> T) -> String {
        do {
            _ = try decode()
            return "ok"
        } catch let error as DecodingError {
            func path(_ keys: [any CodingKey]) -> String {
                keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            }
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrongType \(path(context.codingPath))"
            case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
            case .dataCorrupted: return "corrupted"
            @unknown default: return "unknown"
            }
        } catch {
            return "other"
        }
    }

    @Test func generatedDocumentsDecodeAlike() throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: 0xD1FF))
        for round in 0..<2_000 {
            let text = generator.value(depth: 5).serialized(pretty: round % 3 == 0)
            let bytes = Array(text.utf8)
            let ours = try JSONValueDecoder().decode(AnyJSON.self, from: bytes)
            let theirs = try JSONDecoder().decode(AnyJSON.self, from: Data(bytes))
            #expect(ours == theirs, "\(text)")
        }
    }

    @Test func mutatedDocumentsAgreeExceptForTrailingCommas() throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: 0xBAD))
        var rng = SplitMix64(seed: 0xBAD5EED)
        var bothAccepted = 0
        var onlyFoundationAccepted = 0
        for _ in 0..<4_000 {
            var bytes = Array(generator.value(depth: 4).serialized().utf8)
            for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
                let position = Int(rng.next() % UInt64(bytes.count))
                let tokens = Array(#"{}[],:" \-.e0\"#.utf8)
                switch rng.next() % 3 {
                case 0: bytes[position] = tokens[Int(rng.next() % UInt64(tokens.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(tokens[Int(rng.next() % UInt64(tokens.count))], at: position)
                }
            }
            var ours: AnyJSON?
            var parseError: JSONParseError?
            do {
                let value = try JSONValue.parse(bytes)
                ours = try? JSONValueDecoder().decode(AnyJSON.self, from: value)
            } catch {
                parseError = error
            }
            let theirs = try? JSONDecoder().decode(AnyJSON.self, from: Data(bytes))
            if let ours {
                bothAccepted += 1
                #expect(theirs == ours, "\(String(decoding: bytes, as: UTF8.self))")
            } else if parseError == nil {
                // Parsed, but a number is beyond Double's range: Foundation refuses it too.
                #expect(theirs == nil, "\(String(decoding: bytes, as: UTF8.self))")
            } else if theirs != nil, let parseError {
                // Foundation accepts a comma before `]` or `}`; RFC 8259 does not.
                onlyFoundationAccepted += 1
                let before = bytes[..<parseError.offset].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
                #expect(
                    before == UInt8(ascii: ",") && [UInt8(ascii: "]"), UInt8(ascii: "}")].contains(bytes[parseError.offset]),
                    "\(String(decoding: bytes, as: UTF8.self)): \(parseError)")
            }
        }
        #expect(bothAccepted > 200)
        print("mutated documents: \(bothAccepted) accepted by both, \(onlyFoundationAccepted) only by Foundation (trailing comma)")
    }

    /// Where this parser is deliberately stricter than Foundation's: trailing commas (not RFC
    /// 8259), UTF-16 input (RFC 8259 §8.1 requires UTF-8) and nesting beyond 64 levels.
    @Test func documentedDifferences() {
        let utf16: [UInt8] = Array(#"{"count":1}"#.utf8).flatMap { [$0, 0] }
        let nested = Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)
        for bytes in [Array(#"{"count":1,}"#.utf8), Array(#"{"list":[],}"#.utf8), [0xFF, 0xFE] + utf16] {
            #expect(outcome { try JSONDecoder().decode(Shaped.self, from: Data(bytes)) } == "ok")
            #expect(outcome { try JSONValueDecoder().decode(Shaped.self, from: bytes) } == "corrupted")
        }
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(nested)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(nested) }
    }

    @Test func shapedMessagesGiveTheSameErrorsAndPaths() {
        let documents = [
            #"{"messageType":"A","count":1,"list":[{"name":"x","ttl":300}],"inner":{"id":"i","flag":true}}"#,
            #"{"messageType":1}"#, #"{"count":"1"}"#, #"{"count":1.5}"#, #"{"count":1.0}"#, #"{"count":1e2}"#,
            #"{"count":1e400}"#, #"{"count":9223372036854775808}"#, #"{"count":null}"#, #"{"list":null}"#,
            #"{"list":{}}"#, #"{"list":[null]}"#, #"{"list":[{"name":"x"}]}"#, #"{"list":[{"ttl":1}]}"#,
            #"{"list":[{"name":"x","ttl":1},{"name":2,"ttl":1}]}"#, #"{"list":[{"name":"x","ttl":-1.5}]}"#,
            #"{"inner":[]}"#, #"{"inner":"x"}"#, #"{"inner":{"flag":"yes"}}"#, #"{"inner":{"flag":null,"id":null}}"#,
            #"[]"#, #""x""#, "null", #"{"messageType":"a","messageType":2}"#, #"{"messageType":2,"messageType":"a"}"#,
            "\u{FEFF}{\"count\":2}", #"{"messageType":"\ud800"}"#, #"{"messageType":"\u0000"}"#, "{\"messageType\":\"\u{7F}\"}",
            #"{"count":-0}"#, #"{"count":01}"#, #"{} "#, #"{}x"#, "",
        ]
        for text in documents {
            let bytes = Array(text.utf8)
            let ours = outcome { try JSONValueDecoder().decode(Shaped.self, from: bytes) }
            let theirs = outcome { try JSONDecoder().decode(Shaped.self, from: Data(bytes)) }
            #expect(ours == theirs, "\(text.debugDescription)")
        }
    }
}
