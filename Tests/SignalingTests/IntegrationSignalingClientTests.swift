import TestSupport
import Foundation
import Testing

@testable import Signaling

/// The whole signaling client (`SignalingClient` on an `EventLoop`, libcurl, libwebsockets)
/// against the local KVS emulator over real TLS, configured through the environment the daemon
/// reads. Every emulator and client is stopped by the test.
@Suite(.serialized) struct IntegrationSignalingClientTests {
    static let offer = SignalingSessionDescription(kind: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")

    /// (a) describe (404) → create → describe → endpoint → ICE config → connected; a viewer's
    /// offer reaches the owner and the answer reaches the viewer.
    @Test func firstConnectCreatesTheChannelAndExchangesOfferAndAnswer() throws {
        let credentials = EmulatorCredentials.random(token: true)
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn"])
        defer { emulator.stop() }
        let harness = try IntegrationClient(emulator: emulator, channel: "front-door", credentials: .fixed(credentials.aws))
        defer { harness.stop() }
        harness.start()
        #expect(harness.waitConnected(), "\(harness.log.text)\n\(emulator.emulatorLog.suffix(2000))")

        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == 2)
        #expect(try emulator.stat("calls", "CreateSignalingChannel") == 1)
        #expect(try emulator.stat("calls", "GetSignalingChannelEndpoint") == 1)
        #expect(try emulator.stat("calls", "GetIceServerConfig") == 1)
        #expect(try emulator.stat("connections", "master") == 1)
        #expect(try emulator.admin("GET", "/master/wait?channel=front-door&timeout=5").status == 200)
        let snapshot = harness.snapshot
        #expect(snapshot.channelARN?.hasSuffix(":channel/front-door/" + (snapshot.channelARN?.split(separator: "/").last ?? "")) == true)
        #expect(snapshot.metrics.iceRefreshCount == 1)

        let sent = try emulator.admin(
            "POST", "/viewer/viewer-1/send", ["channel": "front-door", "action": "SDP_OFFER", "payload": Self.offer.json])
        #expect(sent.json["delivered"] as? Bool == true)
        #expect(harness.recorder.wait(timeout: .seconds(5)) { $0.contains(.offerReceived(Self.offer, from: "viewer-1")) })

        let answer = SignalingSessionDescription(kind: .answer, sdp: "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
        let outgoing = try SignalingOutgoingMessage(answer, to: "viewer-1", correlationId: "7")
        harness.client.send(outgoing)
        let received = try emulator.admin("GET", "/viewer/viewer-1/received?channel=front-door&count=1&timeout=5").json
        let messages = try #require(received["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        #expect(messages.first?["action"] as? String == "SDP_ANSWER")
        #expect(messages.first?["messagePayload"] as? String == outgoing.messagePayload)
        #expect(harness.waitSnapshot(timeout: .seconds(2)) { $0.metrics.numberOfMessagesSent == 1 })
        #expect(harness.snapshot.metrics.numberOfMessagesReceived == 1)
        #expect(harness.snapshot.metrics.numberOfErrors == 1)  // the first describe's 404
        #expect(harness.log.contains("signaling channel connected"))
    }

    /// (b) GO_AWAY → the client asks for the endpoint again and reconnects quickly.
    @Test func goAwayReconnectsToAFreshEndpointWithinOneSecond() throws {
        let started = try StartedIntegration()
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected())
        #expect(try emulator.stat("calls", "GetSignalingChannelEndpoint") == 1)

        var samples: [Double] = []
        for round in 1...3 {
            let before = ContinuousClock.now
            #expect(try emulator.admin("POST", "/master/go-away", ["channel": "cam"]).json["sent"] as? Bool == true)
            #expect(harness.waitConnected(count: round + 1, timeout: .seconds(5)), "\(harness.log.text)")
            let reconnectedAt = try #require(harness.recorder.timedEvents.filter { $0.event == .connected }.last?.at)
            samples.append((reconnectedAt - before).milliseconds)
        }
        print("GO_AWAY → reconnected (ms): \(samples.map { String(format: "%.1f", $0) })")
        #expect(samples.allSatisfy { $0 < 1000 }, "reconnect took \(samples) ms")
        #expect(try emulator.stat("calls", "GetSignalingChannelEndpoint") == 4)
        #expect(try emulator.stat("connections", "master") == 4)
        #expect(harness.recorder.count { $0 == .disconnected(.goAway) } == 3)
        #expect(harness.snapshot.metrics.numberOfReconnects == 3)
    }

