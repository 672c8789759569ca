import CWebSockets
import Synchronization

/// Routes libwebsockets' own log lines (process-wide in lws) to one sink at a chosen level, with
/// presigned-URL secrets masked: lws prints request details at its more verbose levels.
public enum WebSocketLibraryLog {
    private struct Route {
        var sink: WebSocketLogSink?
        /// Set by `route`; until then the first client's sink gets lws warnings and errors, so
        /// lws never writes to stderr on its own.
        var chosen = false
    }

    private static let state = Mutex(Route())

    /// Sends lws lines at `level` and more severe to `sink`; nil silences lws entirely.
    public static func route(level: WebSocketLogLevel, to sink: WebSocketLogSink?) {
        state.withLock { $0 = Route(sink: sink, chosen: true) }
        apply(level: level, enabled: sink != nil)
    }

    /// Called by each new client: without an explicit route, lws warnings and errors go to the
    /// client's own sink (or nowhere) instead of lws' default stderr printer.
    static func adoptDefault(_ sink: WebSocketLogSink?) {
        let apply = state.withLock { route -> Bool in
            guard !route.chosen, route.sink == nil else { return false }
            route.sink = sink
            return true
        }
        if apply { Self.apply(level: .warning, enabled: sink != nil) }
    }

    private static func apply(level: WebSocketLogLevel, enabled: Bool) {
        guard enabled else {
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
        guard let sink = state.withLock({ $0.sink }) else { return }
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
