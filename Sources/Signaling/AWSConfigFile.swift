/// The INI dialect of the AWS shared configuration files, `~/.aws/credentials` and
/// `~/.aws/config` (AWS SDKs and Tools Reference Guide, "Shared config and credentials files").
///
/// `[name]` opens a section (`[profile name]` in the config file), `key = value` sets a
/// property, lines starting with `#` or `;` are comments, and `#`/`;` after whitespace starts
/// an inline comment. Property names are case-insensitive (stored lowercased) as in botocore;
/// section names are kept as written. Indented lines under a property with an empty value are
/// nested sub-properties (e.g. `s3 =` followed by `  max_concurrent_requests = 20`) and are
/// skipped. Anything else that is not understood is skipped and counted, never fatal.
public struct AWSConfigFile: Sendable, Equatable {
    /// Section name → property name (lowercased) → value. A repeated section merges; a repeated
    /// property keeps the last value.
    public var sections: [String: [String: String]]
    /// 1-based numbers of lines that were neither blank, comment, section nor property.
    public var malformedLines: [Int]

    public init(sections: [String: [String: String]] = [:], malformedLines: [Int] = []) {
        self.sections = sections
        self.malformedLines = malformedLines
    }

    public init(parsing text: String) {
        self.init()
        var current: String?
        var inNestedBlock = false
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let indented = rawLine.first.map { $0 == " " || $0 == "\t" } ?? false
            let line = Self.stripComment(Self.trim(rawLine))
            if line.isEmpty { continue }
            if line.first == "[" {
                inNestedBlock = false
                guard line.last == "]", line.count >= 2 else {
                    malformedLines.append(lineNumber)
                    current = nil
                    continue
                }
                let name = Self.trim(line.dropFirst().dropLast())
                current = String(name)
                if sections[String(name)] == nil { sections[String(name)] = [:] }
                continue
            }
            if indented && inNestedBlock { continue }
            guard let equals = line.firstIndex(of: "="), let section = current else {
                malformedLines.append(lineNumber)
                continue
            }
            let key = Self.trim(line[..<equals]).lowercased()
            let value = Self.trim(line[line.index(after: equals)...])
            guard !key.isEmpty else {
                malformedLines.append(lineNumber)
                continue
            }
            inNestedBlock = value.isEmpty
            sections[section, default: [:]][key] = String(value)
        }
    }

    /// The properties of a profile in the credentials file (`[name]`).
    public func credentialsProfile(_ name: String) -> [String: String]? {
        sections[name]
    }

    /// The properties of a profile in the config file: `[profile name]`, or `[default]` for the
    /// default profile (which botocore also accepts as `[profile default]`).
    public func configProfile(_ name: String) -> [String: String]? {
        if let section = sections.first(where: { Self.profileName(ofConfigSection: $0.key) == name }) {
            return section.value
        }
        return name == "default" ? sections["default"] : nil
    }

    /// `profile  cam` → `cam`; nil for a section that is not a profile.
    static func profileName(ofConfigSection section: String) -> String? {
        guard section.hasPrefix("profile"), section.count > 7 else { return nil }
        let rest = section.dropFirst(7)
        guard let first = rest.first, first == " " || first == "\t" else { return nil }
        let name = trim(rest)
        return name.isEmpty ? nil : String(name)
    }

    static func trim(_ text: some StringProtocol) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{FEFF}" }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return Substring(text[start...end])
    }

    /// Drops a whole-line comment, or an inline one that follows whitespace.
    static func stripComment(_ line: Substring) -> Substring {
        guard let first = line.first else { return line }
        if first == "#" || first == ";" { return "" }
        var previous: Character = first
        for index in line.indices.dropFirst() {
            let character = line[index]
            if (character == "#" || character == ";") && (previous == " " || previous == "\t") {
                return trim(line[..<index])
            }
            previous = character
        }
        return line
    }
}
