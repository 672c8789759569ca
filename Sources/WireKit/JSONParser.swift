/// Why bytes are not a JSON text, and where: `offset` is the index of the first byte that does
/// not fit (the input's length when it ended too early).
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The input ended inside a value (or held no value at all).
        case unexpectedEnd
        /// A byte that cannot start or continue the value at this point.
        case unexpectedByte(UInt8)
        /// Something that starts like a number but is not RFC 8259 §6 number syntax.
        case invalidNumber
        /// A `\` escape other than the eight of RFC 8259 §7, or `\u` without four hex digits.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high/low pair.
        case loneSurrogate
        /// An unescaped byte below 0x20 inside a string.
        case controlCharacter
        /// Bytes that are not UTF-8 (RFC 3629) inside a string.
        case invalidUTF8
        /// Arrays and objects nested deeper than the limit.
        case tooDeep(limit: Int)
        /// More than whitespace after the value.
        case trailingData
    }

    public var reason: Reason
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let byte): what = "unexpected byte 0x\(Hex.encode([byte]))"
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence"
        case .loneSurrogate: what = "unpaired UTF-16 surrogate escape"
        case .controlCharacter: what = "unescaped control character in string"
        case .invalidUTF8: what = "invalid UTF-8 in string"
        case .tooDeep(let limit): what = "nesting deeper than \(limit)"
        case .trailingData: what = "data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}

extension JSONValue {
    /// The default nesting limit of ``parse(_:maximumDepth:)``: far beyond any message
    /// kvsmaster reads, and small enough that recursion stays shallow on hostile input.
    public static let defaultMaximumDepth = 64

    /// Parses a complete JSON text (RFC 8259 §2): one value with optional whitespace around it.
    ///
    /// Strict: no comments, trailing commas, single quotes, `NaN` or leading zeros; strings must
    /// be UTF-8 without unescaped control characters, and `\u` escapes of surrogates must pair.
    /// A leading UTF-8 byte order mark is skipped (RFC 8259 §8.1 allows parsers to ignore one).
    /// Total: any input gives a value or a ``JSONParseError``.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        return try parser.parseDocument()
    }

    /// Parses a complete JSON text from any byte collection.
    public static func parse(_ bytes: some Collection<UInt8>, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError)
        -> JSONValue
    {
        try parse(Array(bytes), maximumDepth: maximumDepth)
    }

    /// Parses a complete JSON text given as a string.
    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// A recursive-descent parser over a byte array; depth is bounded, so the recursion is too.
struct JSONParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0
    var depth = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw JSONParseError(.trailingData, at: index) }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONParseError(.unexpectedByte(bytes[index]), at: index)
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let start = index
        let count = word.utf8CodeUnitCount
        for offset in 0..<count {
            let expected = word.utf8Start[offset]
            guard start + offset < bytes.count else { throw JSONParseError(.unexpectedEnd, at: bytes.count) }
            let byte = bytes[start + offset]
            guard byte == expected else { throw JSONParseError(.unexpectedByte(byte), at: start + offset) }
        }
        index = start + count
        return value
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        guard let length = JSONNumber.syntaxLength(bytes, from: index) else {
            throw JSONParseError(.invalidNumber, at: index)
        }
        let text = String(decoding: bytes[index..<index + length], as: UTF8.self)
        index += length
        return JSONNumber(validated: text)
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maximumDepth else { throw JSONParseError(.tooDeep(limit: maximumDepth), at: index) }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default: throw JSONParseError(.unexpectedByte(bytes[index]), at: index)
            }
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte(bytes[index]), at: index) }
            let name = try parseString()
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            guard bytes[index] == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte(bytes[index]), at: index) }
            index += 1
            members.append(JSONMember(name, try parseValue()))
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            default: throw JSONParseError(.unexpectedByte(bytes[index]), at: index)
            }
        }
    }

    /// A string literal starting at the opening quote; leaves `index` after the closing one.
    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                // Every byte appended was checked as UTF-8 or written from a scalar.
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0x00..<0x20:
                throw JSONParseError(.controlCharacter, at: index)
            case 0x20..<0x80:
                out.append(byte)
                index += 1
            default:
                let length = try utf8SequenceLength(at: index)
                out.append(contentsOf: bytes[index..<index + length])
                index += length
            }
        }
    }

    /// The length of the valid multi-byte UTF-8 sequence at `start` (RFC 3629 §4: no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    func utf8SequenceLength(at start: Int) throws(JSONParseError) -> Int {
        let lead = bytes[start]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: throw JSONParseError(.invalidUTF8, at: start)
        }
        for offset in 1..<length {
            guard start + offset < bytes.count else { throw JSONParseError(.unexpectedEnd, at: bytes.count) }
            let byte = bytes[start + offset]
            let range = offset == 1 ? low...high : 0x80...0xBF
            guard range.contains(byte) else { throw JSONParseError(.invalidUTF8, at: start + offset) }
        }
        return length
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let start = index
        index += 1
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4()
            var scalarValue = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) { throw JSONParseError(.loneSurrogate, at: start) }
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError(.loneSurrogate, at: start)
                }
                let lowStart = index
                index += 2
                let lowUnit = try hex4()
                guard (0xDC00...0xDFFF).contains(lowUnit) else { throw JSONParseError(.loneSurrogate, at: lowStart) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(lowUnit) - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw JSONParseError(.loneSurrogate, at: start) }
            out.append(contentsOf: scalar.utf8)
        default:
            throw JSONParseError(.invalidEscape, at: start)
        }
    }

    /// Four hex digits after `\u`.
    mutating func hex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
            guard let digit = Hex.digitValue(bytes[index]) else { throw JSONParseError(.invalidEscape, at: index) }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }
}
