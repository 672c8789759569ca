/// A JSON value (RFC 8259 §3): what ``JSONValue/parse(_:maximumDepth:)`` produces, what
/// ``JSONValueDecoder`` decodes `Decodable` types from and what ``JSONValue/serialized(pretty:)``
/// writes.
///
/// Objects keep their members in document order, duplicates included; a lookup by name
/// (``subscript(_:)-(String)``, the decoder) takes the first member with that name. Numbers keep
/// their text, so integers of any size round-trip exactly.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of the first member called `name`, nil when this is not an object or has no such member.
    public subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.name == name }?.value
    }

    /// An integer number.
    public static func integer(_ value: some BinaryInteger) -> JSONValue { .number(JSONNumber(value)) }

    /// An object from `(name, value)` pairs, in this order.
    public static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members.map { JSONMember($0.key, $0.value) })
    }
}

/// One `name: value` member of a JSON object.
public struct JSONMember: Equatable, Sendable {
    public var name: String
    public var value: JSONValue

    public init(_ name: String, _ value: JSONValue) {
        self.name = name
        self.value = value
    }
}

/// A JSON number as written (RFC 8259 §6): `-? int frac? exp?`. Two numbers are equal when their
/// text is, so `1` and `1.0` differ here even though both decode to the integer 1.
public struct JSONNumber: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The number's text, always valid RFC 8259 number syntax.
    public let text: String

    /// The decimal text of an integer.
    public init(_ value: some BinaryInteger) { text = String(value) }

    /// A number from its text; nil unless `text` is exactly RFC 8259 number syntax.
    public init?(text: String) {
        let bytes = Array(text.utf8)
        guard JSONNumber.syntaxLength(bytes, from: 0) == bytes.count, !bytes.isEmpty else { return nil }
        self.text = text
    }

    init(validated text: String) { self.text = text }

    public var description: String { text }

    /// The value as `T` when it is an integer `T` can hold. Like Foundation's decoder, an
    /// integral value written with a fraction or exponent (`1.0`, `1e2`) counts; `1.5`, `1e400`
    /// and values out of `T`'s range do not.
    public func integer<T: FixedWidthInteger>(as type: T.Type = T.self) -> T? {
        if let exact = T(text, radix: 10) { return exact }
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
            let double = Double(text), double.isFinite
        else { return nil }
        return T(exactly: double)
    }

    /// The value as the nearest `Double`; nil when it is beyond `Double`'s range (`1e400`).
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// How many bytes from `start` form a number, or nil when the bytes there do not start one
    /// (a lone `-`, a leading zero followed by a digit, `1.` or `1e` are not numbers).
    static func syntaxLength(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return index - start
    }
}
