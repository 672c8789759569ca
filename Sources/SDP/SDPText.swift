/// Small text helpers shared by the line and attribute grammars of RFC 8866 §9.
enum SDPText {
    /// Fields separated by exactly one space, as the structured lines (`o=`, `c=`, `m=`, `t=`)
    /// require. Empty fields are kept so the caller can reject them.
    static func strictFields(_ text: Substring) -> [Substring] {
        text.split(separator: " ", omittingEmptySubsequences: false)
    }

    /// Fields separated by one or more spaces, for attribute values where senders are known to
    /// vary the spacing.
    static func looseFields(_ text: Substring) -> [Substring] {
        text.split(separator: " ", omittingEmptySubsequences: true)
    }

    /// A decimal number made of ASCII digits only (no sign, no spaces), or the problem with it.
    static func decimal<T: FixedWidthInteger & UnsignedInteger>(
        _ text: Substring, as type: T.Type
    ) -> Result<T, SDPError.Problem> {
        if text.isEmpty { return .failure(.empty) }
        var value: T = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return .failure(.notANumber) }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(T(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return .failure(.outOfRange) }
            value = sum
        }
        return .success(value)
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
        text.drop(while: { $0 == " " || $0 == "\t" })
    }

    /// The text with spaces and tabs removed at both ends.
    static func trimmed(_ text: Substring) -> Substring {
        var t = trimmingLeadingSpaces(text)
        while let last = t.last, last == " " || last == "\t" { t = t.dropLast() }
        return t
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
