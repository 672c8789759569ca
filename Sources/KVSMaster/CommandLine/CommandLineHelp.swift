/// Help text for a command: overview, discussion, usage, then one section per kind of
/// entry (arguments, options, subcommands), each row's help in a column, wrapped to 80
/// columns. Discussions are preformatted (examples keep their indentation) and printed as written.
public struct CommandLineHelp: Sendable {
    /// The width every line of help, usage and error output fits in.
    public static let width = 80
    /// Where a row's label starts and where its help starts.
    static let labelIndent = 2
    static let helpColumn = 26

    /// A titled list of rows: a label (`--width <pixels>`) and its help.
    public struct Section: Sendable {
        public var title: String
        public var rows: [(label: String, help: String)]

        public init(title: String, rows: [(label: String, help: String)]) {
            self.title = title
            self.rows = rows
        }
    }

    public var abstract: String
    public var discussion: String?
    /// Usage forms without the `USAGE:` prefix (`kvsmaster run [<options>] …`).
    public var usage: [String]
    public var sections: [Section]
    public var footer: String?

    public init(abstract: String, discussion: String?, usage: [String], sections: [Section], footer: String? = nil) {
        self.abstract = abstract
        self.discussion = discussion
        self.usage = usage
        self.sections = sections
        self.footer = footer
    }

    /// The rows of an option table: positionals under ARGUMENTS, the rest under OPTIONS,
    /// followed by the options every command has.
    public static func sections<Values>(for options: [CommandLineOption<Values>]) -> [Section] {
        let arguments = options.filter(\.isPositional).map { (label: $0.label, help: $0.help) }
        let named = options.filter { !$0.isPositional }.map { (label: $0.label, help: $0.help) }
        var sections: [Section] = []
        if !arguments.isEmpty { sections.append(Section(title: "ARGUMENTS", rows: arguments)) }
        sections.append(Section(title: "OPTIONS", rows: named + [(label: "-h, --help", help: "Show help information.")]))
        return sections
    }

    /// The whole text, ending with a newline.
    public var text: String {
        var lines = Self.wrap("OVERVIEW: " + abstract)
        if let discussion {
            lines.append("")
            lines += discussion.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        lines.append("")
        lines += Self.usageLines(usage, prefix: "USAGE: ")
        for section in sections {
            lines.append("")
            lines.append("\(section.title):")
            for row in section.rows { lines += Self.row(label: row.label, help: row.help) }
        }
        if let footer {
            lines.append("")
            lines += Self.wrap(footer, firstIndent: Self.labelIndent, hangingIndent: Self.labelIndent)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row: the label at column 2, the help from column 26 (on the next line when the
    /// label reaches that far).
    static func row(label: String, help: String) -> [String] {
        let pad = String(repeating: " ", count: labelIndent)
        let start = pad + label
        let helpLines = wrap(help, firstIndent: helpColumn, hangingIndent: helpColumn)
        guard start.count <= helpColumn - 2, let first = helpLines.first else { return [start] + helpLines }
        let joined = start + String(repeating: " ", count: helpColumn - start.count) + first.drop { $0 == " " }
        return [joined] + helpLines.dropFirst()
    }

    /// Usage forms, the first after `prefix`, the others lined up below it; a long form
    /// continues under its first argument.
    public static func usageLines(_ forms: [String], prefix: String) -> [String] {
        var lines: [String] = []
        for (index, form) in forms.enumerated() {
            let text = index == 0 ? prefix + form : form
            lines += wrap(
                text, firstIndent: index == 0 ? 0 : prefix.count, hangingIndent: prefix.count + hangingIndent(of: form))
        }
        return lines
    }

    /// Continuation lines of a usage form line up after the command's words.
    static func hangingIndent(of form: String) -> Int {
        guard let bracket = form.firstIndex(where: { $0 == "[" || $0 == "<" }) else { return 0 }
        return form.distance(from: form.startIndex, to: bracket)
    }

    /// `text` broken at spaces into lines of at most `width` columns (a single word longer
    /// than that gets a line of its own); `firstIndent` and `hangingIndent` spaces lead the
    /// first and the following lines.
    public static func wrap(_ text: String, width: Int = width, firstIndent: Int = 0, hangingIndent: Int = 0) -> [String] {
        var lines: [String] = []
        var line = String(repeating: " ", count: firstIndent)
        var lineHasWord = false
        for word in text.split(separator: " ") {
            if lineHasWord, line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: hangingIndent)
                lineHasWord = false
            }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        lines.append(line)
        return lines
    }
}
