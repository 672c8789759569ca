/// Decodes `Decodable` types from a ``JSONValue`` through the standard library's `Decoder`
/// protocols, with the semantics of Foundation's `JSONDecoder` (default strategies):
///
/// - a missing key throws `DecodingError.keyNotFound`; `decodeIfPresent` gives nil for a
///   missing key and for `null`;
/// - `null` where a value is required throws `.valueNotFound`, a value of another JSON type
///   `.typeMismatch`, both with the coding path of the value;
/// - integers accept integral numbers only (`1`, `1.0`, `1e2`), and a fraction or a value out
///   of the type's range throws `.dataCorrupted`, as does a number beyond `Double`'s range;
/// - when an object repeats a name, the first member counts.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Decodes `type` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: JSONValueDecoderImpl(value: value, codingPath: []))
    }

    /// Parses `bytes` and decodes `type`; a parse error becomes `DecodingError.dataCorrupted`
    /// with the ``JSONParseError`` as its underlying error.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "The given data was not valid JSON: \(error)", underlyingError: error))
        }
        return try decode(type, from: value)
    }
}

/// The coding key of an array element: its index.
struct JSONIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String

    init(index: Int) {
        intValue = index
        stringValue = "Index \(index)"
    }

    init?(intValue: Int) { self.init(index: intValue) }

    init?(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }
}

/// The `Decoder` for one value; containers hand out new ones for nested values.
struct JSONValueDecoderImpl: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let members):
            return KeyedDecodingContainer(JSONKeyedContainer<Key>(members: members, codingPath: codingPath))
        case .null:
            throw DecodingError.valueNotFound(
                [String: Any].self,
                .init(codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default:
            throw mismatch([String: Any].self)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let elements):
            return JSONUnkeyedContainer(elements: elements, codingPath: codingPath)
        case .null:
            throw DecodingError.valueNotFound(
                [Any].self,
                .init(codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default:
            throw mismatch([Any].self)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { JSONSingleValueContainer(decoder: self) }

    // MARK: Scalars

    func mismatch(_ type: Any.Type) -> DecodingError {
        let found: String
        switch value {
        case .null: found = "null"
        case .bool: found = "bool"
        case .number: found = "number"
        case .string: found = "a string"
        case .array: found = "an array"
        case .object: found = "a dictionary"
        }
        return DecodingError.typeMismatch(
            type, .init(codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(found) instead."))
    }

    func notFound(_ type: Any.Type) -> DecodingError {
        DecodingError.valueNotFound(
            type, .init(codingPath: codingPath, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
    }

    func corrupted(_ text: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: text))
    }

    func unboxBool() throws -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .null: throw notFound(Bool.self)
        default: throw mismatch(Bool.self)
        }
    }

    func unboxString() throws -> String {
        switch value {
        case .string(let text): return text
        case .null: throw notFound(String.self)
        default: throw mismatch(String.self)
        }
    }

    func unboxNumber(_ type: Any.Type) throws -> JSONNumber {
        switch value {
        case .number(let number): return number
        case .null: throw notFound(type)
        default: throw mismatch(type)
        }
    }

    func unboxInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let number = try unboxNumber(type)
        guard let integer = number.integer(as: type) else {
            throw corrupted("Number \(number.text.prefix(64)) is not representable as \(type).")
        }
        return integer
    }

    func unboxDouble() throws -> Double {
        let number = try unboxNumber(Double.self)
        guard let double = number.double else {
            throw corrupted("Number \(number.text.prefix(64)) is not representable as Double.")
        }
        return double
    }

    func unboxFloat() throws -> Float {
        let double = try unboxDouble()
        let float = Float(double)
        guard float.isFinite else { throw corrupted("Number \(double) does not fit in Float.") }
        return float
    }

    func nested(_ value: JSONValue, key: any CodingKey) -> JSONValueDecoderImpl {
        JSONValueDecoderImpl(value: value, codingPath: codingPath + [key])
    }
}

/// `singleValueContainer()`: the decoder's own value.
struct JSONSingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoderImpl
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.unboxBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.unboxString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.unboxDouble() }
    func decode(_ type: Float.Type) throws -> Float { try decoder.unboxFloat() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.unboxInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.unboxInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.unboxInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.unboxInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.unboxInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.unboxInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.unboxInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.unboxInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.unboxInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.unboxInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}

/// The container of an object: members looked up by name, the first of duplicates winning.
struct JSONKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [JSONMember]
    let positions: [String: Int]
    let codingPath: [any CodingKey]

    init(members: [JSONMember], codingPath: [any CodingKey]) {
        self.members = members
        self.codingPath = codingPath
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        for (position, member) in members.enumerated() where positions[member.name] == nil {
            positions[member.name] = position
        }
        self.positions = positions
    }

    var allKeys: [Key] {
        members.enumerated().compactMap { position, member in
            positions[member.name] == position ? Key(stringValue: member.name) : nil
        }
    }

    func contains(_ key: Key) -> Bool { positions[key.stringValue] != nil }

    func decoder(for key: Key) throws -> JSONValueDecoderImpl {
        guard let position = positions[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return JSONValueDecoderImpl(value: members[position].value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try decoder(for: key).value == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder(for: key).unboxBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder(for: key).unboxString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder(for: key).unboxDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder(for: key).unboxFloat() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder(for: key).unboxInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder(for: key).unboxInteger(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: decoder(for: key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = JSONIndexKey(stringValue: "super") ?? JSONIndexKey(index: 0)
        return superDecoder(named: key.stringValue, key: key)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { superDecoder(named: key.stringValue, key: key) }

    /// The value at `name`, or null when absent (Foundation's behaviour for super decoders).
    private func superDecoder(named name: String, key: any CodingKey) -> any Decoder {
        let value = positions[name].map { members[$0].value } ?? .null
        return JSONValueDecoderImpl(value: value, codingPath: codingPath + [key])
    }
}

/// The container of an array, read front to back.
struct JSONUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The decoder of the current element; advances past it.
    mutating func next(_ type: Any.Type) throws -> JSONValueDecoderImpl {
        let key = JSONIndexKey(index: currentIndex)
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath + [key], debugDescription: "Unkeyed container is at end."))
        }
        let decoder = JSONValueDecoderImpl(value: elements[currentIndex], codingPath: codingPath + [key])
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any?.self,
                .init(codingPath: codingPath + [JSONIndexKey(index: currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        guard elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type).unboxBool() }
    mutating func decode(_ type: String.Type) throws -> String { try next(type).unboxString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type).unboxDouble() }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type).unboxFloat() }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type).unboxInteger(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type).unboxInteger(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type).unboxInteger(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type).unboxInteger(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next(type)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next([String: Any].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next([Any].self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
}
