import Foundation
import KVSMaster
import Logging
import Testing

/// A pipe whose read end collects what a `LogSink` writes.
final class LogCapture {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CocoaError(.fileWriteUnknown) }
        readEnd = fds[0]
        writeEnd = fds[1]
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Everything written so far.
    func drain() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readEnd, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite struct LoggingTests {
    static let fixedTime = LogTimestamp(seconds: 1_795_340_622, nanoseconds: 123_987_000)

    @Test func timestampFormat() {
        #expect(Self.fixedTime.rfc3339 == "2026-11-22T09:43:42.123Z")
        #expect(LogTimestamp(seconds: 951_868_799, nanoseconds: 999_999_999).rfc3339 == "2000-02-29T23:59:59.999Z")
        #expect(LogTimestamp(seconds: 0, nanoseconds: 5_000_000).rfc3339 == "1970-01-01T00:00:00.005Z")
    }

    @Test func lineFormat() {
        let line = DaemonLogHandler.format(
            timestamp: Self.fixedTime, level: .warning, label: "kvs.signaling", message: "reconnecting",
            metadata: ["channel": "cam1", "attempt": "3", "reason": "socket closed"])
        #expect(line == "2026-11-22T09:43:42.123Z WARN  [kvs.signaling] reconnecting attempt=3 channel=cam1 reason=\"socket closed\"\n")
        let multi = DaemonLogHandler.format(
            timestamp: Self.fixedTime, level: .info, label: "kvs.sdp", message: "offer:\r\nv=0\r\no=- 1 1 IN IP4 0.0.0.0",
            metadata: ["note": "a \"b\"\nc"])
        #expect(multi == "2026-11-22T09:43:42.123Z INFO  [kvs.sdp] offer:\\nv=0\\no=- 1 1 IN IP4 0.0.0.0 note=\"a \\\"b\\\"\\nc\"\n")
    }

    @Test func handlerWritesOneLinePerEventThroughSwiftLog() throws {
        let capture = try LogCapture()
        let sink = try LogSink(descriptor: capture.writeEnd)
        let factory = DaemonLogging.factory(level: .info, sink: sink, clock: { Self.fixedTime })
        var logger = Logger(label: "kvs.master", factory: factory)
        logger[metadataKey: "channel"] = "cam1"
        logger.debug("not shown")
        logger.info("viewer connected", metadata: ["viewer": "v-1"])
        logger.error("ICE failed")
        #expect(
            capture.drain()
                == "2026-11-22T09:43:42.123Z INFO  [kvs.master] viewer connected channel=cam1 viewer=v-1\n"
                + "2026-11-22T09:43:42.123Z ERROR [kvs.master] ICE failed channel=cam1\n")
    }

    @Test func levelMapping() {
        #expect(DaemonLogging.swiftLogLevel(.verbose) == .trace)
        #expect(DaemonLogging.swiftLogLevel(.debug) == .debug)
        #expect(DaemonLogging.swiftLogLevel(.info) == .info)
        #expect(DaemonLogging.swiftLogLevel(.warning) == .warning)
        #expect(DaemonLogging.swiftLogLevel(.error) == .error)
        #expect(DaemonLogging.swiftLogLevel(.fatal) == .critical)
        #expect(DaemonLogging.swiftLogLevel(.silent) == nil)
    }

    @Test func silentWritesNothingAndWarningFilters() throws {
        let capture = try LogCapture()
        let sink = try LogSink(descriptor: capture.writeEnd)
        let silent = Logger(label: "x", factory: DaemonLogging.factory(level: .silent, sink: sink, clock: { Self.fixedTime }))
        silent.critical("nothing")
        let warning = Logger(label: "x", factory: DaemonLogging.factory(level: .warning, sink: sink, clock: { Self.fixedTime }))
        warning.info("filtered")
        warning.notice("filtered too")
        warning.warning("kept")
        #expect(capture.drain() == "2026-11-22T09:43:42.123Z WARN  [x] kept\n")
    }

    @Test func fileCopy() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-log-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "earlier\n".write(toFile: path, atomically: true, encoding: .utf8)
        let capture = try LogCapture()
        do {
            let sink = try LogSink(descriptor: capture.writeEnd, filePath: path)
            let logger = Logger(label: "kvs.media", factory: DaemonLogging.factory(level: .verbose, sink: sink, clock: { Self.fixedTime }))
            logger.trace("frame", metadata: ["size": "1200"])
        }
        let line = "2026-11-22T09:43:42.123Z TRACE [kvs.media] frame size=1200\n"
        #expect(capture.drain() == line)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "earlier\n" + line)
        #expect(throws: LogSink.OpenError.self) { try LogSink(filePath: "/nonexistent-dir/k.log") }
        do {
            _ = try LogSink(filePath: "/nonexistent-dir/k.log")
        } catch {
            #expect(error.description == "cannot open log file /nonexistent-dir/k.log: No such file or directory")
        }
    }

    @Test func concurrentLinesStayWhole() async throws {
        let capture = try LogCapture()
        let sink = try LogSink(descriptor: capture.writeEnd)
        let factory = DaemonLogging.factory(level: .info, sink: sink, clock: { Self.fixedTime })
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let logger = Logger(label: "t\(task)", factory: factory)
                    for index in 0..<25 { logger.info("message \(index) from task \(task)", metadata: ["k": "v"]) }
                }
            }
        }
        let lines = capture.drain().split(separator: "\n")
        #expect(lines.count == 100)
        for line in lines {
            #expect(line.hasPrefix("2026-11-22T09:43:42.123Z INFO  [t") && line.hasSuffix(" k=v"), "\(line)")
        }
    }
}
