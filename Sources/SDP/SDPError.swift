/// Why a session description (RFC 8866 §5, §9) or one of its attributes could not be parsed.
///
/// Errors name the 1-based line number, the line type or attribute name and the field at fault,
/// never the text of the line: lines such as `a=ice-pwd` carry secrets that must not reach logs.
public struct SDPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number in the description; nil when a single attribute value was parsed on
    /// its own (a trickled candidate, a `FormatParameters` value).
    public var line: Int?
    public var kind: Kind

    public init(line: Int?, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    /// What is wrong.
    public enum Kind: Hashable, Sendable {
        /// The text is not valid UTF-8.
        case notUTF8
        /// A NUL or a carriage return inside a line (RFC 8866 §9 excludes them from `text`).
        case invalidCharacter
        /// An empty line before the end of the description.
        case emptyLine
        /// A line with no `=`.
        case missingEquals
        /// The part before `=` is not a single ASCII letter.
        case invalidLineType
        /// The description does not start with `v=`.
        case missingVersion
        /// `v=` is not 0.
        case unsupportedVersion
        /// No `o=` line at session level.
        case missingOrigin
        /// No `s=` line at session level.
        case missingSessionName
        /// A line type that may appear only once in its section appears again.
        case duplicateLine(type: Character)
        /// A line type that is not allowed where it appears (`o=` in a media section, `r=` before `t=`).
        case misplacedLine(type: Character)
        /// A field of a structured line (`o=`, `c=`, `b=`, `t=`, `m=`) is malformed.
        case invalidLine(type: Character, field: String, problem: Problem)
        /// A field of a known attribute is malformed.
        case invalidAttribute(name: String, field: String, problem: Problem)
    }

    /// How a field is malformed.
    public enum Problem: Error, Hashable, Sendable {
        /// The field is absent.
        case missing
        /// Fewer fields than the grammar requires.
        case tooFewFields(expected: Int, found: Int)
        /// More fields than the grammar allows.
        case tooManyFields
        /// Not a decimal number.
        case notANumber
        /// A number outside the range the grammar allows.
        case outOfRange
        /// Not one of the values the grammar allows, or not well formed.
        case invalid
        /// An empty field (two spaces in a row, nothing after a colon).
        case empty
    }

    public var description: String {
        let place = line.map { "SDP line \($0)" } ?? "SDP attribute"
        switch kind {
        case .notUTF8: return "\(place): not valid UTF-8"
        case .invalidCharacter: return "\(place): NUL or carriage return inside the line"
        case .emptyLine: return "\(place): empty line"
        case .missingEquals: return "\(place): no '=' after the line type"
        case .invalidLineType: return "\(place): line type is not a single letter"
        case .missingVersion: return "\(place): description does not start with v="
        case .unsupportedVersion: return "\(place): v= is not 0"
        case .missingOrigin: return "\(place): no o= line"
        case .missingSessionName: return "\(place): no s= line"
        case .duplicateLine(let type): return "\(place): second \(type)= line in one section"
        case .misplacedLine(let type): return "\(place): \(type)= line not allowed here"
        case .invalidLine(let type, let field, let problem):
            return "\(place): \(type)= line: \(field) \(problem)"
        case .invalidAttribute(let name, let field, let problem):
            return "\(place): a=\(name): \(field) \(problem)"
        }
    }
}

extension SDPError.Problem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missing: "missing"
        case .tooFewFields(let expected, let found): "has \(found) fields, needs \(expected)"
        case .tooManyFields: "has too many fields"
        case .notANumber: "not a number"
        case .outOfRange: "out of range"
        case .invalid: "invalid"
        case .empty: "empty"
        }
    }
}

extension SDPError {
    /// An error for a field of the attribute `name`, with no line number yet (the description
    /// parser fills it in).
    static func attribute(_ name: String, _ field: String, _ problem: Problem) -> SDPError {
        SDPError(line: nil, kind: .invalidAttribute(name: name, field: field, problem: problem))
    }

    static func line(_ type: Character, _ field: String, _ problem: Problem) -> SDPError {
        SDPError(line: nil, kind: .invalidLine(type: type, field: field, problem: problem))
    }

    func at(line number: Int) -> SDPError { SDPError(line: number, kind: kind) }
}
