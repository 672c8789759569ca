import Testing
import WireKit

@testable import Signaling

/// Life on the channel: GO_AWAY, RECONNECT_ICE_SERVER, closes, the one-hour limit, ICE TTLs,
/// early candidates, pacing and metrics, under a virtual clock.
@Suite struct SignalingConnectionTests {
    typealias H = SignalingHarness

    static func connected(iceTTL: Int64 = 300) -> H {
        var h = H()
        h.start()
        h.connect(iceTTL: iceTTL)
        return h
    }

    static func frame(_ message: SignalingIncomingMessage) -> [UInt8] { Array(message.json.utf8) }

    static let offer = SignalingSessionDescription(kind: .offer, sdp: "v=0\r\n")
    static func candidate(_ n: Int) -> SignalingIceCandidate {
        SignalingIceCandidate(candidate: "candidate:\(n) 1 udp 1 192.0.2.9 \(4000 + n) typ host", sdpMid: "0", sdpMLineIndex: 0)
    }

    @Test func goAwayReconnectsToAFreshEndpoint() throws {
        var h = Self.connected()
        let old = try #require(h.connectedSocket)
        h.input(.webSocketMessage(old, Self.frame(.goAway)))
        #expect(h.recent.first == .closeWebSocket(old))
        #expect(h.recentEvents == [.disconnected(.goAway)])
        #expect(h.chainCall?.request == .getSignalingChannelEndpoint(channelARN: H.arn))
        let moved = KVSChannelEndpoints(webSocket: "wss://m-2.kvs", https: "https://r-2.kvs")
        h.input(.callSucceeded(h.chainCall!.id, .endpoints(moved)))
        // The ICE configuration is still fresh: connect straight away, to the new endpoint.
        let socket = try #require(h.openingSocket)
        #expect(h.recent.last == .openWebSocket(socket, endpoint: "wss://m-2.kvs", channelARN: H.arn, clockOffset: .zero))
        // A late close of the old socket changes nothing.
        h.input(.webSocketClosed(old, code: 1001))
        #expect(h.recent.isEmpty)
        h.input(.webSocketOpened(socket))
        #expect(h.recentEvents == [.connected])
        #expect(h.machine.metrics(now: h.now).numberOfReconnects == 1)
        #expect(h.machine.metrics(now: h.now).numberOfErrors == 0)
    }

    @Test func viewerSessionsSurviveGoAway() throws {
        var h = Self.connected()
        // Viewer v1 has a session; its candidates keep flowing across the reconnect.
        h.input(.webSocketMessage(h.connectedSocket!, Self.frame(.offer(Self.offer, from: "v1"))))
        h.input(.webSocketMessage(h.connectedSocket!, Self.frame(.goAway)))
        #expect(!h.allEvents.contains { if case .disconnected(.stopped) = $0 { true } else { false } })
        h.connect()
        h.input(.webSocketMessage(h.connectedSocket!, Self.frame(.iceCandidate(Self.candidate(1), from: "v1"))))
        #expect(h.recentEvents == [.candidateReceived(Self.candidate(1), from: "v1")])
    }

