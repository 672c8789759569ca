import Logging

/// A swift-log handler that writes one line per event:
/// `2026-11-21T09:43:42.123Z WARN  [kvs.signaling] reconnecting attempt=3 channel=cam1`:
/// UTC time with milliseconds, the level, the component (the logger's label), the message and
/// the metadata as sorted `key=value` pairs. Newlines in the message or values are escaped so
/// one event stays one line for journald and grep.
public struct DaemonLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    let sink: LogSink
    let clock: @Sendable () -> LogTimestamp

    public init(
        label: String, level: Logger.Level, sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil,
        clock: @escaping @Sendable () -> LogTimestamp = LogTimestamp.now
    ) {
        self.label = label
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var text = Self.format(
            timestamp: clock(), level: event.level, label: label, message: event.message.description, metadata: merged)
        if let error = event.error {
            text.removeLast()
            text += " error=\(Self.escapeValue(String(describing: error)))\n"
        }
        sink.write(text)
    }

    /// The line for one event, newline included.
    public static func format(
        timestamp: LogTimestamp, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var line = "\(timestamp.rfc3339) \(levelName(level)) [\(label)] \(escapeMessage(message))"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(escapeValue(metadata[key].map { "\($0)" } ?? ""))"
        }
        return line + "\n"
    }

    /// Five columns wide so messages line up.
    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO "
        case .notice: "NOTE "
        case .warning: "WARN "
        case .error: "ERROR"
        case .critical: "CRIT "
        }
    }

    static func escapeMessage(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return text }
        var result = ""
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                result += "\\n"
                previousCR = true
                continue
            case "\n" where previousCR: break
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(scalar)
            }
            previousCR = false
        }
        return result
    }

    /// Values with spaces, quotes, `=`, control characters or nothing at all are quoted (with
    /// `\\`, `\"`, `\n` escapes) so the pairs split unambiguously.
    static func escapeValue(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 }
        guard needsQuotes else { return text }
        var result = "\""
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\r":
                result += "\\n"
                previousCR = true
                continue
            case "\n" where previousCR: break
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(scalar)
            }
            previousCR = false
        }
        return result + "\""
    }
}
