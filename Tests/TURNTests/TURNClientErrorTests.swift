import STUN
import Testing
import TURN
import WireKit

@Suite struct TURNClientErrorTests {
    static let allocateErrors: [(Int, TURNFailure)] = [
        (300, .tryAlternate(SocketAddress("192.0.2.99:3478")!)),
        (400, .errorResponse(.badRequest)),
        (403, .forbidden),
        (420, .errorResponse(.unknownAttribute)),
        (437, .allocationMismatch),
        (440, .addressFamilyNotSupported),
        (441, .wrongCredentials),
        (442, .unsupportedTransportProtocol),
        (443, .peerAddressFamilyMismatch),
        (486, .allocationQuotaReached),
        (500, .errorResponse(.serverError)),
        (508, .insufficientCapacity),
    ]

    @Test(arguments: allocateErrors)
    func allocateErrorsAreTypedFailures(code: Int, expected: TURNFailure) {
        var h = TURNHarness {
            $0.allocateError = STUNErrorCode(code: code)
            if code == 300 { $0.alternateServer = SocketAddress("192.0.2.99:3478")! }
        }
        h.allocate()
        #expect(h.takeEvents() == [.allocationFailed(expected)])
        #expect(h.client.phase == .failed(expected))
        #expect(h.client.pollTimeout() == nil)
        #expect(h.sent.count == 2)
    }

    @Test func failureDescriptionsNameTheCode() {
        #expect("\(TURNFailure.allocationQuotaReached)" == "486 Allocation Quota Reached")
        #expect("\(TURNFailure(STUNErrorCode(code: 508)))" == "508 Insufficient Capacity")
        #expect("\(TURNFailure(STUNErrorCode(code: 599, reason: "Odd")))" == "599 Odd")
        #expect(TURNFailure(STUNErrorCode(code: 403, reason: "Forbidden IP")) == .forbidden)
    }

    @Test func wrongPasswordFailsAfterOneSignedAttempt() {
        var h = TURNHarness()
        h.client = TURNClient(
            configuration: TURNClientConfiguration(
                server: h.server.address, localAddress: SocketAddress("192.168.1.20:50123")!,
                credentials: TURNCredentials(username: h.server.username, password: "wrong")),
            random: SplitMix64(seed: 3))
        h.allocate()
        #expect(h.takeEvents() == [.allocationFailed(.unauthenticated)])
        #expect(h.sent.count == 2)
        #expect(h.server.challenges == 2)
    }

    @Test func challengeWithoutNonceFails() throws {
        var h = TURNHarness()
        h.client.start(now: h.now)
        let transmit1 = h.client.pollTransmit()
        let request = try STUNMessage(decoding: try #require(transmit1).payload)
        let reply = try request.errorResponse(.unauthenticated, attributes: [.realm("r")]).encode()
        h.client.handleReceived(reply, now: h.now)
        let event2 = h.client.pollEvent()
        #expect(event2 == .allocationFailed(.unauthenticated))
    }

    @Test func endlessStaleNoncesGiveUp() throws {
        var h = TURNHarness()
        h.client.start(now: h.now)
        var rounds = 0
        while let transmit = h.client.pollTransmit() {
            rounds += 1
            let request = try STUNMessage(decoding: transmit.payload)
            let reply = try request.errorResponse(
                .staleNonce, attributes: [.realm("r"), .nonce("n\(rounds)")]).encode()
            h.client.handleReceived(reply, now: h.now)
        }
        #expect(rounds == 4)
        let event3 = h.client.pollEvent()
        #expect(event3 == .allocationFailed(.errorResponse(.staleNonce)))
    }

    @Test func refreshAllocationMismatchLosesTheAllocation() {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        h.server.allocationExpiry = nil
        h.run(for: .seconds(600))
        #expect(h.takeEvents() == [.allocationFailed(.allocationMismatch)])
        #expect(h.client.phase == .failed(.allocationMismatch))
        #expect(h.client.relayedAddress == nil)
    }

    @Test func permissionErrorsDropOnlyThatPeer() {
        var h = TURNHarness { $0.failMethod = (.createPermission, .insufficientCapacity) }
        h.allocate()
        _ = h.takeEvents()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [.permissionFailed(TURNHarness.peerA.ip, .insufficientCapacity)])
        #expect(h.client.phase == .allocated)
    }

    @Test func failedChannelFallsBackToSendIndications() throws {
        var h = TURNHarness { $0.failMethod = (.channelBind, .badRequest) }
        h.allocate()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.events.last == .channelBindFailed(peer: TURNHarness.peerA, .errorResponse(.badRequest)))
        try h.client.send([1], to: TURNHarness.peerA, now: h.now)
        h.pump()
        #expect(try STUNMessage(decoding: try #require(h.sent.last).payload).method == .send)
        #expect(h.server.deliveredToPeers.map(\.data) == [[1]])
    }

    @Test func forgedResponsesAreIgnoredAndCounted() throws {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        let transmit4 = h.client.pollTransmit()
        let request = try STUNMessage(decoding: try #require(transmit4).payload)
        // A success signed with another key, then one with no integrity at all.
        let forged = try request.successResponse().encode(integrity: STUNKey(bytes: [1, 2, 3]))
        h.client.handleReceived(forged, now: h.now)
        h.client.handleReceived(try request.successResponse().encode(), now: h.now)
        // An error response to a signed request must be signed too.
        h.client.handleReceived(try request.errorResponse(.forbidden).encode(), now: h.now)
        #expect(h.client.statistics.integrityFailures == 3)
        let event5 = h.client.pollEvent()
        #expect(event5 == nil)
        #expect(!h.client.hasPermission(for: TURNHarness.peerA.ip))
        let genuine = try request.successResponse().encode(integrity: h.server.key)
        h.client.handleReceived(genuine, now: h.now)
        let event6 = h.client.pollEvent()
        #expect(event6 == .permissionCreated(TURNHarness.peerA.ip))
        // The same response again matches nothing.
        h.client.handleReceived(genuine, now: h.now)
        #expect(h.client.statistics.unmatchedResponses == 1)
    }

    @Test func requestsAfterFailureReportNoAllocation() {
        var h = TURNHarness { $0.allocateError = .allocationQuotaReached }
        h.allocate()
        _ = h.takeEvents()
        h.client.createPermission(for: TURNHarness.peerA.ip, now: h.now)
        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.pump()
        #expect(h.takeEvents() == [
            .permissionFailed(TURNHarness.peerA.ip, .noAllocation),
            .channelBindFailed(peer: TURNHarness.peerA, .noAllocation),
        ])
        let transmit7 = h.client.pollTransmit()
        #expect(transmit7 == nil)
    }

    @Test func secretsStayOutOfDescriptions() {
        let credentials = TURNCredentials(username: "1700000000:cam", password: "s3cr3tPassw0rd")
        #expect("\(credentials)" == "TURNCredentials(username: 1700000000:cam, password: <14 bytes>)")
        let configuration = TURNClientConfiguration(
            server: SocketAddress("192.0.2.10:3478")!, transport: .tcp,
            localAddress: SocketAddress("192.168.1.20:5000")!, credentials: credentials)
        #expect(!"\(configuration)".contains("s3cr3t"))
        #expect("\(configuration)".contains("tcp 192.0.2.10:3478"))
    }
}
