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

    /// Parses `text`. Works on Unicode scalars rather than characters so a combining mark
    /// after `=` or whitespace cannot fuse with it and hide the structure.
    public init(parsing text: String) {
        self.init()
        var current: String?
        var inNestedBlock = false
        var lineNumber = 0
        for rawLine in Substring(text).unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let indented = rawLine.first.map { $0 == " " || $0 == "\t" } ?? false
            let line = Self.stripComment(Self.trim(rawLine))
            guard let first = line.first else { continue }
            if first == "[" {
                inNestedBlock = false
                guard line.last == "]", line.count >= 2 else {
                    malformedLines.append(lineNumber)
                    current = nil
                    continue
                }
                let name = String(Self.trim(line.dropFirst().dropLast()))
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            if indented && inNestedBlock { continue }
            guard let equals = line.firstIndex(of: "="), let section = current else {
                malformedLines.append(lineNumber)
                continue
            }
            let key = String(Self.trim(line[..<equals])).lowercased()
            let value = String(Self.trim(line[line.index(after: equals)...]))
            guard !key.isEmpty else {
                malformedLines.append(lineNumber)
                continue
            }
            inNestedBlock = value.isEmpty
            sections[section, default: [:]][key] = value
        }
    }

    /// The properties of a profile in the credentials file (`[name]`).
    public func credentialsProfile(_ name: String) -> [String: String]? {
        sections[name]
    }

    /// The properties of a profile in the config file: `[profile name]`, or `[default]` for the
    /// default profile (which botocore also accepts as `[profile default]`).
    public func configProfile(_ name: String) -> [String: String]? {
        // Sorted so that `[profile cam]` and `[profile  cam]` in one file resolve the same way
        // every time.
        if let section = sections.keys.sorted().first(where: { Self.profileName(ofConfigSection: $0) == name }) {
            return sections[section]
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
        Substring(trim(Substring(text).unicodeScalars))
    }

    static func trim(_ scalars: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{FEFF}" }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }), let end = scalars.lastIndex(where: { !isSpace($0) })
        else { return scalars[scalars.endIndex...] }
        return scalars[start...end]
    }

    /// Drops a whole-line comment, or an inline one that follows whitespace.
    static func stripComment(_ line: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        guard let first = line.first else { return line }
        if first == "#" || first == ";" { return line[line.endIndex...] }
        var previous = first
        for index in line.indices.dropFirst() {
            let scalar = line[index]
            if (scalar == "#" || scalar == ";") && (previous == " " || previous == "\t") {
                return trim(line[..<index])
            }
            previous = scalar
        }
        return line
    }
}
