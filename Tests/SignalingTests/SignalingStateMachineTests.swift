import Testing
import WireKit

@testable import Signaling

/// The connect chain and its error recoveries, under a virtual clock.
@Suite struct SignalingStateMachineTests {
    typealias H = SignalingHarness

    @Test func bootstrapWalksTheChainInOrder() throws {
        var h = H()
        h.start()
        #expect(h.chainCall?.request == .credentials)
        h.succeedChain()
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        h.succeedChain(latency: .milliseconds(80))
        #expect(h.chainCall?.request == .getSignalingChannelEndpoint(channelARN: H.arn))
        h.succeedChain(latency: .milliseconds(120))
        #expect(h.chainCall?.request == .getIceServerConfig(channelARN: H.arn, httpsEndpoint: "https://r-1.kvs", clientId: "kvsmaster"))
        h.succeedChain(latency: .milliseconds(50))
        #expect(h.recentEvents == [.iceServersUpdated(H.iceConfig())])
        let socket = try #require(h.openingSocket)
        #expect(h.recent.last == .openWebSocket(socket, endpoint: "wss://m-1.kvs", channelARN: H.arn, clockOffset: .zero))
        h.input(.webSocketOpened(socket))
        #expect(h.recentEvents == [.connected])
        #expect(h.machine.state == .connected(socket, since: h.now))

        let metrics = h.machine.metrics(now: h.now + .seconds(10))
        // 80 ms, then 0.05 · 120 + 0.95 · 80 = 82 ms.
        #expect(metrics.cpApiCallLatency == .milliseconds(82))
        #expect(metrics.dpApiCallLatency == .milliseconds(50))
        #expect(metrics.connectionDuration == .seconds(10))
        #expect(metrics.signalingClientUptime == .milliseconds(10_250))
        #expect(metrics.iceRefreshCount == 1)
        #expect(metrics.numberOfErrors == 0)
        #expect(metrics.numberOfReconnects == 0)
    }

    @Test func missingChannelIsCreatedAsSingleMasterWithTtl60() {
        var h = H()
        h.start()
        h.succeedChain()  // credentials
        h.failChain(.http(404, "ResourceNotFoundException"))
        #expect(h.chainCall?.request == .createChannel(name: "cam", messageTtlSeconds: 60))
        h.succeedChain()
        // Freshly created channels are CREATING for a moment: describe until ACTIVE.
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        h.input(.callSucceeded(h.chainCall!.id, .channelDescribed(KVSChannelInfo(name: "cam", arn: H.arn, status: "CREATING", type: "SINGLE_MASTER"))))
        guard case .backingOff(.describe, _) = h.machine.state else {
            Issue.record("expected a wait, got \(h.machine.state)")
            return
        }
        h.advance(by: .seconds(1))
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        h.connect()
        #expect(h.isConnected)
    }

    @Test func channelCreationCanBeDisabled() {
        var configuration = SignalingConfiguration(channelName: "cam")
        configuration.createChannelIfMissing = false
        var h = H(configuration: configuration)
        h.start()
        h.succeedChain()
        h.failChain(.http(404, "ResourceNotFoundException"))
        guard case .backingOff(.describe, _) = h.machine.state else {
            Issue.record("expected a wait, got \(h.machine.state)")
            return
        }
        h.advance(by: .seconds(1))
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        #expect(!h.requests.contains(.createChannel(name: "cam", messageTtlSeconds: 60)))
    }

    @Test(arguments: [401, 403])
    func authFailureRefreshesCredentialsThenRetries(status: Int) {
        var h = H()
        h.start()
        h.succeedChain()
        h.succeedChain()
        #expect(h.chainCall?.step == .endpoint)
        h.failChain(.http(status, "AccessDeniedException", message: "The security token included in the request is expired"))
        #expect(h.chainCall?.request == .credentials)
        #expect(h.recentEvents.first == .requestFailed(.endpoint, .http(status, "AccessDeniedException", message: "The security token included in the request is expired")))
        h.succeedChain()
        // The channel ARN is still known: straight back to the endpoint call.
        #expect(h.chainCall?.request == .getSignalingChannelEndpoint(channelARN: H.arn))
        #expect(h.machine.metrics(now: h.now).numberOfErrors == 1)
    }

    @Test func repeatedAuthFailuresBackOff() {
        var h = H()
        h.start()
        h.succeedChain()
        h.failChain(.http(403, "AccessDeniedException"))
        #expect(h.chainCall?.request == .credentials)
        h.succeedChain()
        h.failChain(.http(403, "AccessDeniedException"))
        // Second failure in a row: wait before fetching credentials again.
        guard case .backingOff(.describe, let until) = h.machine.state else {
            Issue.record("expected a wait, got \(h.machine.state)")
            return
        }
        #expect(until - h.now <= .milliseconds(200))
        h.advance(to: until)
        #expect(h.chainCall?.request == .credentials)
    }

