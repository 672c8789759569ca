extension SessionDescription {
    /// Parses a session description. Lines may end in CRLF or LF; a missing final line ending and
    /// trailing empty lines are accepted. Known attributes are checked as they are read, so a
    /// malformed `a=rtpmap` or `a=candidate` is reported with its line number.
    public init(parsing text: String) throws(SDPError) {
        try self.init(parsing: Array(text.utf8))
    }

    public init(parsing bytes: [UInt8]) throws(SDPError) {
        var parser = DescriptionParser()
        for (index, range) in SDPLineSplitter.lines(in: bytes).enumerated() {
            let number = index + 1
            parser.lineNumber = number
            do throws(SDPError) {
                let line = try SDPLineSplitter.line(bytes[range])
                try parser.consume(type: line.type, value: line.value)
            } catch {
                throw error.at(line: number)
            }
        }
        self = try parser.finish()
    }
}

/// Splits the text into lines and each line into its type letter and value (RFC 8866 §5).
enum SDPLineSplitter {
    /// The byte ranges of the lines without their CRLF or LF; trailing empty lines are dropped.
    static func lines(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                ranges.append(start..<end)
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count {
            var end = bytes.count
            if bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            ranges.append(start..<end)
        }
        while let last = ranges.last, last.isEmpty { ranges.removeLast() }
        return ranges
    }

    /// The line type and value of one line.
    static func line(_ bytes: ArraySlice<UInt8>) throws(SDPError) -> (type: Character, value: Substring) {
        guard !bytes.isEmpty else { throw SDPError(line: nil, kind: .emptyLine) }
        for b in bytes where b == 0 || b == UInt8(ascii: "\r") {
            throw SDPError(line: nil, kind: .invalidCharacter)
        }
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            throw SDPError(line: nil, kind: .missingEquals)
        }
        let first = bytes[bytes.startIndex]
        let isLetter = (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
        guard equals == bytes.startIndex + 1, isLetter else {
            throw SDPError(line: nil, kind: .invalidLineType)
        }
        guard let text = String(validating: bytes[(equals + 1)...], as: UTF8.self) else {
            throw SDPError(line: nil, kind: .notUTF8)
        }
        return (Character(Unicode.Scalar(first)), text[...])
    }
}

/// The line-by-line state of parsing one description.
struct DescriptionParser {
    var lineNumber = 0
    private var sawVersion = false
    private var origin: Origin?
    private var sessionName: String?
    private var session = SessionDescription(origin: Origin(sessionID: "0"), timings: [])
    private var current: MediaDescription?
    private var seen: Set<Character> = []
    private var firstMediaLine: Int?

    mutating func consume(type: Character, value: Substring) throws(SDPError) {
        if !sawVersion {
            guard type == "v" else { throw SDPError(line: nil, kind: .missingVersion) }
            switch SDPText.decimal(value, as: UInt8.self) {
            case .success(0): break
            case .success: throw SDPError(line: nil, kind: .unsupportedVersion)
            case .failure(let problem): throw .line("v", "version", problem)
            }
            sawVersion = true
            seen.insert("v")
            return
        }
        if type == "m" {
            if let media = current { session.media.append(media) }
            if firstMediaLine == nil { firstMediaLine = lineNumber }
            current = try MediaDescription(mediaLineValue: value)
            seen = []
            return
        }
        if current != nil {
            try consumeMedia(type: type, value: value)
        } else {
            try consumeSession(type: type, value: value)
        }
    }

    private mutating func once(_ type: Character) throws(SDPError) {
        guard seen.insert(type).inserted else { throw SDPError(line: nil, kind: .duplicateLine(type: type)) }
    }

    private mutating func consumeSession(type: Character, value: Substring) throws(SDPError) {
        switch type {
        case "v": throw SDPError(line: nil, kind: .duplicateLine(type: "v"))
        case "o":
            try once(type)
            origin = try Origin(lineValue: value)
        case "s":
            try once(type)
            sessionName = String(value)
        case "i":
            try once(type)
            session.information = String(value)
        case "u":
            try once(type)
            session.uri = String(value)
        case "e": session.emails.append(String(value))
        case "p": session.phones.append(String(value))
        case "c":
            try once(type)
            session.connection = try Connection(lineValue: value)
        case "b": session.bandwidths.append(try Bandwidth(lineValue: value))
        case "t": session.timings.append(try Timing(lineValue: value))
        case "r":
            guard !session.timings.isEmpty else { throw SDPError(line: nil, kind: .misplacedLine(type: "r")) }
            session.timings[session.timings.count - 1].repeats.append(String(value))
        case "z":
            try once(type)
            session.timeZones = String(value)
        case "k":
            try once(type)
            session.encryptionKey = String(value)
        case "a": session.attributeLines.append(.attribute(try AttributeValidation.parse(value)))
        default: session.attributeLines.append(.unknown(type: type, value: String(value)))
        }
    }

    private mutating func consumeMedia(type: Character, value: Substring) throws(SDPError) {
        guard var media = current else { return }
        // Move the section out while it is edited so appends do not copy its arrays.
        current = nil
        defer { current = media }
        switch type {
        case "i":
            try once(type)
            media.information = String(value)
        case "c": media.connections.append(try Connection(lineValue: value))
        case "b": media.bandwidths.append(try Bandwidth(lineValue: value))
        case "k":
            try once(type)
            media.encryptionKey = String(value)
        case "a": media.attributeLines.append(.attribute(try AttributeValidation.parse(value)))
        case "v", "o", "s", "u", "e", "p", "t", "r", "z":
            throw SDPError(line: nil, kind: .misplacedLine(type: type))
        default: media.attributeLines.append(.unknown(type: type, value: String(value)))
        }
    }

    mutating func finish() throws(SDPError) -> SessionDescription {
        let sessionEnd = firstMediaLine ?? max(lineNumber, 1)
        guard sawVersion else { throw SDPError(line: 1, kind: .missingVersion) }
        guard let origin else { throw SDPError(line: sessionEnd, kind: .missingOrigin) }
        guard let sessionName else { throw SDPError(line: sessionEnd, kind: .missingSessionName) }
        if let media = current { session.media.append(media) }
        current = nil
        session.origin = origin
        session.sessionName = sessionName
        return session
    }
}
