import Foundation
import Glibc
import WireKit

/// Where the Chromium viewer's tools live (Debian paths).
/// Paths of the checkout the tests run from.
public enum SupportPaths {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let scripts = repository.appendingPathComponent("Tests/Support/PeerConnection")
    public static let python = repository.appendingPathComponent(".venv/bin/python")
}

public enum ChromiumPaths {
    public static let chromium = "/usr/bin/chromium"
    public static let ip = "/usr/sbin/ip"
    public static let python = "/usr/bin/python3"
    public static let script = SupportPaths.repository.appendingPathComponent("Tests/Support/Chromium/chromium_viewer.py").path
}

/// Chromium, iproute2 or python3-aiohttp is missing, or the tests do not run as root.
public struct ChromiumUnavailable: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// An `ip` (or other) command that failed, with its output.
public struct ChromiumCommandFailed: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

public enum ChromiumPrerequisites {
    /// Throws a message naming the Debian package to install for whatever is missing.
    public static func check() throws {
        guard getuid() == 0 else {
            throw ChromiumUnavailable(description: "the Chromium tests create a network namespace and a veth pair: run them as root")
        }
        let tools = [
            (ChromiumPaths.chromium, "chromium"), (ChromiumPaths.ip, "iproute2"), (ChromiumPaths.python, "python3"),
        ]
        for (path, package) in tools where !FileManager.default.isExecutableFile(atPath: path) {
            throw ChromiumUnavailable(description: "\(path) is missing: install the Debian package '\(package)' "
                + "(scripts/install-deps.sh --test does).")
        }
        let (status, output) = try runTool(ChromiumPaths.python, ["-c", "import aiohttp"])
        guard status == 0 else {
            throw ChromiumUnavailable(description: "\(ChromiumPaths.python) cannot import aiohttp: install the Debian "
                + "package 'python3-aiohttp' (scripts/install-deps.sh --test does). \(output)")
        }
    }
}

