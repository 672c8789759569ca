import CWebSockets
import Synchronization

/// Routes libwebsockets' own log lines (process-wide in lws) to one sink at a chosen level, with
/// presigned-URL secrets masked: lws prints request paths at its more verbose levels.
public enum WebSocketLibraryLog {
    private static let sink = Mutex<WebSocketLogSink?>(nil)

    /// Sends lws lines at `level` and more severe to `sink`; nil silences lws entirely.
    public static func route(level: WebSocketLogLevel, to sink: WebSocketLogSink?) {
        Self.sink.withLock { $0 = sink }
        guard sink != nil else {
            kvs_lws_set_log(0, nil)
            return
        }
        // LLL_ERR=1, WARN=2, NOTICE=4, INFO=8, DEBUG=16, then the finer debug classes up to
        // LLL_CLIENT (1<<10); `debug` turns them all on.
        let mask: Int32 = level == .debug ? (1 << 11) - 1 : (1 << (Int32(level.rawValue) + 1)) - 1
        kvs_lws_set_log(mask, { level, line in
            guard let line else { return }
            WebSocketLibraryLog.emit(lwsLevel: level, line: String(cString: line))
        })
    }

    static func emit(lwsLevel: Int32, line: String) {
        guard let sink = sink.withLock({ $0 }) else { return }
        let level: WebSocketLogLevel =
            switch lwsLevel {
            case 1: .error
            case 2: .warning
            case 4: .notice
            case 8: .info
            default: .debug
            }
        var text = Substring(line)
        while let last = text.last, last == "\n" || last == "\r" { text = text.dropLast() }
        sink(level, "lws: " + WebSocketRedaction.redact(String(text)))
    }
}
