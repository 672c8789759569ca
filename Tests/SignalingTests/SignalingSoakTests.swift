import Testing
import WireKit

@testable import Signaling

/// A three-hour virtual run against a simulated, misbehaving KVS: random latencies, 5xx
/// answers, calls that never return, refused upgrades, GO_AWAYs, abrupt closes, ICE TTL
/// refreshes and the one-hour connection limit. The client must always come back.
@Suite struct SignalingSoakTests {
    /// The simulated service: it answers what the machine asks, after a delay, sometimes badly.
    struct FakeKVS {
        var random: SplitMix64
        var scheduled: [(at: Instant, input: SignalingInput)] = []
        var liveSocket: SignalingSocketID?
        var endpointGeneration = 0
        var sentFrames = 0

        mutating func chance(_ oneIn: UInt64) -> Bool { random.next() % oneIn == 0 }
        mutating func delay(_ low: Int64, _ high: Int64) -> Duration {
            .milliseconds(low + Int64(random.next() % UInt64(high - low + 1)))
        }

        mutating func perform(_ output: SignalingOutput, now: Instant) {
            switch output {
            case .call(let id, let request, _):
                if chance(15) { return }  // lost: the machine's timeout must catch it
                let at = now + delay(20, 400)
                if chance(5) {
                    scheduled.append((at, .callFailed(id, .http(503, "ServiceUnavailableException"))))
                    return
                }
                scheduled.append((at, .callSucceeded(id, response(to: request))))
            case .openWebSocket(let id, _, _, _):
                let at = now + delay(50, 500)
                if chance(5) {
                    scheduled.append((at, .webSocketFailed(id, KVSAPIError(kind: .transport, message: "reset"))))
                } else {
                    scheduled.append((at, .webSocketOpened(id)))
                    liveSocket = id
                }
            case .closeWebSocket(let id):
                if liveSocket == id { liveSocket = nil }
            case .sendText:
                sentFrames += 1
            case .event:
                break
            }
        }

        mutating func response(to request: KVSRequest) -> KVSResponse {
            switch request {
            case .credentials: return .credentials(expiresAt: nil)
            case .describeChannel: return .channelDescribed(SignalingHarness.activeChannel)
            case .createChannel: return .channelCreated(channelARN: SignalingHarness.arn)
            case .getSignalingChannelEndpoint:
                endpointGeneration += 1
                return .endpoints(KVSChannelEndpoints(webSocket: "wss://m-\(endpointGeneration)", https: "https://r"))
            case .getIceServerConfig:
                return .iceServerConfig(SignalingHarness.iceConfig(ttl: 300))
            }
        }
    }