/// Runs a tool to completion; its exit status and its stdout+stderr.
public func runTool(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A network namespace joined to the test's namespace by a veth pair, on a /24 of 10.202/16:
///
/// ```
///  root namespace (our PeerConnection)         namespace <name> (Chromium)
///  <hostLink> 10.202.k.1/24  ────veth────  <peerLink> 10.202.k.2/24, lo up
/// ```
///
/// Names carry the test process's PID, so a later run can tell leftovers of a dead run (which
/// it deletes) from those of a live one. ``remove()`` deletes the namespace and the pair.
public final class VethNamespace {
    public let name: String
    public let hostLink: String
    public let hostAddress: String
    public let peerAddress: String
    private var created = false
    private static let prefix = "kvschr"
    nonisolated(unsafe) private static var counter = 0

    public init() throws {
        try ChromiumPrerequisites.check()
        Self.removeLeftovers()
        Self.counter += 1
        let pid = Int(getpid())
        name = "\(Self.prefix)\(pid)-\(Self.counter)"
        hostLink = "kc\(pid)x\(Self.counter)"
        let subnet = try Self.freeSubnet(seed: pid &* 7 &+ Self.counter)
        hostAddress = "10.202.\(subnet).1"
        peerAddress = "10.202.\(subnet).2"
        do {
            try build()
        } catch {
            remove()
            throw error
        }
    }

    private func build() throws {
        let peerLink = hostLink + "n"
        try Self.ip(["netns", "add", name])
        created = true
        try Self.ip(["link", "add", hostLink, "type", "veth", "peer", "name", peerLink, "netns", name])
        try Self.ip(["addr", "add", "\(hostAddress)/24", "dev", hostLink])
        try Self.ip(["link", "set", hostLink, "up"])
        try Self.ip(["netns", "exec", name, ChromiumPaths.ip, "addr", "add", "\(peerAddress)/24", "dev", peerLink])
        for link in ["lo", peerLink] {
            try Self.ip(["netns", "exec", name, ChromiumPaths.ip, "link", "set", link, "up"])
        }
    }

    /// Deletes the namespace (which destroys the pair's inner end, and with it the pair).
    public func remove() {
        if created { _ = try? runTool(ChromiumPaths.ip, ["netns", "del", name]) }
        created = false
        _ = try? runTool(ChromiumPaths.ip, ["link", "del", hostLink])
    }

    /// `ip netns exec <name> command…`, as `ip` arguments.
    public func command(_ command: [String]) -> [String] { ["netns", "exec", name] + command }

    private static func ip(_ arguments: [String]) throws {
        let (status, output) = try runTool(ChromiumPaths.ip, arguments)
        guard status == 0 else {
            throw ChromiumCommandFailed(description: "ip \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
    }

    /// A third octet no interface of ours uses yet.
    private static func freeSubnet(seed: Int) throws -> Int {
        let (_, addresses) = try runTool(ChromiumPaths.ip, ["-o", "-4", "addr", "show"])
        for step in 0..<250 {
            let candidate = 1 + (seed &+ step * 37) % 249
            if !addresses.contains("10.202.\(candidate).") { return candidate }
        }
        throw ChromiumCommandFailed(description: "no free /24 in 10.202/16")
    }

    /// Namespaces of earlier test processes that died before their `defer` ran.
    private static func removeLeftovers() {
        guard let (_, list) = try? runTool(ChromiumPaths.ip, ["netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            let namespace = String(line.split(separator: " ").first ?? "")
            guard namespace.hasPrefix(prefix), let dash = namespace.firstIndex(of: "-"),
                let owner = Int32(namespace[namespace.index(namespace.startIndex, offsetBy: prefix.count)..<dash])
            else { continue }
            if kill(owner, 0) != 0 && errno == ESRCH {
                _ = try? runTool(ChromiumPaths.ip, ["netns", "del", namespace])
            }
        }
    }
}

/// chromium_viewer.py inside a ``VethNamespace``, spoken to in JSON lines (stdin/stdout). Lines
/// are kept until a caller takes them, so trickled candidates are never skipped over. Its stderr
/// (and Chromium's log tail on failure) goes to a file quoted in failures. Stopped by PID:
/// SIGTERM (the script then kills Chromium and removes its temp dir), SIGKILL if it lingers.
public final class ChromiumViewer {
    public let process = Process()
    public let directory: URL
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []
    private var queued: [[String: Any]] = []
    /// Every line received, for failure messages.
    private(set) var transcript: [String] = []

    public init(in namespace: VethNamespace, arguments: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-chromium-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let errorLog = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: ChromiumPaths.ip)
        process.arguments = namespace.command([ChromiumPaths.python, ChromiumPaths.script] + arguments)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
    }

    /// `ip netns exec` execs the script, so this is the script's own PID.
    public var pid: pid_t { process.processIdentifier }

    public var stderrText: String {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("stderr.log").path) else {
            return ""
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The last lines of output and stderr, for a failure message.
    public var diagnostics: String {
        "viewer output:\n" + transcript.suffix(20).map { String($0.prefix(400)) }.joined(separator: "\n")
            + "\nviewer stderr:\n" + String(stderrText.suffix(4000))
    }

    public func stop() {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = monotonicNow() + .seconds(5)
            while process.isRunning && monotonicNow() < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    public func send(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object)
        data.append(UInt8(ascii: "\n"))
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    /// The first line (queued or arriving within `timeout`) satisfying `match`, taken out of the
    /// queue; nil on timeout or end of output. Other lines stay queued.
    public func next(timeout: Duration, where match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = monotonicNow() + timeout
        while true {
            if let index = queued.firstIndex(where: match) { return queued.remove(at: index) }
            let left = deadline - monotonicNow()
            guard left > .zero, readMore(waitingUpTo: left) else { return nil }
        }
    }

    public func event(_ name: String, timeout: Duration) -> [String: Any]? {
        next(timeout: timeout) { $0["event"] as? String == name }
    }

    /// Every line available now satisfying `match`, taken out of the queue (no waiting).
    public func take(where match: ([String: Any]) -> Bool) -> [[String: Any]] {
        while readMore(waitingUpTo: .zero) {}
        let taken = queued.filter(match)
        queued.removeAll(where: match)
        return taken
    }

    /// Reads what arrives within `wait` into the queue; false when nothing came (or output ended).
    private func readMore(waitingUpTo wait: Duration) -> Bool {
        let fd = output.fileHandleForReading.fileDescriptor
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var ready = poll(&descriptor, 1, Int32(clamping: wait.nanoseconds / 1_000_000))
        while ready < 0 && errno == EINTR { ready = poll(&descriptor, 1, 0) }
        guard ready > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &chunk, chunk.count)
        guard count > 0 else { return false }
        pending.append(contentsOf: chunk[..<count])
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Data(pending[..<newline])
            pending.removeSubrange(...newline)
            transcript.append(String(decoding: line, as: UTF8.self))
            if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] { queued.append(object) }
        }
        return true
    }
}

/// The monotonic clock as an ``Instant`` (CLOCK_MONOTONIC, the event loop's clock).
public func monotonicNow() -> Instant {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Instant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
}
