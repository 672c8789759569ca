import TestSupport
import Foundation
import Glibc
import WireKit

/// Where the test support files and the checkout's tools are.
enum TestPaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let support = repository.appendingPathComponent("Tests/Support/ICE")
    static let python = repository.appendingPathComponent(".venv/bin/python")
    static let coturn = "/usr/bin/turnserver"
    static let ip = "/usr/sbin/ip"
}

struct MissingTool: Error, CustomStringConvertible {
    var description: String
}

/// A child process spoken to in JSON lines over stdin/stdout; stderr goes to a file kept for
/// failure messages. Stopped by PID (SIGKILL: the child inherits the test thread's signal mask,
/// in which SIGTERM is blocked).
final class LineProcess {
    let process = Process()
    let directory: URL
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []

    init(executable: String, arguments: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-ice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let errorLog = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }

    var errorOutput: String {
        (try? String(contentsOf: directory.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
    }

    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func writeLine(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((text + "\n").utf8))
    }

    func writeJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try writeLine(String(decoding: data, as: UTF8.self))
    }

    /// The next line, waiting on the pipe with poll(2) up to `timeout`; nil on timeout or EOF.
    func readLine(timeout: Duration) -> String? {
        let end = monotonicNow() + timeout
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = end - monotonicNow()
            guard remaining > .zero else { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, remaining.nanoseconds / 1_000_000)))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads JSON lines until one satisfies `match`; nil on timeout or EOF.
    func readJSON(timeout: Duration, until match: ([String: Any]) -> Bool) -> [String: Any]? {
        let end = monotonicNow() + timeout
        while true {
            let remaining = end - monotonicNow()
            guard remaining > .zero, let line = readLine(timeout: remaining) else { return nil }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                continue
            }
            if match(object) { return object }
        }
    }
}
