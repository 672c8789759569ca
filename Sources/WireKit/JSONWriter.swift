/// JSON text from values (RFC 8259): string literals for hand-built messages, and whole
/// ``JSONValue`` trees with their members in the order they hold.
public enum JSONWriter {
    /// `value` as a JSON string literal (RFC 8259 §7), quotes included: `"` and `\` escaped,
    /// the usual short escapes for backspace, form feed, newline, carriage return and tab,
    /// `\u00XX` (lowercase hex) for the other control characters, everything else as is.
    public static func quoted(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 2)
        appendQuoted(value, to: &out)
        return out
    }

    /// Appends `value` as a JSON string literal to `out`.
    public static func appendQuoted(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// `value` as JSON text. Compact by default; `pretty` puts each member and element on its
    /// own line, indented by two spaces per level, with `"name" : value` members.
    public static func write(_ value: JSONValue, pretty: Bool = false) -> String {
        var out = ""
        append(value, to: &out, indent: pretty ? 0 : nil)
        return out
    }

    static func append(_ value: JSONValue, to out: inout String, indent: Int?) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number): out += number.text
        case .string(let text): appendQuoted(text, to: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                append(element, to: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (position, member) in members.enumerated() {
                if position > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                appendQuoted(member.name, to: &out)
                out += indent == nil ? ":" : " : "
                append(member.value, to: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: "  ", count: indent)
    }
}

extension JSONValue {
    /// This value as JSON text (see ``JSONWriter/write(_:pretty:)``).
    public func serialized(pretty: Bool = false) -> String { JSONWriter.write(self, pretty: pretty) }
}
