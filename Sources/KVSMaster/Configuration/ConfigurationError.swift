/// Where a setting's value came from, so an error can point at it: a command-line flag or
/// positional argument, an environment variable, or a line of the config file.
public enum SettingOrigin: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The flag as typed (`--max-viewers`) or the positional (`argument 2 (mode)`).
    case commandLine(String)
    case environment(String)
    case file(path: String, line: Int)

    public var description: String {
        switch self {
        case .commandLine(let flag): flag
        case .environment(let variable): variable
        case .file(let path, let line): "\(path):\(line)"
        }
    }
}

/// Why the daemon's settings could not be resolved. Its `description` is the one line the
/// executable prints before exiting with status 2: the origin (file and line, flag or
/// variable), the key, and what was expected, e.g.
/// `kvsmaster.conf:12: max-viewers: expected a number from 1 to 100, got "ten"`.
/// Values are quoted only for settings that are never secret, truncated, with control
/// characters replaced.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers and tests that branch on it.
    public enum Kind: Sendable, Equatable {
        /// The config file could not be read (missing, unreadable, too large, not UTF-8).
        case unreadableFile
        /// A line that is not `key = value`, or an unterminated quote.
        case syntax
        case unknownKey
        case duplicateKey
        /// Credentials belong in the environment or the shared credentials file, never here.
        case secretInFile
        case invalidValue
        /// Two settings that cannot both hold (a flag and a positional that disagree, a
        /// parameter of another source, bitrate bounds that cross).
        case conflict
        /// A required setting (the channel name, the source's URI or path) is absent.
        case missingValue
    }

    public var kind: Kind
    public var origin: SettingOrigin?
    /// The key as written (config-file spelling), when the error is about one key.
    public var key: String?
    public var message: String

    public init(_ kind: Kind, origin: SettingOrigin?, key: String?, message: String) {
        self.kind = kind
        self.origin = origin
        self.key = key
        self.message = message
    }

    public var description: String {
        var line = ""
        if let origin { line += "\(origin): " }
        // A flag or variable already names the setting; a file line needs the key.
        if let key {
            switch origin {
            case .file?, nil: line += "\(key): "
            case .commandLine?, .environment?: break
            }
        }
        return line + message
    }
}

extension String {
    /// `"value"` for an error message: at most 64 characters, control characters as `?`.
    var quotedForMessage: String {
        var text = String(prefix(64).map { $0.isASCII && ($0.asciiValue ?? 0) < 0x20 ? "?" : $0 })
        if count > 64 { text += "…" }
        return "\"\(text)\""
    }
}
