/// The syntax of kvsmaster's config file: one `key = value` per line, `#` comments (whole
/// lines, or after whitespace in an unquoted value), blank lines, values optionally in double
/// quotes (`\"` and `\\` escapes) or single quotes (literal). Keys are lowercase words with
/// dashes. Which keys exist and what their values mean is the resolver's business.
public struct ConfigurationFile: Sendable, Equatable {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// The path as given, used in error messages.
    public var path: String
    /// The entries in file order.
    public var entries: [Entry]

    public init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    /// Parses `text`; the first syntax error or repeated key is returned with its line number.
    public static func parse(_ text: String, path: String) -> Result<ConfigurationFile, ConfigurationError> {
        var entries: [Entry] = []
        var firstLine: [String: Int] = [:]
        var number = 0
        // "\r\n" is one Character, so CRLF files need it named as a separator.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let origin = SettingOrigin.file(path: path, line: number)
            var line = rawLine
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                return .failure(
                    ConfigurationError(
                        .syntax, origin: origin, key: nil,
                        message: "expected key = value, got \(String(trimmed).quotedForMessage)"))
            }
            let key = String(trimmed[..<equals].trimmingWhitespace())
            guard isKeyName(key) else {
                return .failure(
                    ConfigurationError(
                        .syntax, origin: origin, key: nil,
                        message: "\(key.quotedForMessage) is not a key name (letters, digits and dashes)"))
            }
            let value: String
            switch parseValue(trimmed[trimmed.index(after: equals)...]) {
            case .success(let parsed): value = parsed
            case .failure(let problem):
                return .failure(ConfigurationError(.syntax, origin: origin, key: key, message: problem.message))
            }
            if let first = firstLine[key] {
                return .failure(
                    ConfigurationError(
                        .duplicateKey, origin: origin, key: key, message: "duplicate key (first set on line \(first))"))
            }
            firstLine[key] = number
            entries.append(Entry(key: key, value: value, line: number))
        }
        return .success(ConfigurationFile(path: path, entries: entries))
    }

    /// Letters, digits, `-` and `_`: upper-case names such as `AWS_SECRET_ACCESS_KEY` pass the
    /// syntax check so the resolver can say why they are refused instead of calling them malformed.
    static func isKeyName(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 64
            && key.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                    || $0 == 0x5F
            }
    }

    struct ValueProblem: Error {
        var message: String
    }

    /// The text after `=`: quoted (the quotes removed, nothing but a comment after them) or bare
    /// (trimmed, cut at a ` #` comment).
    static func parseValue(_ text: Substring) -> Result<String, ValueProblem> {
        let rest = text.trimmingWhitespace()
        guard let quote = rest.first, quote == "\"" || quote == "'" else {
            var value = rest
            var previous: Character = " "
            for index in value.indices {
                if value[index] == "#" && (previous == " " || previous == "\t") {
                    value = value[..<index]
                    break
                }
                previous = value[index]
            }
            return .success(String(value.trimmingWhitespace()))
        }
        var value = ""
        var index = rest.index(after: rest.startIndex)
        var closed = false
        while index < rest.endIndex {
            let character = rest[index]
            if character == quote {
                closed = true
                index = rest.index(after: index)
                break
            }
            if quote == "\"" && character == "\\" {
                let next = rest.index(after: index)
                guard next < rest.endIndex else { break }
                let escaped = rest[next]
                guard escaped == "\"" || escaped == "\\" else {
                    return .failure(ValueProblem(message: "unknown escape \\\(escaped) in a quoted value (only \\\" and \\\\)"))
                }
                value.append(escaped)
                index = rest.index(after: next)
                continue
            }
            value.append(character)
            index = rest.index(after: index)
        }
        guard closed else { return .failure(ValueProblem(message: "unterminated quote")) }
        let after = rest[index...].trimmingWhitespace()
        guard after.isEmpty || after.hasPrefix("#") else {
            return .failure(ValueProblem(message: "unexpected text after the closing quote"))
        }
        return .success(value)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        let isSpace = { (c: Character) in c == " " || c == "\t" || c == "\r" || c == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) }) ?? first
        return self[first...last]
    }
}
