/// Parses words against a command's option table.
///
/// - `--name value` and `--name=value`; `--` ends the options (later words are positionals);
///   a lone `-` is a value (stdin for `--annexb -`).
/// - An option given twice: the last one wins (`--no-x` after `--x` turns it off again).
/// - `-h`/`--help` anywhere before `--` asks for help and `--version` for the version, even
///   when other words are wrong.
/// - Only long options exist, apart from `-h`.
extension CommandLineArguments {
    /// The arguments `words` (the command line after the command's name) give, checked with
    /// `validate()`.
    public static func parse(_ words: [String], command: String = "kvsmaster") throws(CommandLineError) -> Self {
        var values = Self()
        let options = commandLineOptions
        var bySpelling: [String: CommandLineOption<Self>] = [:]
        for option in options {
            for spelling in option.spellings { bySpelling[spelling] = option }
        }
        let positionals = options.filter(\.isPositional)
        var nextPositional = 0
        var optionsEnded = false
        var index = 0
        do throws(CommandLineError) {
            while index < words.count {
                let word = words[index]
                index += 1
                if optionsEnded || !CommandLineParser.looksLikeOption(word) {
                    guard nextPositional < positionals.count else {
                        throw .unexpectedArgument(word, command: command, positionals: positionals.map(\.name))
                    }
                    if case .positional(let target) = positionals[nextPositional].kind { values[keyPath: target] = word }
                    nextPositional += 1
                    continue
                }
                if word == "--" {
                    optionsEnded = true
                    continue
                }
                if word == "-h" || word == "--help" { throw .helpRequested }
                if word == "--version" { throw .versionRequested }
                let (spelling, inline) = CommandLineParser.split(word)
                guard let option = bySpelling[spelling] else {
                    let known = bySpelling.keys.sorted() + ["--help", "--version"]
                    throw .unknownOption(spelling, suggestion: CommandLineParser.closest(to: spelling, in: known))
                }
                var value = inline
                if option.takesValue, value == nil {
                    let free: Bool
                    if case .text = option.kind { free = true } else { free = false }
                    if index < words.count, free || !CommandLineParser.looksLikeOption(words[index]) {
                        value = words[index]
                        index += 1
                    } else {
                        throw .missingValue(option: spelling, valueName: option.valueName ?? option.name)
                    }
                }
                switch option.kind {
                case .value(let target), .text(let target): values[keyPath: target] = value
                case .integer(let target):
                    guard let text = value, let number = Int(text) else {
                        throw .notANumber(option: spelling, value: value ?? "")
                    }
                    values[keyPath: target] = number
                case .invertibleFlag(let target):
                    if let inline { throw .unexpectedValue(option: spelling, value: inline) }
                    values[keyPath: target] = spelling == "--\(option.name)"
                case .flag(let target):
                    if let inline { throw .unexpectedValue(option: spelling, value: inline) }
                    values[keyPath: target] = true
                case .positional: break
                }
            }
        } catch {
            if error.isRequest { throw error }
            // A help or version request later on the line still wins over a mistake before it.
            if let request = CommandLineParser.request(in: words[index...]) { throw request }
            throw error
        }
        try values.validate()
        return values
    }
}

/// The word-level rules shared by every command.
enum CommandLineParser {
    /// Options start with `-`; a lone `-` and negative numbers are values.
    static func looksLikeOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word != "-" else { return false }
        let rest = word.dropFirst()
        return !(rest.first?.isNumber == true && rest.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// `--name=value` as (`--name`, `value`); other words as (word, nil).
    static func split(_ word: String) -> (String, String?) {
        guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }

    /// The first help or version request among `words`, up to a `--`.
    static func request(in words: ArraySlice<String>) -> CommandLineError? {
        for word in words {
            if word == "--" { return nil }
            if word == "-h" || word == "--help" { return .helpRequested }
            if word == "--version" { return .versionRequested }
        }
        return nil
    }

    /// The known spelling a mistyped `word` most likely meant: the only one it is a prefix of,
    /// else the nearest by edit distance when that is at most a third of its length (1 to 3).
    static func closest(to word: String, in known: [String]) -> String? {
        let typed = Array(word.drop { $0 == "-" })
        guard !typed.isEmpty else { return nil }
        if typed.count >= 3 {
            let extending = known.filter { $0.drop { $0 == "-" }.starts(with: typed) }
            if extending.count == 1 { return extending[0] }
        }
        let limit = min(3, max(1, typed.count / 3))
        var best: (distance: Int, spelling: String)?
        for spelling in known {
            let distance = editDistance(typed, Array(spelling.drop { $0 == "-" }))
            if distance <= limit, distance < best?.distance ?? Int.max { best = (distance, spelling) }
        }
        return best?.spelling
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
    /// characters (the usual typing mistakes) as one edit each (optimal string alignment).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
