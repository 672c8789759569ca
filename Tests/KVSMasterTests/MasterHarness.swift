import EventLoop
import Foundation
import KVSMaster
import Logging
import Media
import Security
import Signaling
import Synchronization
import TestSupport
import Testing

/// A master on its own loop, signed in to a local KVS emulator (with coturn), the way the
/// daemon runs it; viewers are aiortc processes that signal through the emulator.
final class MasterHarness {
    static let certificates = CertificateProvider()
    static let accessKey = "AKIDEXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    let emulator: EmulatorProcess
    let loop: EventLoop
    let master: Master
    let client: SignalingClient
    let log = CapturedLog()
    let statusLines = Locked<[String]>([])
    let dataChannelMessages = Locked(0)
    private var viewers: [ViewerProcess] = []
    private var stopped = false

    init(
        channel: String = "camera", emulatorArguments: [String] = [], source: (any MediaSource)? = nil,
        environment extraEnvironment: [String: String] = [:], setupTimeout: Duration = .seconds(40), configure: (inout DaemonConfiguration) -> Void = { _ in }
    ) throws {
        emulator = try EmulatorProcess(arguments: ["--channel", channel] + emulatorArguments)
        var configuration = DaemonConfiguration(channelName: channel)
        configuration.statsInterval = .zero
        configure(&configuration)
        var environment = [
            "CONTROL_PLANE_URI": emulator.info.controlPlaneEndpoint,
            "AWS_KVS_CACERT_PATH": emulator.info.caCertificate,
            "AWS_DEFAULT_REGION": emulator.info.region,
            "AWS_ACCESS_KEY_ID": Self.accessKey,
            "AWS_SECRET_ACCESS_KEY": Self.secretKey,
            "KVSMASTER_ICE_ADDRESSES": "127.0.0.1",
        ]
        if let turn = emulator.info.turn { environment["KVS_STUN_URI"] = "stun:127.0.0.1:\(turn.port)" }
        environment.merge(extraEnvironment) { $1 }
        var signaling = try SignalingClientConfiguration.resolve(
            channelName: channel, environment: environment, endpointCachePath: .some(nil)
        ).get()
        signaling.includeWebRTCEndpoint = configuration.mode == .audioVideoStorage
        loop = try EventLoop(name: "master-test")
        var events = MasterEvents()
        let lines = statusLines
        let messages = dataChannelMessages
        events.onStatusLine = { line in lines.update { $0.append(line) } }
        events.onDataChannelMessage = { _, _, _ in messages.update { $0 += 1 } }
        var settings = MasterSettings(daemon: configuration, environment: environment)
        settings.sessionSetupTimeout = setupTimeout
        let master = Master(
            settings: settings, loop: loop,
            certificates: Self.certificates, source: source, events: events, logger: log.logger(level: .debug, label: "master"))
        self.master = master
        client = try SignalingClient(
            configuration: signaling, credentials: .chain(environment: environment), loop: loop,
            logger: log.logger(level: .debug), seed: 11,
            onEvent: { [weak master] event in master?.assumeIsolated { $0.handleSignaling(event) } })
        master.start(signaling: client)
    }

    deinit { stop() }

    /// Waits until signaling is connected.
    func waitConnected(timeout: Duration = .seconds(20)) -> Bool {
        poll(timeout: timeout) {
            if case .connected = self.client.snapshot.state { return true }
            return false
        }
    }

    /// Starts an aiortc viewer signaling as `clientId` through the emulator.
    func startViewer(_ clientId: String, arguments: [String] = []) throws -> ViewerProcess {
        let viewer = try ViewerProcess(adminURL: emulator.info.adminURL, clientId: clientId, arguments: arguments)
        viewers.append(viewer)
        return viewer
    }

    /// Stops every viewer, then the master (graceful shutdown), the loop and the emulator.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for viewer in viewers { viewer.stop() }
        let done = DispatchSemaphore(value: 0)
        master.shutdown { done.signal() }
        _ = done.wait(timeout: .now() + 5)
        loop.stop()
        loop.join()
        emulator.stop()
    }

    /// The master's log so far (for failure messages).
    var logText: String { log.text }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func poll(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

/// One aiortc viewer (Tests/Support/Daemon/kvs_viewer.py), stopped by PID.
final class ViewerProcess {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var python: String { repositoryRoot.appendingPathComponent(".venv/bin/python").path }

    let clientId: String
    let process: ScriptProcess
    let directory: URL
    private var events: [[String: Any]] = []
    private var stopped = false

    init(adminURL: String, clientId: String, arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw EmulatorProcess.Failure(
                description: "aiortc is not installed: \(Self.python) is missing (run scripts/install-deps.sh --test)")
        }
        self.clientId = clientId
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-viewer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = Self.repositoryRoot.appendingPathComponent("Tests/Support/Daemon/kvs_viewer.py").path
        process = try ScriptProcess(
            executable: Self.python, arguments: [script, "--admin", adminURL, "--client-id", clientId] + arguments,
            stderrFile: directory.appendingPathComponent("viewer.stderr"))
    }

    deinit { stop() }

    /// Reads reported lines until one matches `predicate` (or `timeout` passes).
    func wait(timeout: Duration, _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        if let hit = events.first(where: predicate) { return hit }
        while ContinuousClock.now < deadline {
            guard let line = process.lines.next(timeout: deadline - ContinuousClock.now) else { break }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            events.append(object)
            if predicate(object) { return object }
        }
        return nil
    }

    func waitDone(timeout: Duration) -> [String: Any]? { wait(timeout: timeout) { $0["event"] as? String == "done" } }

    func waitConnected(timeout: Duration) -> Bool {
        wait(timeout: timeout) { $0["event"] as? String == "connectionState" && $0["state"] as? String == "connected" } != nil
    }

    /// Stderr plus what the viewer reported, for failure messages.
    var stderrText: String {
        let state = process.isRunning ? "running" : "exited \(process.process.terminationStatus)"
        let reported = events.suffix(5).map { "\($0)" }.joined(separator: "\n")
        return "[\(state); \(events.count) events; last:\n\(reported)]\n" + process.stderrText
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        process.stop(grace: .seconds(3))
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Dictionary where Key == String, Value == Any {
    func int(_ key: String) -> Int { (self[key] as? Int) ?? (self[key] as? Double).map { Int($0) } ?? 0 }
    func double(_ key: String) -> Double { (self[key] as? Double) ?? (self[key] as? Int).map(Double.init) ?? 0 }
}

/// A value shared between the loop and the test thread.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T

    init(_ value: T) { stored = value }

    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func update(_ body: (inout T) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&stored)
    }
}
