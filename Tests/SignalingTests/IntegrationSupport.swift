import TestSupport
import EventLoop
import Foundation
import Logging
import Synchronization
import Testing

@testable import Signaling

/// The events a client delivered, waited on with a deadline.
final class EventRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var recorded: [(at: ContinuousClock.Instant, event: SignalingEvent)] = []

    func record(_ event: SignalingEvent) {
        condition.lock()
        recorded.append((ContinuousClock.now, event))
        condition.broadcast()
        condition.unlock()
    }

    var events: [SignalingEvent] {
        condition.lock()
        defer { condition.unlock() }
        return recorded.map(\.event)
    }

    var timedEvents: [(at: ContinuousClock.Instant, event: SignalingEvent)] {
        condition.lock()
        defer { condition.unlock() }
        return recorded
    }

    func count(where predicate: (SignalingEvent) -> Bool) -> Int { events.filter(predicate).count }

    var connectedCount: Int { count { $0 == .connected } }

    /// Waits until `predicate` holds over the events (re-checked on every event and every
    /// 50 ms, for conditions on other state); false after `timeout`.
    @discardableResult
    func wait(timeout: Duration, _ predicate: ([SignalingEvent]) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        condition.lock()
        defer { condition.unlock() }
        while !predicate(recorded.map(\.event)) {
            guard ContinuousClock.now < deadline else { return false }
            _ = condition.wait(until: Date().addingTimeInterval(0.05))
        }
        return true
    }
}

/// One SignalingClient on its own event loop, pointed at a running emulator through the
/// environment (CONTROL_PLANE_URI, AWS_KVS_CACERT_PATH, AWS_DEFAULT_REGION), like the daemon.
final class IntegrationClient {
    let loop: EventLoop
    let client: SignalingClient
    let recorder = EventRecorder()
    let log = CapturedLog()
    private var stopped = false

    init(
        emulator: EmulatorProcess, channel: String, credentials: SignalingCredentialProvider,
        cachePath: String? = nil, logLevel: Logger.Level = .debug, extraEnvironment: [String: String] = [:],
        tune: (inout SignalingClientConfiguration) -> Void = { _ in }
    ) throws {
        var environment = [
            "CONTROL_PLANE_URI": emulator.info.controlPlaneEndpoint,
            "AWS_KVS_CACERT_PATH": emulator.info.caCertificate,
            "AWS_DEFAULT_REGION": emulator.info.region,
        ]
        environment.merge(extraEnvironment) { $1 }
        var configuration = try SignalingClientConfiguration.resolve(
            channelName: channel, environment: environment, endpointCachePath: .some(cachePath)
        ).get()
        tune(&configuration)
        loop = try EventLoop(name: "sig-test")
        let recorder = recorder
        client = try SignalingClient(
            configuration: configuration, credentials: credentials, loop: loop, logger: log.logger(level: logLevel),
            seed: 7, onEvent: { recorder.record($0) })
    }

    func start() { client.start() }

    var snapshot: SignalingClientSnapshot { client.snapshot }

    func waitConnected(count: Int = 1, timeout: Duration = .seconds(15)) -> Bool {
        recorder.wait(timeout: timeout) { $0.filter { $0 == .connected }.count >= count }
    }

    /// Waits until `predicate` holds for the published snapshot.
    @discardableResult
    func waitSnapshot(timeout: Duration, _ predicate: @escaping (SignalingClientSnapshot) -> Bool) -> Bool {
        let client = client
        return recorder.wait(timeout: timeout) { _ in predicate(client.snapshot) }
    }

    /// Stops the client and its loop and waits for both.
    func stop() {
        guard !stopped else { return }
        stopped = true
        let done = DispatchSemaphore(value: 0)
        client.stop { done.signal() }
        _ = done.wait(timeout: .now() + 10)
        loop.stop()
        loop.join()
    }

    var isConnected: Bool {
        if case .connected = snapshot.state { return true }
        return false
    }
}

/// The usual integration setup: an emulator with random credentials started with `arguments`
/// (channel "cam"), and an ``IntegrationClient`` on channel "cam" signing with those
/// credentials and logging at `logLevel`, already started. `stop()` (call it in a `defer`)
/// stops the client, then the emulator.
final class StartedIntegration {
    let emulator: EmulatorProcess
    let harness: IntegrationClient

    init(arguments: [String] = ["--no-turn", "--channel", "cam"], logLevel: Logger.Level = .debug) throws {
        let credentials = EmulatorCredentials.random()
        emulator = try EmulatorProcess(credentials, arguments: arguments)
        do {
            harness = try IntegrationClient(
                emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), logLevel: logLevel)
        } catch {
            emulator.stop()
            throw error
        }
        harness.start()
    }

    func stop() {
        harness.stop()
        emulator.stop()
    }
}

/// A credential provider that hands out a scripted sequence (the last one repeats) and counts
/// its calls.
final class ScriptedCredentials: Sendable {
    private let state: Mutex<(queue: [AWSCredentials], calls: Int)>

    init(_ sequence: [AWSCredentials]) { state = Mutex((sequence, 0)) }

    var calls: Int { state.withLock { $0.calls } }

    var provider: SignalingCredentialProvider {
        SignalingCredentialProvider { [self] in
            let next = state.withLock { state -> AWSCredentials in
                state.calls += 1
                return state.queue.count > 1 ? state.queue.removeFirst() : state.queue[0]
            }
            return .success(SignalingCredentials(credentials: next, source: "test script"))
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
