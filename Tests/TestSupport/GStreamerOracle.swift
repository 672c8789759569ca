import Foundation

/// Runs GStreamer's own depayloaders and decoders (gst-launch-1.0) on a pcap of our RTP packets: the
/// independent implementation our packetizers are checked against.
public enum GStreamerOracle {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A scratch folder for one test, removed by the caller.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `gst-launch-1.0 -q <pipeline>` and returns the size of the raw output it wrote to
    /// `output`. The process is stopped by PID if it runs longer than `timeout` seconds.
    public static func decode(pipeline: String, output: URL, timeout: TimeInterval = 60) throws -> Int {
        let launcher = try locate("gst-launch-1.0")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = ["-q"] + pipeline.split(separator: " ").map(String.init)
        // stderr goes to a file: a pipe nobody drains could fill up and stall the process.
        let log = output.deletingLastPathComponent().appendingPathComponent("gst-launch.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        process.standardError = logHandle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal {
            throw Failure(description: "gst-launch-1.0 was stopped after \(Int(timeout)) s: \(pipeline)\n\(errors)")
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "gst-launch-1.0 exited with \(process.terminationStatus): \(errors)\npipeline: \(pipeline)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    private static func locate(_ tool: String) throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        throw Failure(description: "\(tool) not found: install gstreamer1.0-tools (scripts/install-deps.sh --test does)")
    }
}
