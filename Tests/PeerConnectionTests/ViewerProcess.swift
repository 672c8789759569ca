import Foundation
import TestSupport
import Glibc
import WireKit

/// Paths of the support scripts and of the checkout's Python environment.

struct MissingPeer: Error, CustomStringConvertible {
    var description: String
}

/// The aiortc viewer script as a child process, spoken to in JSON lines (stdin/stdout); its
/// stderr goes to a file in a temp directory, quoted in failures. Stopped by PID with SIGKILL
/// (children of test threads inherit a mask that blocks SIGTERM).
final class ViewerProcess {
    let process = Process()
    let directory: URL
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []

    init(arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: SupportPaths.python.path) else {
            throw MissingPeer(description: "aiortc's Python environment is missing (\(SupportPaths.python.path)): run "
                + "scripts/install-deps.sh --test in the checkout to create it.")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-pc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let errorLog = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.executableURL = SupportPaths.python
        process.arguments = [SupportPaths.scripts.appendingPathComponent("aiortc_viewer.py").path] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }

    var stderrText: String {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("stderr.log").path) else {
            return ""
        }
        return String(decoding: data, as: UTF8.self)
    }

    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func send(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object)
        data.append(UInt8(ascii: "\n"))
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    /// The next JSON object satisfying `match`, waiting with poll(2) up to `timeout`; nil on
    /// timeout or end of output. Lines that do not match are skipped.
    func next(timeout: Duration, where match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = monotonicNow() + timeout
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], match(object) {
                    return object
                }
            }
            let left = deadline - monotonicNow()
            guard left > .zero else { return nil }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(1, left.nanoseconds / 1_000_000)))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return nil }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    func event(_ name: String, timeout: Duration) -> [String: Any]? {
        next(timeout: timeout) { $0["event"] as? String == name }
    }
}
