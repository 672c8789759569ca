import Logging

/// Installs `DaemonLogHandler` as the process's swift-log backend at the level chosen with
/// AWS_KVS_LOG_LEVEL / `--log-level` (the KVS C SDK's 1–7 scale).
public enum DaemonLogging {
    /// swift-log's level for a KVS level; nil for silent (nothing is logged).
    public static func swiftLogLevel(_ level: DaemonLogLevel) -> Logger.Level? {
        switch level {
        case .verbose: .trace
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        case .fatal: .critical
        case .silent: nil
        }
    }

    /// A handler factory writing to `sink` at `level`.
    public static func factory(
        level: DaemonLogLevel, sink: LogSink, clock: @escaping @Sendable () -> LogTimestamp = LogTimestamp.now
    ) -> @Sendable (String) -> any LogHandler {
        guard let swiftLevel = swiftLogLevel(level) else { return { _ in SwiftLogNoOpLogHandler() } }
        return { label in DaemonLogHandler(label: label, level: swiftLevel, sink: sink, clock: clock) }
    }

    /// Bootstraps swift-log (once per process): stderr, plus `logFile` when given.
    public static func bootstrap(level: DaemonLogLevel, logFile: String?) throws(LogSink.OpenError) {
        let sink = try LogSink(filePath: level == .silent ? nil : logFile)
        LoggingSystem.bootstrap(factory(level: level, sink: sink))
    }
}
