import STUN
import Testing
import TURN
import WireKit

@Suite struct TURNClientFlowTests {
    @Test func allocateAnswersTheChallengeWithLongTermCredentials() throws {
        var h = TURNHarness()
        h.allocate()
        #expect(h.takeEvents() == [
            .allocated(relayed: h.server.relayed, mapped: h.server.clientMapped, lifetime: .seconds(600)),
        ])
        #expect(h.client.phase == .allocated)
        #expect(h.client.relayedAddress == h.server.relayed)
        #expect(h.client.mappedAddress == h.server.clientMapped)
        #expect(h.sent.count == 2)

        // The first Allocate carries REQUESTED-TRANSPORT UDP and nothing else (RFC 8656 §7.1).
        let first = try STUNMessage(decoding: h.sent[0].payload)
        #expect(first.method == .allocate && first.messageClass == .request)
        #expect(first.attributes == [.requestedTransport(17)])
        #expect(h.sent[0].payload.count == 28)

        // The retry is a new transaction, signed with the long-term key.
        let second = try STUNMessage(decoding: h.sent[1].payload)
        #expect(second.transactionID != first.transactionID)
        #expect(second.attributes.map(\.type) == [
            .requestedTransport, .username, .realm, .nonce, .messageIntegrity,
        ])
        #expect(second.username == h.server.username)
        #expect(second.realm == "kvsmaster.test")
        #expect(second.nonce == "nonce-0")
        #expect(STUNMessage.verifyIntegrity(of: h.sent[1].payload, key: h.server.key))
        #expect(h.server.challenges == 1)
        #expect(h.client.allocationExpiry == .zero + .seconds(600))
    }

    @Test func dontFragmentIsRequestedWhenConfigured() throws {
        var configuration = TURNClientConfiguration(
            server: SocketAddress("192.0.2.10:3478")!, localAddress: SocketAddress("192.168.1.20:5000")!,
            credentials: TURNCredentials(username: "u", password: "p"))
        configuration.dontFragment = true
        var client = TURNClient(configuration: configuration, random: SplitMix64(seed: 1))
        client.start(now: .zero)
        let transmit1 = client.pollTransmit()
        let transmit = try #require(transmit1)
        #expect(transmit.destination == configuration.server)
        #expect(transmit.source == configuration.localAddress)
        #expect(transmit.transport == .udp)
        #expect(try STUNMessage(decoding: transmit.payload).attributes == [.requestedTransport(17), .dontFragment])
        let transmit2 = client.pollTransmit()
        #expect(transmit2 == nil)
    }

    @Test func sendIndicationsBeforeTheChannelAndChannelDataAfter() throws {
        var h = TURNHarness()
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [.allocated(relayed: h.server.relayed, mapped: h.server.clientMapped, lifetime: .seconds(600)), .permissionCreated(TURNHarness.peerA.ip)])
        #expect(h.client.hasPermission(for: TURNHarness.peerA.ip))

        try h.client.send([1, 2, 3], to: TURNHarness.peerA, now: h.now)
        h.pump()
        let indication = try STUNMessage(decoding: try #require(h.sent.last).payload)
        #expect(indication.method == .send && indication.messageClass == .indication)
        #expect(indication.attributes == [.xorPeerAddress(TURNHarness.peerA), .data([1, 2, 3])])

        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [.channelBound(peer: TURNHarness.peerA, channel: 0x4000)])
        #expect(h.client.boundChannel(for: TURNHarness.peerA) == 0x4000)

        try h.client.send([1, 2, 3], to: TURNHarness.peerA, now: h.now)
        h.pump()
        #expect(h.sent.last?.payload == [0x40, 0x00, 0x00, 0x03, 1, 2, 3])
        #expect(h.server.deliveredToPeers.map(\.data) == [[1, 2, 3], [1, 2, 3]])
        #expect(h.server.deliveredToPeers.map(\.viaChannel) == [false, true])
        #expect(h.server.deliveredToPeers.allSatisfy { $0.peer == TURNHarness.peerA })
    }

    @Test func sendWithoutPermissionRequestsOne() throws {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        try h.client.send([9], to: TURNHarness.peerB, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [.permissionCreated(TURNHarness.peerB.ip)])
        #expect(h.server.requestCounts[.createPermission] == 1)
        // The CreatePermission goes out before the indication, so an in-order path delivers it.
        let request = try STUNMessage(decoding: h.sent[h.sent.count - 2].payload)
        #expect(request.method == .createPermission)
        #expect(try STUNMessage(decoding: h.sent[h.sent.count - 1].payload).method == .send)
        #expect(h.server.droppedRelays == 0)
        try h.client.send([9], to: TURNHarness.peerB, now: h.now)
        h.pump()
        #expect(h.server.deliveredToPeers.map(\.data) == [[9], [9]])
        #expect(h.server.requestCounts[.createPermission] == 1)
    }

    @Test func sendBeforeAllocationIsRefused() {
        var h = TURNHarness()
        #expect(throws: TURNSendError.noAllocation) { try h.client.send([1], to: TURNHarness.peerA, now: h.now) }
        h.allocate()
        #expect(throws: TURNSendError.dataTooLong(70000)) {
            try h.client.send([UInt8](repeating: 0, count: 70000), to: TURNHarness.peerA, now: h.now)
        }
    }

    @Test func dataIndicationsAndChannelDataComeInAsData() throws {
        var h = TURNHarness()
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.run(for: .seconds(1))
        _ = h.takeEvents()
        let relayed3 = h.peerSends([5, 6, 7], from: TURNHarness.peerA)
        #expect(relayed3)
        #expect(h.takeEvents() == [.dataReceived(peer: TURNHarness.peerA, data: [5, 6, 7])])
        // Without a permission the server drops what the peer sends.
        let relayed4 = h.peerSends([1], from: TURNHarness.peerB)
        #expect(!relayed4)

        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.run(for: .seconds(1))
        _ = h.takeEvents()
        let relayed5 = h.peerSends([8, 9], from: TURNHarness.peerA)
        #expect(relayed5)
        #expect(h.takeEvents() == [.dataReceived(peer: TURNHarness.peerA, data: [8, 9])])
        #expect(h.client.statistics == TURNClientStatistics())
    }

    @Test func channelBindingAloneInstallsAndRenewsThePermission() throws {
        var h = TURNHarness()
        h.client.bindChannel(to: TURNHarness.peerB, now: h.now)
        h.allocate()
        let events = h.takeEvents()
        #expect(events.count == 3)
        #expect(events.contains(.channelBound(peer: TURNHarness.peerB, channel: 0x4000)))
        #expect(events.contains(.permissionCreated(TURNHarness.peerB.ip)))
        h.run(for: .seconds(3600))
        // 180 s after each CreatePermission or ChannelBind (which renews the permission too).
        #expect(h.server.requestCounts[.createPermission] == 15)
        #expect(h.server.requestCounts[.channelBind] == 8)  // the first, then every 480 s
        let relayed6 = h.peerSends([1], from: TURNHarness.peerB)
        #expect(relayed6)
        #expect(h.takeEvents().last == .dataReceived(peer: TURNHarness.peerB, data: [1]))
    }

    @Test func forbiddenPeerFailsAloneAndTheAllocationLivesOn() throws {
        var h = TURNHarness { $0.forbiddenPeers = [TURNHarness.privatePeer.ip] }
        h.allocate()
        _ = h.takeEvents()
        h.client.createPermission(for: TURNHarness.privatePeer.ip, now: h.now)
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.client.bindChannel(to: TURNHarness.privatePeer, now: h.now)
        h.run(for: .seconds(1))
        let events = h.takeEvents()
        #expect(events.count == 3)
        #expect(events.contains(.permissionFailed(TURNHarness.privatePeer.ip, .forbidden)))
        #expect(events.contains(.channelBindFailed(peer: TURNHarness.privatePeer, .forbidden)))
        #expect(events.contains(.permissionCreated(TURNHarness.peerA.ip)))
        #expect(h.client.phase == .allocated)
        #expect(!h.client.hasPermission(for: TURNHarness.privatePeer.ip))
        #expect(h.client.boundChannel(for: TURNHarness.privatePeer) == nil)
        try h.client.send([4], to: TURNHarness.peerA, now: h.now)
        h.pump()
        #expect(h.server.deliveredToPeers.map(\.data) == [[4]])
    }

    @Test func staleNonceIsRetriedWithTheNewNonce() throws {
        var h = TURNHarness { $0.nonceLifetime = .seconds(100) }
        h.allocate()
        _ = h.takeEvents()
        h.run(for: .seconds(150))
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [.permissionCreated(TURNHarness.peerA.ip)])
        #expect(h.server.staleNonces == 1)
        let retry = try STUNMessage(decoding: try #require(h.sent.last).payload)
        #expect(retry.nonce == "nonce-1")
        #expect(retry.method == .createPermission)
    }

    @Test func lifetimesAndRenewalsHoldForHours() throws {
        var h = TURNHarness { $0.nonceLifetime = .seconds(600) }
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.client.bindChannel(to: TURNHarness.peerB, now: h.now)
        h.run(for: .seconds(6 * 3600))
        #expect(h.client.phase == .allocated)
        #expect(!h.server.everExpired)
        #expect(h.server.allocationActive(at: h.now))
        // Refresh at 80% of 600 s: 45 refreshes in 6 h, some retried after 438.
        #expect(h.server.requestCounts[.refresh] == 45 + h.server.staleRefreshes)
        let refreshes = h.events.filter { if case .refreshed = $0 { true } else { false } }
        #expect(refreshes.count == 45)
        #expect(refreshes.allSatisfy { $0 == .refreshed(lifetime: .seconds(600)) })
        #expect(h.server.staleNonces > 30)
        #expect(h.events.filter { if case .permissionFailed = $0 { true } else { false } }.isEmpty)
        let relayed7 = h.peerSends([1], from: TURNHarness.peerA)
        #expect(relayed7)
        let relayed8 = h.peerSends([2], from: TURNHarness.peerB)
        #expect(relayed8)
        #expect(h.events.suffix(2) == [
            .dataReceived(peer: TURNHarness.peerA, data: [1]), .dataReceived(peer: TURNHarness.peerB, data: [2]),
        ])
        try h.client.send([3], to: TURNHarness.peerB, now: h.now)
        h.pump()
        #expect(h.server.deliveredToPeers.last?.viaChannel == true)
    }

    @Test func serverCappedLifetimeIsRefreshedSooner() {
        var h = TURNHarness { $0.maxLifetime = 100 }
        h.allocate()
        #expect(h.takeEvents() == [.allocated(relayed: h.server.relayed, mapped: h.server.clientMapped, lifetime: .seconds(100))])
        #expect(h.client.pollTimeout() == .zero + .seconds(80))
        h.run(for: .seconds(1000))
        #expect(h.server.requestCounts[.refresh] == 12)
        #expect(!h.server.everExpired)
    }

    @Test func closeDeallocatesWithLifetimeZero() throws {
        var h = TURNHarness()
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.run(for: .seconds(1))
        _ = h.takeEvents()
        h.client.close(now: h.now)
        h.pump()
        #expect(h.takeEvents() == [.deallocated])
        #expect(h.client.phase == .closed)
        let refresh = try STUNMessage(decoding: try #require(h.sent.last).payload)
        #expect(refresh.method == .refresh)
        #expect(refresh.lifetime == 0)
        #expect(!h.server.allocationActive(at: h.now))
        #expect(h.client.pollTimeout() == nil)
        #expect(throws: TURNSendError.noAllocation) { try h.client.send([1], to: TURNHarness.peerA, now: h.now) }
    }

    @Test func closeBeforeAllocatingJustCloses() {
        var h = TURNHarness()
        h.client.close(now: h.now)
        h.pump()
        #expect(h.takeEvents() == [.deallocated])
        #expect(h.sent.isEmpty)
    }

    @Test func closeWithoutAnAnswerStillEnds() {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        h.serverSilent = true
        h.client.close(now: h.now)
        h.run(for: .seconds(60))
        #expect(h.takeEvents() == [.deallocated])
        #expect(h.client.phase == .closed)
    }
}
