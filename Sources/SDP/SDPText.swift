/// Small text helpers shared by the line and attribute grammars of RFC 8866 §9.
enum SDPText {
    /// Fields separated by exactly one space, as the structured lines (`o=`, `c=`, `m=`, `t=`)
    /// require. Empty fields are kept so the caller can reject them.
    static func strictFields(_ text: Substring) -> [Substring] {
        split(text, on: UInt8(ascii: " "), keepEmpty: true)
    }

    /// Fields separated by one or more spaces, for attribute values where senders are known to
    /// vary the spacing.
    static func looseFields(_ text: Substring) -> [Substring] {
        split(text, on: UInt8(ascii: " "), keepEmpty: false)
    }

    /// Splits on an ASCII byte. Works on the UTF-8 view: the separator is ASCII, so every cut is
    /// on a character boundary, and byte scanning avoids grapheme breaking.
    static func split(_ text: Substring, on separator: UInt8, keepEmpty: Bool) -> [Substring] {
        var fields: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == separator {
                if keepEmpty || start < index { fields.append(text[start..<index]) }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if keepEmpty || start < utf8.endIndex { fields.append(text[start..<utf8.endIndex]) }
        return fields
    }

    /// The text before the first space and the text after the spaces that follow it.
    static func splitFirstSpace(_ text: Substring) -> (head: Substring, rest: Substring) {
        guard let space = text.utf8.firstIndex(of: UInt8(ascii: " ")) else { return (text, text[text.endIndex...]) }
        return (text[..<space], trimmingLeadingSpaces(text[space...]))
    }

    /// The index of the first occurrence of an ASCII byte.
    static func firstIndex(of byte: UInt8, in text: Substring) -> Substring.Index? {
        text.utf8.firstIndex(of: byte)
    }

    /// Runs `body` over the UTF-8 bytes of `text` without copying when the storage is contiguous
    /// (it is for every string this parser makes).
    static func withBytes<R>(_ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// A decimal number made of ASCII digits only (no sign, no spaces), or the problem with it.
    static func decimal<T: FixedWidthInteger & UnsignedInteger>(
        _ text: Substring, as type: T.Type
    ) -> Result<T, SDPError.Problem> {
        let parsed: Result<UInt64, SDPError.Problem> = withBytes(text) { bytes in
            if bytes.isEmpty { return .failure(.empty) }
            var value: UInt64 = 0
            for i in 0..<bytes.count {
                let digit = bytes[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return .failure(.notANumber) }
                // 20 digits can overflow UInt64; anything that large is out of range for every field.
                guard value <= (UInt64.max - 9) / 10 else { return .failure(.outOfRange) }
                value = value * 10 + UInt64(digit)
            }
            return .success(value)
        }
        switch parsed {
        case .success(let value):
            guard let narrowed = T(exactly: value) else { return .failure(.outOfRange) }
            return .success(narrowed)
        case .failure(let problem):
            return .failure(problem)
        }
    }

    /// Parses a decimal field of an attribute, throwing a typed error naming it.
    static func attributeNumber<T: FixedWidthInteger & UnsignedInteger>(
        _ text: Substring, as type: T.Type, attribute: String, field: String,
        range: ClosedRange<T>? = nil
    ) throws(SDPError) -> T {
        switch decimal(text, as: type) {
        case .success(let value):
            if let range, !range.contains(value) { throw .attribute(attribute, field, .outOfRange) }
            return value
        case .failure(let problem):
            throw .attribute(attribute, field, problem)
        }
    }

    /// Parses a decimal field of a structured line, throwing a typed error naming it.
    static func lineNumber<T: FixedWidthInteger & UnsignedInteger>(
        _ text: Substring, as type: T.Type, line: Character, field: String
    ) throws(SDPError) -> T {
        switch decimal(text, as: type) {
        case .success(let value): return value
        case .failure(let problem): throw .line(line, field, problem)
        }
    }

    /// The text with leading spaces removed (browsers write `a=msid-semantic: WMS`).
    static func trimmingLeadingSpaces(_ text: Substring) -> Substring {
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index < utf8.endIndex, utf8[index] == 0x20 || utf8[index] == 0x09 { index = utf8.index(after: index) }
        return text[index...]
    }

    /// The text with spaces and tabs removed at both ends.
    static func trimmed(_ text: Substring) -> Substring {
        let t = trimmingLeadingSpaces(text)
        let utf8 = t.utf8
        var end = utf8.endIndex
        while end > utf8.startIndex {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        return t[..<end]
    }

    /// ASCII case-insensitive comparison (encoding names, fmtp parameter names, transports).
    static func equalsIgnoringCase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = a.utf8
        let y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where lowerASCII(p) != lowerASCII(q) { return false }
        return true
    }

    static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `text` with ASCII letters lowercased; other characters untouched.
    static func lowercasedASCII(_ text: some StringProtocol) -> String {
        String(decoding: text.utf8.map(lowerASCII), as: UTF8.self)
    }
}
