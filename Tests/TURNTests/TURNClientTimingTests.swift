import STUN
import Testing
import TURN
import WireKit

@Suite struct TURNClientTimingTests {
    @Test func udpRequestsAreRetransmittedWithDoublingRTOThenTimeOut() {
        var h = TURNHarness()
        h.serverSilent = true
        h.allocate()
        h.run(for: .seconds(60))
        let times = h.sent.map { ($0.at - .zero).milliseconds }
        #expect(times == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(Set(h.sent.map(\.payload)).count == 1)
        #expect(h.events == [.allocationFailed(.timeout)])
        #expect(h.client.statistics.retransmissions == 6)
        #expect(h.client.phase == .failed(.timeout))
    }

    @Test func timeoutComesAfter39AndAHalfSeconds() {
        var h = TURNHarness()
        h.serverSilent = true
        h.allocate()
        h.run(for: .milliseconds(38_499))
        #expect(h.events.isEmpty)
        h.run(for: .milliseconds(1))
        #expect(h.events == [.allocationFailed(.timeout)])
    }

    @Test(arguments: [TransportProtocol.tcp, .tls])
    func streamsAreNeverRetransmitted(transport: TransportProtocol) {
        var h = TURNHarness(transport: transport)
        h.serverSilent = true
        h.allocate()
        #expect(h.client.pollTimeout() == .zero + .milliseconds(39_500))
        h.run(for: .seconds(60))
        #expect(h.sent.count == 1)
        #expect(h.sent.allSatisfy { _ in true })
        #expect(h.events == [.allocationFailed(.timeout)])
    }

    @Test func lostRequestsAreRecoveredByRetransmission() {
        var h = TURNHarness()
        h.dropFromClient = 3
        h.allocate()
        h.run(for: .seconds(10))
        #expect(h.events == [.allocated(relayed: h.server.relayed, mapped: h.server.clientMapped, lifetime: .seconds(600))])
        // Lost at 0, 0.5, 1.5; the 3.5 s copy gets the 401; the signed retry goes at once.
        #expect(h.sent.map { ($0.at - .zero).milliseconds } == [0, 500, 1500, 3500, 3500])
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func heavyLossOverHoursKeepsEverythingAlive(seed: UInt64) throws {
        var h = TURNHarness { $0.nonceLifetime = .seconds(900) }
        h.lossRate = 0.3
        h.rng = SplitMix64(seed: seed)
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.client.bindChannel(to: TURNHarness.peerB, now: h.now)
        h.run(for: .seconds(3 * 3600))
        #expect(h.client.phase == .allocated)
        #expect(!h.server.everExpired)
        #expect(h.server.permissions[TURNHarness.peerA.ip] != nil)
        #expect(h.server.channels[0x4000]?.peer == TURNHarness.peerB)
        #expect(h.events.filter { if case .permissionFailed = $0 { true } else { false } }.isEmpty)
        #expect(h.client.statistics.retransmissions > 20)
        h.lossRate = 0
        let relayed1 = h.peerSends([7], from: TURNHarness.peerB)
        #expect(relayed1)
        #expect(h.events.last == .dataReceived(peer: TURNHarness.peerB, data: [7]))
    }

    @Test func refreshTimeoutIsRetriedWhileTheAllocationLasts() {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        h.run(for: .seconds(479))
        h.serverSilent = true
        h.run(for: .seconds(45))  // the refresh at 480 s times out at 519.5 s and is sent again
        h.serverSilent = false
        h.run(for: .seconds(5))
        #expect(h.takeEvents() == [.refreshed(lifetime: .seconds(600))])
        #expect(h.client.phase == .allocated)
        #expect(!h.server.everExpired)
    }

    @Test func pollTimeoutTracksTheEarliestDeadline() {
        var h = TURNHarness()
        #expect(h.client.pollTimeout() == nil)
        h.allocate()
        #expect(h.client.pollTimeout() == .zero + .seconds(480))
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        #expect(h.client.pollTimeout() == h.now + .milliseconds(500))
        h.pump()
        #expect(h.client.pollTimeout() == h.now + .seconds(180))
    }
}