    @Test(arguments: [11, 21, 31] as [UInt64])
    func threeHoursOfTroubleAlwaysEndConnected(seed: UInt64) throws {
        let end = Instant.seconds(3 * 3600)
        var machine = SignalingStateMachine(configuration: SignalingConfiguration(channelName: "cam"), seed: seed)
        var kvs = FakeKVS(random: SplitMix64(seed: seed + 1))
        var chaos = SplitMix64(seed: seed + 2)
        var now = Instant.zero
        var nextChaos = Instant.seconds(120)
        var nextAppMessage = Instant.seconds(5)
        var queuedByApp = 0
        var disconnectedSince: Instant? = .zero
        var longestOutage = Duration.zero
        var goAways = 0
        var closes = 0
        var connects = 0
        var iceUpdates: [Instant] = []
        var offersSeen = 0
        var limitReconnects = 0
        var chaosCount = 0

        machine.start(now: now)
        while now < end {
            while let output = machine.pollOutput() {
                kvs.perform(output, now: now)
                guard case .event(let event) = output else { continue }
                switch event {
                case .connected:
                    connects += 1
                    if let since = disconnectedSince { longestOutage = max(longestOutage, now - since) }
                    disconnectedSince = nil
                case .disconnected(let reason):
                    disconnectedSince = now
                    if reason == .maximumDurationReached { limitReconnects += 1 }
                case .iceServersUpdated:
                    iceUpdates.append(now)
                case .offerReceived:
                    offersSeen += 1
                default:
                    break
                }
            }
            // The next thing to happen: a service answer, a machine timer, chaos or the app.
            kvs.scheduled.sort { $0.at < $1.at }
            var next = min(nextChaos, nextAppMessage, end)
            if let first = kvs.scheduled.first { next = min(next, first.at) }
            if let timer = machine.pollTimeout() { next = min(next, timer) }
            now = max(now, next)

            if let first = kvs.scheduled.first, first.at <= now {
                kvs.scheduled.removeFirst()
                machine.handle(first.input, now: now)
            } else if let timer = machine.pollTimeout(), timer <= now {
                machine.handleTimeout(now: now)
            } else if nextChaos <= now {
                nextChaos = now + .seconds(Int64(30 + chaos.next() % 400))
                // A quiet spell long enough for the one-hour limit to force a reconnect.
                if now >= .seconds(3600), now < .seconds(7800) { continue }
                guard let socket = kvs.liveSocket, case .connected(socket, _) = machine.state else { continue }
                chaosCount += 1
                switch chaosCount % 4 {
                case 1:
                    goAways += 1
                    machine.handle(.webSocketMessage(socket, Array(SignalingIncomingMessage.goAway.json.utf8)), now: now)
                case 2:
                    closes += 1
                    kvs.liveSocket = nil
                    machine.handle(.webSocketClosed(socket, code: 1006), now: now)
                case 3:
                    machine.handle(.webSocketMessage(socket, Array(SignalingIncomingMessage.reconnectICEServer.json.utf8)), now: now)
                default:
                    let offer = SignalingIncomingMessage.offer(SignalingSessionDescription(kind: .offer, sdp: "v=0\r\n"), from: "v\(chaos.next() % 10)")
                    machine.handle(.webSocketMessage(socket, Array(offer.json.utf8)), now: now)
                }
            } else if nextAppMessage <= now {
                nextAppMessage = now + .seconds(10)
                let viewer = "v\(queuedByApp % 10)"
                machine.send(try SignalingOutgoingMessage(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), to: viewer), now: now)
                for n in 0..<5 {
                    let candidate = SignalingIceCandidate(candidate: "candidate:\(n) 1 udp 1 192.0.2.1 9 typ host", sdpMid: "0", sdpMLineIndex: 0)
                    machine.send(try SignalingOutgoingMessage(candidate, to: viewer), now: now)
                }
                queuedByApp += 6
            }
        }
        // Let the last attempts settle, then check the outcome.
        var settle = 0
        while !(machine.state.isConnected && machine.queuedMessageCount == 0), settle < 10_000 {
            settle += 1
            kvs.scheduled.sort { $0.at < $1.at }
            while let output = machine.pollOutput() { kvs.perform(output, now: now) }
            let next = [kvs.scheduled.first?.at, machine.pollTimeout()].compactMap { $0 }.min() ?? now
            now = max(now, next)
            if let first = kvs.scheduled.first, first.at <= now {
                kvs.scheduled.removeFirst()
                machine.handle(first.input, now: now)
            } else {
                machine.handleTimeout(now: now)
            }
        }
        while let output = machine.pollOutput() { kvs.perform(output, now: now) }

        #expect(machine.state.isConnected)
        #expect(now - end < .seconds(60))
        #expect(goAways >= 5)
        #expect(limitReconnects >= 1)
        #expect(closes >= 5)
        #expect(connects >= 1 + goAways + closes)
        // Worst case: several lost calls (15 s timeouts) in a row plus a capped backoff.
        #expect(longestOutage < .seconds(90))
        // Nothing the application queued was dropped.
        #expect(kvs.sentFrames == queuedByApp)
        #expect(offersSeen > 0)
        let metrics = machine.metrics(now: now)
        #expect(metrics.numberOfMessagesSent == UInt64(queuedByApp))
        #expect(metrics.numberOfReconnects >= UInt64(goAways + closes))
        #expect(metrics.iceRefreshCount >= 36)  // 3 h / 270 s = 40 scheduled refreshes, some folded into reconnects
        #expect(metrics.signalingClientUptime >= .seconds(3 * 3600))
        // The TURN credentials (TTL 300 s) were always replaced before they ran out.
        for (earlier, later) in zip(iceUpdates, iceUpdates.dropFirst()) {
            #expect(later - earlier <= .seconds(300))
        }
    }
}

extension SignalingState {
    var isConnected: Bool {
        if case .connected = self { return true }
        return false
    }
}