    @Test func reconnectIceServerFetchesNewConfigurationWhileConnected() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        h.input(.webSocketMessage(socket, Self.frame(.reconnectICEServer)))
        guard case .call(let id, .getIceServerConfig(H.arn, "https://r-1.kvs", "kvsmaster"), _) = h.recent.last else {
            Issue.record("expected a GetIceServerConfig call, got \(h.recent)")
            return
        }
        #expect(h.connectedSocket == socket)
        // A second indication while the fetch runs does not start another.
        h.input(.webSocketMessage(socket, Self.frame(.reconnectICEServer)))
        #expect(h.recent.isEmpty)
        h.now += .milliseconds(40)
        let fresh = H.iceConfig(ttl: 200, password: "new")
        h.input(.callSucceeded(id, .iceServerConfig(fresh)))
        #expect(h.recentEvents == [.iceServersUpdated(fresh)])
        #expect(h.machine.iceRefreshAt == h.now + .seconds(170))
        let metrics = h.machine.metrics(now: h.now)
        #expect(metrics.iceRefreshCount == 2)
        #expect(metrics.numberOfMessagesReceived == 2)
    }

    @Test func iceConfigurationIsRefreshedBeforeTheShortestTtl() throws {
        var h = Self.connected(iceTTL: 300)
        let connectedAt = h.now
        h.advance(to: connectedAt + .seconds(269))
        #expect(h.refreshCallID == nil)
        h.advance(to: connectedAt + .seconds(270))
        let id = try #require(h.refreshCallID)
        h.input(.callSucceeded(id, .iceServerConfig(H.iceConfig(ttl: 300))))
        #expect(h.machine.iceRefreshAt == connectedAt + .seconds(540))
        // A TTL shorter than twice the grace refreshes at half the TTL.
        h.advance(to: connectedAt + .seconds(540))
        h.input(.callSucceeded(try #require(h.refreshCallID), .iceServerConfig(H.iceConfig(ttl: 40))))
        #expect(h.machine.iceRefreshAt == connectedAt + .seconds(560))
    }

    @Test func failedIceRefreshRetriesWithoutDroppingTheConnection() throws {
        var h = Self.connected(iceTTL: 300)
        let socket = try #require(h.connectedSocket)
        h.advance(by: .seconds(270))
        var id = try #require(h.refreshCallID)
        for attempt in 0..<5 {
            h.input(.callFailed(id, .http(503, "ServiceUnavailable")))
            guard case .backingOff(let until) = h.machine.iceRefresh else {
                Issue.record("expected a wait, got \(h.machine.iceRefresh)")
                return
            }
            #expect(until - h.now <= SignalingBackoff().ceiling(attempt: attempt))
            h.advance(to: until)
            id = try #require(h.refreshCallID)
        }
        #expect(h.connectedSocket == socket)
        h.input(.callSucceeded(id, .iceServerConfig(H.iceConfig())))
        let metrics = h.machine.metrics(now: h.now)
        #expect(metrics.numberOfRuntimeErrors == 5)
        #expect(metrics.iceRefreshCount == 7)
    }

    @Test func closeReconnectsWithJitteredBackoffIndefinitely() throws {
        var h = Self.connected()
        h.advance(by: .seconds(60))
        h.input(.webSocketClosed(h.connectedSocket!, code: 1006))
        #expect(h.recentEvents == [.disconnected(.closed(code: 1006))])
        // Then every reconnect attempt fails: the waits follow min(10 s, 100 ms · 2ⁿ) forever.
        for attempt in 0..<40 {
            guard case .backingOff(.connect, let until) = h.machine.state else {
                Issue.record("expected a wait, got \(h.machine.state)")
                return
            }
            #expect(until - h.now <= SignalingBackoff().ceiling(attempt: attempt))
            h.advance(to: until)
            let socket = try #require(h.openingSocket)
            h.input(.webSocketFailed(socket, KVSAPIError(kind: .transport, message: "connection refused")))
        }
        // Recovery after the outage.
        h.advance(to: h.machine.pollTimeout()!)
        h.input(.webSocketOpened(try #require(h.openingSocket)))
        #expect(h.isConnected)
        #expect(h.machine.metrics(now: h.now).numberOfReconnects == 1)
        #expect(h.machine.metrics(now: h.now).numberOfRuntimeErrors == 40)
    }

    @Test func shortLivedConnectionsKeepGrowingTheBackoff() throws {
        var h = Self.connected()
        var ceilings: [Duration] = []
        for attempt in 0..<8 {
            h.input(.webSocketClosed(h.connectedSocket!, code: 1011))
            guard case .backingOff(.connect, let until) = h.machine.state else {
                Issue.record("expected a wait")
                return
            }
            ceilings.append(SignalingBackoff().ceiling(attempt: attempt))
            #expect(until - h.now <= ceilings.last!)
            h.advance(to: until)
            h.input(.webSocketOpened(try #require(h.openingSocket)))
        }
        // A connection that lasts resets the curve.
        h.advance(by: .seconds(30))
        h.input(.webSocketClosed(h.connectedSocket!, code: 1011))
        guard case .backingOff(.connect, let until) = h.machine.state else {
            Issue.record("expected a wait, got \(h.machine.state)")
            return
        }
        #expect(until - h.now <= .milliseconds(100))
    }

    @Test func reconnectsBeforeTheOneHourLimit() throws {
        var h = Self.connected(iceTTL: 86_400)
        let first = try #require(h.connectedSocket)
        let connectedAt = h.now
        h.advance(to: connectedAt + .seconds(3299))
        #expect(h.connectedSocket == first)
        h.advance(to: connectedAt + .seconds(3300))
        #expect(h.recent.first == .closeWebSocket(first))
        #expect(h.recentEvents == [.disconnected(.maximumDurationReached)])
        let next = try #require(h.openingSocket)
        #expect(next != first)
        #expect(h.openedEndpoints.last == "wss://m-1.kvs")
        h.input(.webSocketOpened(next))
        #expect(h.isConnected)
    }

    @Test func upgradeRejectionsFollowTheRestRules() throws {
        var h = H()
        h.start()
        let first = h.reachSocket()
        var socket = try #require(first)
        h.input(.webSocketFailed(socket, .http(403, "AccessDeniedException")))
        #expect(h.chainCall?.request == .credentials)
        h.succeedChain()
        // The endpoint is asked for again (see refusedUpgradeRefetchesTheEndpointSoTheClockCanBeLearned).
        #expect(h.chainCall?.request == .getSignalingChannelEndpoint(channelARN: H.arn))
        h.succeedChain()
        socket = try #require(h.openingSocket)
        h.input(.webSocketFailed(socket, .http(404, "ResourceNotFoundException")))
        guard case .backingOff = h.machine.state else {
            Issue.record("second failure in a row should wait, got \(h.machine.state)")
            return
        }
        h.advance(to: h.machine.pollTimeout()!)
        #expect(h.chainCall?.request == .describeChannel(name: "cam"))
    }

    /// With a warm endpoint cache the first REST calls are skipped, so a skewed clock first shows
    /// up as a refused upgrade, which says nothing about the server's time. The retry must go
    /// through GetSignalingChannelEndpoint, whose reply does, and then connect with the offset.
    @Test func refusedUpgradeRefetchesTheEndpointSoTheClockCanBeLearned() throws {
        var h = H()
        h.start()
        let reached = h.reachSocket()
        let socket = try #require(reached)
        h.input(.webSocketFailed(socket, .http(403, "AccessDeniedException")))
        #expect(h.chainCall?.request == .credentials)
        h.succeedChain()
        let endpointCall = try #require(h.chainCall)
        #expect(endpointCall.request == .getSignalingChannelEndpoint(channelARN: H.arn))
        var skewed = KVSAPIError.http(403, "InvalidSignatureException")
        skewed.serverClockOffset = .seconds(900)
        h.input(.callFailed(endpointCall.id, skewed))
        #expect(h.machine.clockOffset == .seconds(900))
        let reachedAgain = h.reachSocket()
        let next = try #require(reachedAgain)
        #expect(h.recent.contains { if case .openWebSocket(next, _, _, .seconds(900)) = $0 { true } else { false } })
        h.input(.webSocketOpened(next))
        #expect(h.isConnected)
    }

    @Test func upgradeTimeoutClosesTheSocketAndRetries() throws {
        var h = H()
        h.start()
        let reached = h.reachSocket()
        let socket = try #require(reached)
        h.advance(by: .seconds(15))
        #expect(h.recent.contains(.closeWebSocket(socket)))
        h.advance(to: h.machine.pollTimeout()!)
        #expect(h.openingSocket != nil && h.openingSocket != socket)
    }

    @Test func earlyCandidatesWaitForTheirOffer() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(1), from: "v1"))))
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(2), from: "v1"))))
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(3), from: "v2"))))
        #expect(h.machine.pendingCandidateCount == 3)
        h.now += .seconds(5)
        h.input(.webSocketMessage(socket, Self.frame(.offer(Self.offer, from: "v1"))))
        #expect(
            h.recentEvents == [
                .offerReceived(Self.offer, from: "v1"), .candidateReceived(Self.candidate(1), from: "v1"),
                .candidateReceived(Self.candidate(2), from: "v1"),
            ])
        // Later candidates of v1 pass straight through.
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(4), from: "v1"))))
        #expect(h.recentEvents == [.candidateReceived(Self.candidate(4), from: "v1")])
        // v2's candidate expires 20 s after it arrived; its offer then comes alone.
        h.advance(by: .seconds(15))
        #expect(h.recentEvents == [.candidatesDropped(count: 1)])
        #expect(h.machine.pendingCandidateCount == 0)
        h.input(.webSocketMessage(socket, Self.frame(.offer(Self.offer, from: "v2"))))
        #expect(h.recentEvents == [.offerReceived(Self.offer, from: "v2")])
        // After the session ends, candidates wait for a new offer again.
        h.machine.viewerSessionEnded(clientId: "v1")
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(5), from: "v1"))))
        #expect(h.recentEvents.isEmpty)
    }

    @Test func storageSessionCandidatesWaitForTheStorageOffer() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        h.input(.webSocketMessage(socket, Self.frame(.iceCandidate(Self.candidate(1), from: nil))))
        h.input(.webSocketMessage(socket, Self.frame(.offer(Self.offer, from: nil))))
        #expect(h.recentEvents == [.offerReceived(Self.offer, from: nil), .candidateReceived(Self.candidate(1), from: nil)])
    }

    @Test func messagesQueuedWhileDisconnectedArePacedAfterConnecting() throws {
        var h = H()
        h.start()
        for n in 0..<50 {
            h.machine.send(try SignalingOutgoingMessage(Self.candidate(n), to: "v1"), now: h.now)
        }
        h.machine.send(try SignalingOutgoingMessage(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), to: "v1"), now: h.now)
        #expect(h.machine.queuedMessageCount == 51)
        h.connect()
        let connectedAt = h.now
        #expect(h.recentSends.count == 20)
        h.advance(to: connectedAt + .milliseconds(999))
        #expect(h.recentSends.isEmpty)
        h.advance(to: connectedAt + .seconds(1))
        #expect(h.recentSends.count == 20)
        h.advance(to: connectedAt + .seconds(2))
        #expect(h.recentSends.count == 11)
        #expect(h.recentSends.last?.hasPrefix("{\"action\":\"SDP_ANSWER\"") == true)
        #expect(h.machine.queuedMessageCount == 0)
        #expect(h.machine.metrics(now: h.now).numberOfMessagesSent == 51)
    }

    @Test func malformedFramesAndStatusResponsesAreCounted() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        h.input(.webSocketMessage(socket, Array("{\"messageType\":\"NOPE\"}".utf8)))
        #expect(h.recentEvents == [.messageRejected(.unknownMessageType("NOPE"))])
        let status = SignalingStatusResponse(correlationId: "c", errorType: "InvalidArgumentException", statusCode: "400")
        h.input(.webSocketMessage(socket, Self.frame(.statusResponse(status))))
        #expect(h.recentEvents == [.statusResponse(status)])
        // Frames from a socket that is not the current one are ignored.
        h.input(.webSocketMessage(SignalingSocketID(999), Self.frame(.goAway)))
        #expect(h.recent.isEmpty)
        let metrics = h.machine.metrics(now: h.now)
        #expect(metrics.numberOfErrors == 2)
        #expect(metrics.numberOfRuntimeErrors == 2)
        #expect(metrics.numberOfMessagesReceived == 1)
        #expect(h.isConnected)
    }

    @Test func disconnectedMetricsShowNoConnectionDuration() throws {
        var h = Self.connected()
        h.advance(by: .seconds(100))
        #expect(h.machine.metrics(now: h.now).connectionDuration == .seconds(100))
        h.input(.webSocketClosed(h.connectedSocket!, code: nil))
        #expect(h.machine.metrics(now: h.now).connectionDuration == .zero)
        #expect(h.machine.metrics(now: h.now).signalingClientUptime == h.now - .zero)
    }

    @Test func socketErrorWhileConnectedIsCountedAndReconnects() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        let error = KVSAPIError(kind: .transport, message: "TLS alert")
        h.input(.webSocketFailed(socket, error))
        #expect(h.recentEvents == [.disconnected(.failed(error))])
        h.advance(to: try #require(h.machine.pollTimeout()))
        #expect(h.openingSocket != nil)
        let metrics = h.machine.metrics(now: h.now)
        #expect(metrics.numberOfErrors == 1)
        #expect(metrics.numberOfRuntimeErrors == 1)
        #expect(metrics.numberOfReconnects == 1)
    }

    @Test func goAwayAbandonsARefreshInFlight() throws {
        var h = Self.connected()
        let socket = try #require(h.connectedSocket)
        h.input(.webSocketMessage(socket, Self.frame(.reconnectICEServer)))
        let refresh = try #require(h.refreshCallID)
        h.input(.webSocketMessage(socket, Self.frame(.goAway)))
        #expect(h.machine.iceRefresh == .idle)
        let endpointCall = try #require(h.chainCall)
        // The late refresh answer neither installs anything nor disturbs the chain.
        h.input(.callSucceeded(refresh, .iceServerConfig(H.iceConfig(ttl: 10, password: "late"))))
        #expect(h.recent.isEmpty)
        #expect(h.machine.iceConfiguration == H.iceConfig())
        #expect(h.chainCall?.id == endpointCall.id)
    }

    @Test func earlyCandidateBufferIsBounded() {
        var buffer = SignalingCandidateBuffer(maximumPerSender: 3, maximumSenders: 2)
        var dropped = 0
        for n in 0..<5 { dropped += buffer.candidateArrived(Self.candidate(n), from: "a", now: .zero).dropped }
        #expect(dropped == 2)
        #expect(buffer.pendingCount == 3)
        _ = buffer.candidateArrived(Self.candidate(9), from: "b", now: .seconds(1))
        // A third sender evicts the sender whose candidates expire first.
        dropped = buffer.candidateArrived(Self.candidate(10), from: "c", now: .seconds(2)).dropped
        #expect(dropped == 3)
        #expect(buffer.offerArrived(from: "a", now: .seconds(2)).isEmpty)
        #expect(buffer.offerArrived(from: "b", now: .seconds(2)) == [Self.candidate(9)])
        #expect(buffer.nextExpiry == .seconds(22))
    }
}
