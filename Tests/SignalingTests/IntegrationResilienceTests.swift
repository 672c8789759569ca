import TestSupport
import Foundation
import Testing

@testable import Signaling

/// Recovery from an outage and the ICE configuration refresh over minutes of real time
/// (the issue's "Done when" (c) and (d)); these are the slow integration tests.
@Suite(.serialized) struct IntegrationResilienceTests {
    /// (c) For 30 s new TCP connections to both emulator listeners are refused and requests on
    /// established HTTPS connections get 503; GO_AWAY sends the client into that outage. It keeps
    /// retrying with backoff and is back within ~10 s of the end, without a restart.
    @Test func recoversByItselfAfterThirtySecondsOfRefusedConnections() throws {
        let started = try StartedIntegration()
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected())

        #expect(try emulator.admin("POST", "/refuse", ["seconds": 30]).status == 200)
        #expect(try emulator.admin("POST", "/refuse", ["seconds": 30, "mode": "503"]).status == 200)
        let outageStart = ContinuousClock.now
        #expect(try emulator.admin("POST", "/master/go-away", ["channel": "cam"]).json["sent"] as? Bool == true)
        #expect(harness.recorder.wait(timeout: .seconds(5)) { $0.contains(.disconnected(.goAway)) })

        // The admin client gives up after 10 s, so ask in slices until the listeners reopen.
        var reopened = false
        for _ in 0..<6 where !reopened {
            reopened = try emulator.admin("GET", "/refuse/wait?timeout=8").status == 200
        }
        #expect(reopened)
        let outageEnd = ContinuousClock.now
        let errorsDuringOutage = harness.snapshot.metrics.numberOfErrors
        #expect(harness.waitConnected(count: 2, timeout: .seconds(15)), "\(harness.log.text.suffix(4000))")
        let reconnectedAt = try #require(harness.recorder.timedEvents.filter { $0.event == .connected }.last?.at)
        let afterEnd = (reconnectedAt - outageEnd).milliseconds
        print(
            "outage \(String(format: "%.1f", (outageEnd - outageStart).milliseconds / 1000)) s; "
                + "reconnected \(String(format: "%.0f", afterEnd)) ms after it ended; \(errorsDuringOutage) failed attempts")
        #expect(afterEnd < 11_000)
        // Retried throughout, but with backoff: not a tight loop (100 ms × 2^n capped at 10 s
        // gives well under 30 attempts in 30 s).
        #expect(errorsDuringOutage >= 4)
        #expect(errorsDuringOutage <= 30)
        // REST was part of the outage (GO_AWAY asks for the endpoint again), not only WSS.
        #expect(harness.log.count("endpoint failed") >= 1, "\(harness.log.text.suffix(3000))")
        #expect(harness.isConnected)
    }

    /// (d) With a 60 s TTL the TURN credentials are fetched again before they expire, again
    /// and again, for three minutes, on the same connection.
    @Test func iceConfigurationIsRefreshedBeforeEachSixtySecondTTLForThreeMinutes() throws {
        let started = try StartedIntegration(arguments: ["--channel", "cam", "--ice-ttl", "60"])
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected())

        // Grace 30 s: refreshes at 30, 60, …, 180 s after the first fetch.
        let updated = { (events: [SignalingEvent]) in
            events.filter { if case .iceServersUpdated = $0 { true } else { false } }.count
        }
        #expect(harness.recorder.wait(timeout: .seconds(200)) { updated($0) >= 7 }, "\(harness.log.text.suffix(3000))")
        let updates = harness.recorder.timedEvents.compactMap { entry -> (ContinuousClock.Instant, KVSIceServerConfig)? in
            if case .iceServersUpdated(let config) = entry.event { return (entry.at, config) }
            return nil
        }
        let gaps = zip(updates.dropFirst(), updates).map { ($0.0 - $1.0).milliseconds / 1000 }
        print("ICE configuration refresh gaps (s): \(gaps.map { String(format: "%.1f", $0) })")
        #expect(gaps.allSatisfy { $0 > 20 && $0 < 60 }, "\(gaps)")
        let passwords = updates.compactMap { $0.1.servers.first { !$0.password.isEmpty }?.password }
        #expect(passwords.count == updates.count)
        #expect(Set(passwords).count == passwords.count, "each refresh brings new TURN credentials")
        #expect(updates.allSatisfy { $0.1.servers.last?.ttl == .seconds(60) })
        #expect(try emulator.stat("calls", "GetIceServerConfig") >= 7)
        #expect(try emulator.stat("connections", "master") == 1)
        #expect(harness.isConnected)
        #expect(harness.snapshot.metrics.numberOfErrors == 0)
    }
}
