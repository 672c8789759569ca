import Testing
import WireKit

@Suite struct JSONDecodingTests {
    private struct Message: Decodable, Equatable {
        var name: String
        var count: Int?
        var tags: [String]?
        var inner: Inner?

        struct Inner: Decodable, Equatable {
            var flag: Bool
            var list: [Item]?
        }

        struct Item: Decodable, Equatable {
            var id: Int64
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: Array(text.utf8))
    }

    /// The failure as `kind path`, e.g. `typeMismatch inner.list.1.id`.
    private func failure<T: Decodable>(_ type: T.Type, _ text: String) -> String {
        do {
            _ = try decode(type, text)
            return "decoded"
        } catch let error as DecodingError {
            func path(_ keys: [any CodingKey]) -> String {
                keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            }
            switch error {
            case .typeMismatch(_, let context): return "typeMismatch \(path(context.codingPath))"
            case .valueNotFound(_, let context): return "valueNotFound \(path(context.codingPath))"
            case .keyNotFound(let key, let context): return "keyNotFound \(path(context.codingPath + [key]))"
            case .dataCorrupted(let context): return "dataCorrupted \(path(context.codingPath))"
            @unknown default: return "unknown"
            }
        } catch {
            return "other \(error)"
        }
    }

    @Test func optionalsMissingAndNull() throws {
        #expect(try decode(Message.self, #"{"name":"a"}"#) == Message(name: "a"))
        #expect(try decode(Message.self, #"{"name":"a","count":null,"tags":null,"inner":null}"#) == Message(name: "a"))
        #expect(
            try decode(Message.self, #"{"name":"a","count":3,"tags":["x","y"],"inner":{"flag":true,"list":[{"id":7}]},"extra":[1]}"#)
                == Message(name: "a", count: 3, tags: ["x", "y"], inner: .init(flag: true, list: [.init(id: 7)])))
        #expect(failure(Message.self, #"{}"#) == "keyNotFound name")
        #expect(failure(Message.self, #"{"name":null}"#) == "valueNotFound name")
        #expect(failure(Message.self, #"{"name":"a","inner":{}}"#) == "keyNotFound inner.flag")
        #expect(failure([String?].self, #"["a",null]"#) == "decoded")
        #expect(try decode([String?].self, #"["a",null]"#) == ["a", nil])
    }

    @Test func typeMismatchPaths() {
        #expect(failure(Message.self, #"{"name":1}"#) == "typeMismatch name")
        #expect(failure(Message.self, #"{"name":"a","count":"3"}"#) == "typeMismatch count")
        #expect(failure(Message.self, #"{"name":"a","tags":["x",2]}"#) == "typeMismatch tags.1")
        #expect(failure(Message.self, #"{"name":"a","tags":"x"}"#) == "typeMismatch tags")
        #expect(failure(Message.self, #"{"name":"a","inner":[]}"#) == "typeMismatch inner")
        #expect(failure(Message.self, #"{"name":"a","inner":{"flag":1}}"#) == "typeMismatch inner.flag")
        #expect(failure(Message.self, #"{"name":"a","inner":{"flag":true,"list":[{"id":1},{"id":true}]}}"#) == "typeMismatch inner.list.1.id")
        #expect(failure(Message.self, #"{"name":"a","inner":{"flag":true,"list":[{"id":1},null]}}"#) == "valueNotFound inner.list.1")
        #expect(failure(Message.self, #"[]"#) == "typeMismatch ")
        #expect(failure(Message.self, #"{"name":"a"} x"#) == "dataCorrupted ")
    }

    @Test func integerRange() throws {
        #expect(try decode([Int64].self, "[9223372036854775807,-9223372036854775808,0,-0,1.0,1e2,1.5e1]") == [.max, .min, 0, 0, 1, 100, 15])
        #expect(try decode([UInt8].self, "[0,255]") == [0, 255])
        #expect(failure([UInt8].self, "[256]") == "dataCorrupted 0")
        #expect(failure([UInt8].self, "[-1]") == "dataCorrupted 0")
        #expect(failure([Int8].self, "[-129]") == "dataCorrupted 0")
        #expect(failure([Int].self, "[1.5]") == "dataCorrupted 0")
        #expect(failure([Int].self, "[1e400]") == "dataCorrupted 0")
        #expect(failure([Int64].self, "[9223372036854775808]") == "dataCorrupted 0")
        #expect(failure([UInt64].self, "[18446744073709551616]") == "dataCorrupted 0")
        #expect(try decode([UInt64].self, "[18446744073709551615]") == [.max])
        #expect(failure([Int].self, "[true]") == "typeMismatch 0")
        #expect(try decode([Double].self, "[1, -0.5, 1e300]") == [1, -0.5, 1e300])
        #expect(failure([Double].self, "[1e400]") == "dataCorrupted 0")
        #expect(failure([Float].self, "[1e300]") == "dataCorrupted 0")
    }

    @Test func containersAndDuplicates() throws {
        #expect(try decode([String: Int].self, #"{"b":2,"a":1}"#) == ["a": 1, "b": 2])
        // The first of duplicate members counts, as in Foundation's decoder.
        #expect(try decode([String: Int].self, #"{"a":1,"a":2}"#) == ["a": 1])
        struct One: Decodable { var a: Int }
        #expect(try decode(One.self, #"{"a":1,"a":"x"}"#).a == 1)

        struct Pair: Decodable, Equatable {
            var first: String
            var second: Int
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                #expect(container.count != nil)
                first = try container.decode(String.self)
                second = try container.decode(Int.self)
                #expect(container.isAtEnd)
                #expect(throws: DecodingError.self) { _ = try container.decode(Int.self) }
            }
        }
        #expect(failure(Pair.self, #"["a",1]"#) == "decoded")
        #expect(failure(Pair.self, #"["a"]"#) == "valueNotFound 1")

        struct Scalar: Decodable {
            var value: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                value = container.decodeNil() ? "null" : try container.decode(String.self)
            }
        }
        #expect(try decode(Scalar.self, "null").value == "null")
        #expect(try decode(Scalar.self, #""x""#).value == "x")
        #expect(failure(Scalar.self, "1") == "typeMismatch ")
        #expect(try JSONValueDecoder().decode([Bool].self, from: .array([.bool(true), .bool(false)])) == [true, false])
    }
}
