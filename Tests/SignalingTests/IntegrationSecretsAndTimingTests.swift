import TestSupport
import Foundation
import Logging
import Testing

@testable import Signaling

/// (g) No secret in any log line at the most verbose level, and the connect-time measurement.
@Suite(.serialized) struct IntegrationSecretsAndTimingTests {
    /// Runs connect, an offer and answer, two ICE refreshes (TURN passwords), a clock
    /// correction and a GO_AWAY at trace level, libwebsockets' own lines included, then greps
    /// everything for the secret key, the session token, the TURN passwords and secret, and
    /// anything shaped like a SigV4 signature or signing key.
    @Test func traceLevelLogsContainNoSecrets() throws {
        let credentials = EmulatorCredentials.random(token: true)
        let emulator = try EmulatorProcess(credentials, arguments: ["--channel", "cam", "--clock-offset", "600"])
        defer { emulator.stop() }
        let harness = try IntegrationClient(
            emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), logLevel: .trace)
        defer { harness.stop() }
        harness.start()
        #expect(harness.waitConnected(), "\(harness.log.text)")

        let offer = SignalingSessionDescription(kind: .offer, sdp: "v=0\r\ns=-\r\n")
        #expect(
            try emulator.admin("POST", "/viewer/v1/send", ["channel": "cam", "action": "SDP_OFFER", "payload": offer.json])
                .status == 200)
        #expect(harness.recorder.wait(timeout: .seconds(5)) { $0.contains(.offerReceived(offer, from: "v1")) })
        harness.client.send(try SignalingOutgoingMessage(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), to: "v1"))
        #expect(try emulator.admin("GET", "/viewer/v1/received?channel=cam&count=1&timeout=5").status == 200)
        #expect(try emulator.admin("POST", "/master/reconnect-ice-server", ["channel": "cam"]).status == 200)
        let iceUpdates = { (events: [SignalingEvent]) in
            events.filter { if case .iceServersUpdated = $0 { true } else { false } }.count
        }
        #expect(harness.recorder.wait(timeout: .seconds(5)) { iceUpdates($0) >= 2 })
        #expect(try emulator.admin("POST", "/master/go-away", ["channel": "cam"]).status == 200)
        #expect(harness.waitConnected(count: 2, timeout: .seconds(5)))
        harness.stop()

        var secrets = [credentials.secretKey, try #require(credentials.token)]
        for event in harness.recorder.events {
            if case .iceServersUpdated(let config) = event {
                secrets += config.servers.map(\.password).filter { !$0.isEmpty }
            }
        }
        secrets.append(try #require(emulator.admin("GET", "/turn").json["secret"] as? String))
        #expect(secrets.count >= 5)

        let text = harness.log.text
        #expect(harness.log.lines.count >= 30)
        #expect(harness.log.lines.contains { $0.level == .trace })
        #expect(harness.log.contains("libwebsockets"))
        #expect(harness.log.contains("NTP"))
        for secret in secrets {
            #expect(!text.contains(secret), "a secret of \(secret.count) characters is in the log")
        }
        // A SigV4 signature or signing key is 64 hex digits; nothing in the log may look like one.
        #expect(text.firstMatch(of: /[0-9a-fA-F]{64}/) == nil)
        #expect(text.firstMatch(of: /X-Amz-(Signature|Security-Token|Credential)=[^*&\s]/) == nil)
    }

    /// Client start → WebSocket connected, p50 of 10 runs with a cold and with a warm endpoint
    /// cache (each run a new client: new loop, HTTPS and WebSocket clients, CA loading).
    @Test func connectTimeWithAndWithoutTheEndpointCache() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sig-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        func run(cachePath: String) throws -> (startToConnected: Double, loopMeasured: Double, fromCache: Bool) {
            let began = ContinuousClock.now
            let harness = try IntegrationClient(
                emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), cachePath: cachePath,
                logLevel: .info)
            harness.start()
            let connected = harness.waitConnected()
            let at = harness.recorder.timedEvents.first { $0.event == .connected }?.at ?? ContinuousClock.now
            // The snapshot is published right after the event is delivered.
            harness.waitSnapshot(timeout: .seconds(2)) { $0.firstConnectTime != nil }
            let snapshot = harness.snapshot
            harness.stop()
            #expect(connected)
            return ((at - began).milliseconds, snapshot.firstConnectTime?.milliseconds ?? -1, snapshot.connectedFromCache)
        }

        var cold: [Double] = []
        var coldLoop: [Double] = []
        for index in 0..<10 {
            let sample = try run(cachePath: directory.appendingPathComponent("cold-\(index).json").path)
            #expect(!sample.fromCache)
            cold.append(sample.startToConnected)
            coldLoop.append(sample.loopMeasured)
        }
        let warmPath = directory.appendingPathComponent("warm.json").path
        _ = try run(cachePath: warmPath)
        let describes = try emulator.stat("calls", "DescribeSignalingChannel")
        let endpoints = try emulator.stat("calls", "GetSignalingChannelEndpoint")
        var warm: [Double] = []
        var warmLoop: [Double] = []
        for _ in 0..<10 {
            let sample = try run(cachePath: warmPath)
            #expect(sample.fromCache)
            warm.append(sample.startToConnected)
            warmLoop.append(sample.loopMeasured)
        }
        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == describes)
        #expect(try emulator.stat("calls", "GetSignalingChannelEndpoint") == endpoints)

        func p50(_ values: [Double]) -> String { String(format: "%.1f", values.sorted()[values.count / 2]) }
        print(
            "connect time p50 (ms), client creation → connected: cold cache \(p50(cold)), warm cache \(p50(warm)); "
                + "start → connected on the loop: cold \(p50(coldLoop)), warm \(p50(warmLoop))")
    }
}
