/// What one entry of a command's option table does with the words it consumes, and where
/// the value goes in the command's arguments.
public enum CommandLineOptionKind<Values> {
    /// `--name value` or `--name=value`. A next word that looks like an option is not taken
    /// as the value (`--width --fps` is a missing value, not a width of "--fps").
    case value(WritableKeyPath<Values, String?>)
    /// Free text: like `value`, but the next word is the value whatever it looks like, so
    /// `--data-channel-reply -x` replies "-x".
    case text(WritableKeyPath<Values, String?>)
    /// `--name N` with a whole number (ranges are checked by the command's `validate()`).
    case integer(WritableKeyPath<Values, Int>)
    /// `--name` turns the setting on, `--no-name` off; absent leaves it nil.
    case invertibleFlag(WritableKeyPath<Values, Bool?>)
    /// `--name` turns the setting on; there is no inversion.
    case flag(WritableKeyPath<Values, Bool>)
    /// The next word that is not an option, in table order.
    case positional(WritableKeyPath<Values, String?>)
}

/// One row of a command's option table: its spelling, its value's name, its help and kind.
public struct CommandLineOption<Values> {
    /// The long name without dashes (`max-viewers`); for a positional, the name its help
    /// and error messages use (`channel-name`).
    public var name: String
    /// The placeholder in help and usage (`<pixels>`), for options with a value and positionals.
    public var valueName: String?
    public var help: String
    public var kind: CommandLineOptionKind<Values>

    public init(_ name: String, valueName: String? = nil, help: String, kind: CommandLineOptionKind<Values>) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.kind = kind
    }

    /// The same option for a command whose arguments hold these `Values` at `path`.
    public func nested<Outer>(in path: WritableKeyPath<Outer, Values>) -> CommandLineOption<Outer> {
        let nestedKind: CommandLineOptionKind<Outer> =
            switch kind {
            case .value(let target): .value(path.appending(path: target))
            case .text(let target): .text(path.appending(path: target))
            case .integer(let target): .integer(path.appending(path: target))
            case .invertibleFlag(let target): .invertibleFlag(path.appending(path: target))
            case .flag(let target): .flag(path.appending(path: target))
            case .positional(let target): .positional(path.appending(path: target))
            }
        return CommandLineOption<Outer>(name, valueName: valueName, help: help, kind: nestedKind)
    }

    var isPositional: Bool {
        if case .positional = kind { return true }
        return false
    }

    /// Whether the option consumes a value word.
    var takesValue: Bool {
        switch kind {
        case .value, .text, .integer: true
        case .invertibleFlag, .flag, .positional: false
        }
    }

    /// How the option is written in help: `--width <pixels>`, `--relay-only/--no-relay-only`,
    /// `<channel-name>`.
    var label: String {
        switch kind {
        case .positional: "<\(valueName ?? name)>"
        case .value, .text, .integer: "--\(name) <\(valueName ?? name)>"
        case .invertibleFlag: "--\(name)/--no-\(name)"
        case .flag: "--\(name)"
        }
    }

    /// Every spelling that selects the option on a command line.
    var spellings: [String] {
        switch kind {
        case .positional: []
        case .invertibleFlag: ["--\(name)", "--no-\(name)"]
        case .value, .text, .integer, .flag: ["--\(name)"]
        }
    }
}

/// A command's arguments: a table of options and positionals, and checks of the whole.
public protocol CommandLineArguments {
    /// Every setting left unset (nil, false or its default).
    init()
    /// The table, in the order help lists it; positionals are filled in the order given.
    static var commandLineOptions: [CommandLineOption<Self>] { get }
    /// Checks that need more than one word (ranges, combinations); runs after parsing.
    func validate() throws(CommandLineError)
}

/// A command line that cannot be run as written, or a request for help or the version
/// (thrown so a parse stops there, as a user who asks for help expects).
public enum CommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `-h` or `--help` (outside the words after `--`).
    case helpRequested
    /// `--version`.
    case versionRequested
    /// An option no table row spells; with the closest known spelling when one is near.
    case unknownOption(String, suggestion: String?)
    /// `help <name>` or a subcommand name that does not exist.
    case unknownSubcommand(String, suggestion: String?)
    /// An option that needs a value at the end of the line or before another option.
    case missingValue(option: String, valueName: String)
    /// `--flag=value` for an option that takes none.
    case unexpectedValue(option: String, value: String)
    /// A positional word beyond the ones the command takes (their names, possibly none).
    case unexpectedArgument(String, command: String, positionals: [String])
    /// A value that is not a whole number for an integer option.
    case notANumber(option: String, value: String)
    /// A check of `validate()` failed; the message names the setting.
    case invalid(String)

    public var description: String {
        switch self {
        case .helpRequested: "help requested"
        case .versionRequested: "version requested"
        case .unknownOption(let word, let suggestion):
            "unknown option \(word)" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        case .unknownSubcommand(let word, let suggestion):
            "unknown subcommand \(word)" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        case .missingValue(let option, let valueName): "missing value for \(option) <\(valueName)>"
        case .unexpectedValue(let option, let value): "\(option) takes no value, got \(value.quotedForMessage)"
        case .unexpectedArgument(let word, let command, let positionals):
            positionals.isEmpty
                ? "unexpected argument \(word.quotedForMessage): \(command) takes no arguments"
                : "unexpected argument \(word.quotedForMessage): \(command) takes at most \(positionals.count) ("
                    + positionals.joined(separator: ", ") + ")"
        case .notANumber(let option, let value): "\(option): expected a whole number, got \(value.quotedForMessage)"
        case .invalid(let message): message
        }
    }

    /// Help and version requests end the program successfully; everything else is a usage error.
    public var isRequest: Bool { self == .helpRequested || self == .versionRequested }
}