    /// (e) The emulator's clock runs 15 minutes ahead: the first call is rejected, the client
    /// learns the offset from the reply, warns about NTP, re-signs REST and WebSocket alike.
    @Test func fifteenMinuteClockSkewIsCorrected() throws {
        let started = try StartedIntegration(arguments: ["--no-turn", "--channel", "cam", "--clock-offset", "900"])
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected(), "\(harness.log.text)")
        let offset = harness.snapshot.clockOffset.components.seconds
        #expect((895...905).contains(offset), "learned \(offset) s")
        #expect(try emulator.stat("signatureFailures", "skew") >= 1)
        #expect(try emulator.stat("connections", "master") == 1)
        #expect(harness.log.contains("NTP"))
        #expect(harness.recorder.events.contains { if case .clockOffsetChanged = $0 { true } else { false } })
    }

    /// (e, warm cache) A restart with a warm endpoint cache skips describe and GetEndpoint; the
    /// skew is then learned from GetIceServerConfig, the REST call still made before the socket
    /// opens. (A refused upgrade with no REST call left to learn from is covered by
    /// SignalingConnectionTests.refusedUpgradeRefetchesTheEndpointSoTheClockCanBeLearned.)
    @Test func clockSkewIsCorrectedWithAWarmEndpointCache() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-warm-skew-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cachePath = directory.appendingPathComponent("endpoints.json").path

        let first = try IntegrationClient(emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), cachePath: cachePath)
        first.start()
        #expect(first.waitConnected(), "\(first.log.text)")
        first.stop()
        #expect(FileManager.default.fileExists(atPath: cachePath), "the first run should have written the cache")

        #expect(try emulator.admin("POST", "/clock", ["offsetSeconds": 900]).status == 200)
        let second = try IntegrationClient(emulator: emulator, channel: "cam", credentials: .fixed(credentials.aws), cachePath: cachePath)
        defer { second.stop() }
        second.start()
        #expect(second.waitConnected(), "\(second.log.text)")
        let offset = second.snapshot.clockOffset.components.seconds
        #expect((895...905).contains(offset), "learned \(offset) s")
        #expect(second.log.contains("endpoint cache"), "the second run should have started from the cache")
        #expect(second.log.contains("NTP"))
    }

    /// (f) Credentials the service refuses (403) are replaced by fresh ones and the call is
    /// retried; a channel that disappears (404) is described (and here re-created) again.
    @Test func refusedCredentialsAreRefreshedAndAMissingChannelIsDescribedAgain() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        var stale = EmulatorCredentials.random()
        stale.accessKey = "AKIASTALESTALESTALE1"
        let script = ScriptedCredentials([stale.aws, credentials.aws])
        // With no TURN the ICE list is empty and is fetched again every `iceRefreshGrace`.
        let harness = try IntegrationClient(emulator: emulator, channel: "cam", credentials: script.provider) {
            $0.machine.iceRefreshGrace = .seconds(1)
        }
        defer { harness.stop() }
        harness.start()
        #expect(harness.waitConnected(), "\(harness.log.text)")
        #expect(script.calls == 2)
        #expect(
            harness.recorder.events.contains {
                if case .requestFailed(.describe, let error) = $0 { error.status == 403 } else { false }
            })
        #expect(try emulator.stat("signatureFailures", "unknown-key") == 1)

        let describesBefore = try emulator.stat("calls", "DescribeSignalingChannel")
        #expect(try emulator.admin("POST", "/channels/cam/delete").status == 200)
        // The next ICE refresh gets a 404: the client forgets the channel, describes it (404),
        // creates it and connects again.
        #expect(harness.waitConnected(count: 2, timeout: .seconds(10)), "\(harness.log.text)")
        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == describesBefore + 2)
        #expect(try emulator.stat("calls", "CreateSignalingChannel") == 1)
        #expect(
            harness.recorder.events.contains {
                if case .requestFailed(_, let error) = $0 { error.status == 404 } else { false }
            })
    }

    /// (h) Bad input from the service: each kind gets its own log line and counts as an
    /// error; the connection stays up.
    @Test func badInputIsLoggedCountedAndSurvived() throws {
        let started = try StartedIntegration()
        defer { started.stop() }
        let (emulator, harness) = (started.emulator, started.harness)
        #expect(harness.waitConnected())
        let errorsBefore = harness.snapshot.metrics.numberOfErrors

        let frames = [
            "{not json",
            #"{"messageType":"SDP_OFFER","senderClientId":"v1","messagePayload":"!!!not base64!!!"}"#,
            #"{"messageType":"FANCY_NEW_EVENT","senderClientId":"v1","messagePayload":"e30="}"#,
            #"{"messageType":"SDP_OFFER","senderClientId":"v1","messagePayload":""# + String(repeating: "A", count: 80_000) + #""}"#,
            #"{"messageType":"SDP_OFFER","messagePayload":""# + String(repeating: "A", count: 200_000) + #""}"#,
        ]
        for frame in frames {
            #expect(try emulator.admin("POST", "/master/send", ["channel": "cam", "text": frame]).status == 200)
        }
        #expect(
            harness.waitSnapshot(timeout: .seconds(5)) { $0.metrics.numberOfErrors == errorsBefore + 5 },
            "errors \(harness.snapshot.metrics.numberOfErrors) \(harness.log.text)")
        #expect(harness.log.contains("malformed JSON"))
        #expect(harness.log.contains("bad base64"))
        #expect(harness.log.contains("unknown event"))
        #expect(harness.log.count("oversized") >= 2)
        #expect(harness.isConnected)
        #expect(harness.snapshot.webSocketAttempts == 1)

        // Still working: an offer after the garbage arrives.
        #expect(
            try emulator.admin("POST", "/viewer/v2/send", ["channel": "cam", "action": "SDP_OFFER", "payload": Self.offer.json])
                .status == 200)
        #expect(harness.recorder.wait(timeout: .seconds(5)) { $0.contains(.offerReceived(Self.offer, from: "v2")) })
    }
}
