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
                try parser.consume(type: line.type, value: line.value[...])
            } catch {
                throw error.at(line: number)
            }
        }
        self = try parser.finish()
    }
}

/// Splits the text into lines and each line into its type letter and value (RFC 8866 §5).
/// Scans raw bytes: the parser must stay fast enough to fuzz in a debug build.
enum SDPLineSplitter {
    /// The byte ranges of the lines without their CRLF or LF; trailing empty lines are dropped.
    static func lines(in bytes: [UInt8]) -> [Range<Int>] {
        bytes.withUnsafeBufferPointer { buffer in
            var ranges: [Range<Int>] = []
            var start = 0
            for index in 0..<buffer.count where buffer[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                ranges.append(start..<end)
                start = index + 1
            }
            if start < buffer.count {
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                ranges.append(start..<end)
            }
            while let last = ranges.last, last.isEmpty { ranges.removeLast() }
            return ranges
        }
    }

    /// The line type letter and the value of one line.
    static func line(_ bytes: ArraySlice<UInt8>) throws(SDPError) -> (type: UInt8, value: String) {
        let result: Result<(UInt8, String), SDPError> = bytes.withUnsafeBufferPointer { buffer in
            func failure(_ kind: SDPError.Kind) -> Result<(UInt8, String), SDPError> {
                .failure(SDPError(line: nil, kind: kind))
            }
            guard !buffer.isEmpty else { return failure(.emptyLine) }
            var equals = -1
            var ascii = true
            for i in 0..<buffer.count {
                let b = buffer[i]
                if b == 0 || b == UInt8(ascii: "\r") { return failure(.invalidCharacter) }
                if b >= 0x80 { ascii = false }
                if equals < 0, b == UInt8(ascii: "=") { equals = i }
            }
            guard equals >= 0 else { return failure(.missingEquals) }
            let first = buffer[0]
            let isLetter = (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
            guard equals == 1, isLetter else { return failure(.invalidLineType) }
            let value = UnsafeBufferPointer(rebasing: buffer[2...])
            if ascii { return .success((first, String(decoding: value, as: UTF8.self))) }
            guard let text = String(validating: value, as: UTF8.self) else { return failure(.notUTF8) }
            return .success((first, text))
        }
        return try result.get()
    }
}

/// The line-by-line state of parsing one description. Line types are ASCII bytes here, turned
/// into `Character`s only for errors and unknown lines.
struct DescriptionParser {
    var lineNumber = 0
    private var sawVersion = false
    private var origin: Origin?
    private var sessionName: String?
    private var session = SessionDescription(origin: Origin(sessionID: "0"), timings: [])
    private var current: MediaDescription?
    /// Bit n set: the letter `a` + n has been seen in the current section.
    private var seen: UInt32 = 0
    private var firstMediaLine: Int?

    private static func character(_ type: UInt8) -> Character { Character(Unicode.Scalar(type)) }

    mutating func consume(type: UInt8, value: Substring) throws(SDPError) {
        if !sawVersion {
            guard type == UInt8(ascii: "v") else { throw SDPError(line: nil, kind: .missingVersion) }
            switch SDPText.decimal(value, as: UInt8.self) {
            case .success(0): break
            case .success: throw SDPError(line: nil, kind: .unsupportedVersion)
            case .failure(let problem): throw .line("v", "version", problem)
            }
            sawVersion = true
            return
        }
        if type == UInt8(ascii: "m") {
            if let media = current { session.media.append(media) }
            if firstMediaLine == nil { firstMediaLine = lineNumber }
            current = try MediaDescription(mediaLineValue: value)
            seen = 0
            return
        }
        if current != nil {
            try consumeMedia(type: type, value: value)
        } else {
            try consumeSession(type: type, value: value)
        }
    }

    /// Records a line type that may appear once per section.
    private mutating func once(_ type: UInt8) throws(SDPError) {
        let bit = UInt32(1) << UInt32((type | 0x20) &- UInt8(ascii: "a"))
        guard seen & bit == 0 else { throw SDPError(line: nil, kind: .duplicateLine(type: Self.character(type))) }
        seen |= bit
    }

    private mutating func consumeSession(type: UInt8, value: Substring) throws(SDPError) {
        switch type {
        case UInt8(ascii: "a"): session.attributeLines.append(.attribute(try AttributeValidation.parse(value)))
        case UInt8(ascii: "v"): throw SDPError(line: nil, kind: .duplicateLine(type: "v"))
        case UInt8(ascii: "o"):
            try once(type)
            origin = try Origin(lineValue: value)
        case UInt8(ascii: "s"):
            try once(type)
            sessionName = String(value)
        case UInt8(ascii: "i"):
            try once(type)
            session.information = String(value)
        case UInt8(ascii: "u"):
            try once(type)
            session.uri = String(value)
        case UInt8(ascii: "e"): session.emails.append(String(value))
        case UInt8(ascii: "p"): session.phones.append(String(value))
        case UInt8(ascii: "c"):
            try once(type)
            session.connection = try Connection(lineValue: value)
        case UInt8(ascii: "b"): session.bandwidths.append(try Bandwidth(lineValue: value))
        case UInt8(ascii: "t"): session.timings.append(try Timing(lineValue: value))
        case UInt8(ascii: "r"):
            guard !session.timings.isEmpty else { throw SDPError(line: nil, kind: .misplacedLine(type: "r")) }
            session.timings[session.timings.count - 1].repeats.append(String(value))
        case UInt8(ascii: "z"):
            try once(type)
            session.timeZones = String(value)
        case UInt8(ascii: "k"):
            try once(type)
            session.encryptionKey = String(value)
        default: session.attributeLines.append(.unknown(type: Self.character(type), value: String(value)))
        }
    }

    private mutating func consumeMedia(type: UInt8, value: Substring) throws(SDPError) {
        guard var media = current else { return }
        // Move the section out while it is edited so appends do not copy its arrays.
        current = nil
        defer { current = media }
        switch type {
        case UInt8(ascii: "a"): media.attributeLines.append(.attribute(try AttributeValidation.parse(value)))
        case UInt8(ascii: "i"):
            try once(type)
            media.information = String(value)
        case UInt8(ascii: "c"): media.connections.append(try Connection(lineValue: value))
        case UInt8(ascii: "b"): media.bandwidths.append(try Bandwidth(lineValue: value))
        case UInt8(ascii: "k"):
            try once(type)
            media.encryptionKey = String(value)
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "e"),
            UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "z"):
            throw SDPError(line: nil, kind: .misplacedLine(type: Self.character(type)))
        default: media.attributeLines.append(.unknown(type: Self.character(type), value: String(value)))
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