    @Test func notFoundAfterDescribeDescribesAgain() {
        var h = H()
        h.start()
        h.succeedChain()
        h.succeedChain()
        h.succeedChain()
        #expect(h.chainCall?.step == .iceConfig)
        h.failChain(.http(404, "ResourceNotFoundException"))
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        #expect(h.machine.channelARN == nil)
    }

    @Test func serverErrorsRetryTheSameStepWithGrowingBackoff() {
        var h = H()
        h.start()
        h.succeedChain()
        var ceilings: [Duration] = []
        for attempt in 0..<10 {
            h.failChain(.http(500 + attempt % 4, "InternalFailure"))
            guard case .backingOff(.describe, let until) = h.machine.state else {
                Issue.record("expected a wait, got \(h.machine.state)")
                return
            }
            let ceiling = SignalingBackoff().ceiling(attempt: attempt)
            #expect(until - h.now <= ceiling)
            ceilings.append(ceiling)
            h.advance(to: until)
            #expect(h.chainCall?.request == .describeChannel(name: "cam"))
        }
        #expect(ceilings.last == .seconds(10))
        h.connect()
        #expect(h.isConnected)
    }

    @Test func unansweredCallTimesOutAndLateAnswerIsIgnored() throws {
        var h = H()
        h.start()
        let stale = try #require(h.chainCall)
        h.advance(by: .seconds(15))
        #expect(h.recentEvents.first == .requestFailed(.credentials, KVSAPIError(kind: .timeout)))
        let deadline = try #require(h.machine.pollTimeout())
        h.advance(to: deadline)
        let fresh = try #require(h.chainCall)
        #expect(fresh.id != stale.id)
        h.input(.callSucceeded(stale.id, .credentials(expiresAt: nil)))
        #expect(h.recent.isEmpty)
        #expect(h.chainCall?.id == fresh.id)
    }

    @Test func clockSkewFromSignatureMessageIsLearnedAndRetried() {
        var h = H()
        h.start()
        h.succeedChain()
        let message = "Signature expired: 20240919T085634Z is now earlier than 20240919T155135Z (20240919T155635Z - 5 min.)"
        h.failChain(.http(403, "InvalidSignatureException", message: message))
        let offset = Duration.seconds(7 * 3600 + 1)
        #expect(h.machine.clockOffset == offset)
        #expect(h.recentEvents.contains(.clockOffsetChanged(offset)))
        // Retried at once, signed with the corrected clock.
        guard case .call(_, .describeChannel, let used) = h.recent.last else {
            Issue.record("expected a describe call, got \(h.recent)")
            return
        }
        #expect(used == offset)
        h.connect()
        guard case .openWebSocket(_, _, _, let socketOffset) = h.log.last(where: { if case .openWebSocket = $0 { true } else { false } }) else {
            Issue.record("no socket")
            return
        }
        #expect(socketOffset == offset)
    }

    @Test func serverDateOffsetIsAdoptedOnlyBeyondFiveMinutes() {
        var h = H()
        h.start()
        h.input(.serverClockObserved(offset: .seconds(120)))
        #expect(h.machine.clockOffset == .zero)
        h.input(.serverClockObserved(offset: .seconds(-900)))
        #expect(h.machine.clockOffset == .seconds(-900))
        h.succeedChain()
        h.failChain(KVSAPIError(kind: .http(status: 403), message: "Signature not yet current", serverClockOffset: .seconds(-3600)))
        #expect(h.machine.clockOffset == .seconds(-3600))
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
    }

    @Test func clockCorrectionLoopIsBounded() {
        var h = H()
        h.start()
        h.succeedChain()
        let message = "Signature expired: 20240919T085634Z is now earlier than 20240919T155135Z (20240919T155635Z - 5 min.)"
        for _ in 0..<3 {
            h.failChain(.http(403, "InvalidSignatureException", message: message))
            #expect(h.chainCall?.step == .describe)
        }
        h.failChain(.http(403, "InvalidSignatureException", message: message))
        // A fourth correction in a row is not trusted blindly: back off.
        guard case .backingOff = h.machine.state else {
            Issue.record("expected a wait, got \(h.machine.state)")
            return
        }
    }

    @Test func expiringCredentialsAreRefreshedBeforeUse() {
        var h = H()
        h.start()
        h.input(.callSucceeded(h.chainCall!.id, .credentials(expiresAt: .seconds(600))))
        h.connect()
        #expect(h.isConnected)
        // Reconnect after the credentials entered their 5-minute grace period.
        h.advance(to: .seconds(400))
        h.input(.webSocketClosed(h.connectedSocket!, code: 1006))
        h.advance(by: .milliseconds(100))
        #expect(h.chainCall?.request == .credentials)
    }

    @Test func stopClosesTheSocket() throws {
        var h = H()
        h.start()
        h.connect()
        let socket = try #require(h.connectedSocket)
        h.beginStep()
        h.machine.stop(now: h.now)
        h.pump()
        #expect(h.recent == [.closeWebSocket(socket), .event(.disconnected(.stopped))])
        #expect(h.machine.state == .stopped)
        #expect(h.machine.pollTimeout() == nil)
    }
}
