import Logging
import Synchronization

/// Every log line of one client, captured at any level (the test chooses), with its level.
public final class CapturedLog: Sendable {
    public init() {}

    public struct Line: Sendable {
        public var level: Logger.Level
        public var text: String
    }

    private let storage = Mutex<[Line]>([])

    public func append(_ line: Line) { storage.withLock { $0.append(line) } }
    public var lines: [Line] { storage.withLock { $0 } }
    public var text: String { lines.map { "[\($0.level)] \($0.text)" }.joined(separator: "\n") }

    public func contains(_ fragment: String) -> Bool { lines.contains { $0.text.contains(fragment) } }
    public func count(_ fragment: String) -> Int { lines.filter { $0.text.contains(fragment) }.count }

    /// A logger whose lines (message and metadata) all land here.
    public func logger(level: Logger.Level, label: String = "kvs.signaling") -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(log: self) }
        logger.logLevel = level
        return logger
    }
}

/// A swift-log handler that writes to a `CapturedLog`.
public struct CapturingLogHandler: LogHandler {
    public let log: CapturedLog
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(log: CapturedLog) { self.log = log }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let suffix = all.isEmpty ? "" : " " + all.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        log.append(CapturedLog.Line(level: event.level, text: "\(event.message)\(suffix)"))
    }
}

