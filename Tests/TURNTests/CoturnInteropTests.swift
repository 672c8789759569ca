import Foundation
import STUN
import Testing
import TURN
import WireKit

/// The client against the real coturn on loopback, over UDP and TCP. (TLS needs the test
/// target to reach OpenSSL's TLS API, which the manifest does not give it yet.)
@Suite struct CoturnInteropTests {
    static func isData(_ event: TURNEvent) -> Bool { if case .dataReceived = event { true } else { false } }

    @Test(arguments: [TransportProtocol.udp, .tcp])
    func allocateRelayBindRefreshAndDeallocate(transport: TransportProtocol) throws {
        let coturn = try CoturnProcess()
        defer { coturn.stop() }
        try coturn.waitUntilReady()

        let socket = transport == .udp ? try LoopbackSocket(udpOn: "127.0.0.1") : try LoopbackSocket(tcpTo: coturn.server)
        let configuration = TURNClientConfiguration(
            server: coturn.server, transport: transport, localAddress: socket.localAddress,
            credentials: try coturn.credentials(user: "camera"))
        var session = CoturnSession(
            client: TURNClient(configuration: configuration, random: SystemRandomNumberGenerator()), socket: socket)

        // Allocate: 401 challenge, then the signed request.
        session.client.start(now: session.now)
        let allocated = try session.drive { if case .allocated = $0 { true } else { false } }
        guard case .allocated(let relayed, let mapped, let lifetime)? = allocated else {
            Issue.record("no allocation: \(session.events)\n\(coturn.log)")
            return
        }
        #expect(relayed.ip == IPAddress("127.0.0.1"))
        #expect(relayed.port != coturn.port)
        #expect(mapped == socket.localAddress)
        #expect(lifetime == .seconds(600))
        #expect(session.sent.count == 2)

        // The peer on another loopback address than the relay's.
        let peer = try LoopbackSocket(udpOn: "127.0.0.2")
        let peerAddress = peer.localAddress
        session.client.createPermission(for: peerAddress.ip, now: session.now)
        #expect(try session.drive { if case .permissionCreated = $0 { true } else { false } } == .permissionCreated(peerAddress.ip))

        // Send indication out, Data indication in.
        try session.client.send(Array("to the peer".utf8), to: peerAddress, now: session.now)
        try session.flush()
        #expect(try STUNMessage(decoding: try #require(session.sent.last)).method == .send)
        let first = try #require(try peer.receive(timeout: .seconds(2)))
        #expect(first.bytes == Array("to the peer".utf8))
        #expect(first.from == relayed)
        try peer.send(Array("to the client".utf8), to: relayed)
        #expect(try session.drive(until: Self.isData) == .dataReceived(peer: peerAddress, data: Array("to the client".utf8)))

        // Channel: ChannelData both ways.
        session.client.bindChannel(to: peerAddress, now: session.now)
        #expect(try session.drive { if case .channelBound = $0 { true } else { false } } == .channelBound(peer: peerAddress, channel: 0x4000))
        try session.client.send([1, 2, 3, 4, 5], to: peerAddress, now: session.now)
        try session.flush()
        let channelMessage = try #require(session.sent.last)
        #expect(channelMessage == (transport == .udp ? [0x40, 0, 0, 5, 1, 2, 3, 4, 5] : [0x40, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]))
        let second = try #require(try peer.receive(timeout: .seconds(2)))
        #expect(second.bytes == [1, 2, 3, 4, 5])
        #expect(second.from == relayed)
        try peer.send([9, 8, 7], to: relayed)
        #expect(try session.drive(until: Self.isData) == .dataReceived(peer: peerAddress, data: [9, 8, 7]))

        // Eight minutes later by the client's clock: Refresh, CreatePermission and ChannelBind
        // renewals all go out and succeed.
        let sentBefore = session.sent.count
        session.clockOffset = .seconds(481)
        let renewedAt = session.now
        session.client.handleTimeout(now: renewedAt)
        #expect(try session.drive { if case .refreshed = $0 { true } else { false } } == .refreshed(lifetime: .seconds(600)))
        let renewals = try session.sent[sentBefore...].map { try STUNMessage(decoding: $0).method }
        #expect(Set(renewals) == [.refresh, .createPermission, .channelBind])
        try peer.send([6, 6], to: relayed)
        #expect(try session.drive(until: Self.isData) == .dataReceived(peer: peerAddress, data: [6, 6]))
        // The next renewal is about three minutes after these (measured from when they were sent,
        // not from now: a loaded machine may take seconds to get here).
        #expect(session.client.pollTimeout().map { $0 > renewedAt + .seconds(170) } == true)

        // Deallocate with LIFETIME 0.
        session.client.close(now: session.now)
        #expect(try session.drive { $0 == .deallocated } == .deallocated)
        #expect(session.client.phase == .closed)
        let failures = session.events.filter {
            switch $0 {
            case .allocationFailed, .permissionFailed, .channelBindFailed: true
            default: false
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func deniedPeerGets403AndTheAllocationLivesOn() throws {
        let coturn = try CoturnProcess(deniedPeers: ["127.0.0.4"])
        defer { coturn.stop() }
        try coturn.waitUntilReady()
        let socket = try LoopbackSocket(udpOn: "127.0.0.1")
        let configuration = TURNClientConfiguration(
            server: coturn.server, localAddress: socket.localAddress, credentials: try coturn.credentials(user: "camera"))
        var session = CoturnSession(
            client: TURNClient(configuration: configuration, random: SystemRandomNumberGenerator()), socket: socket)
        session.client.start(now: session.now)
        _ = try session.drive { if case .allocated = $0 { true } else { false } }
        #expect(session.client.phase == .allocated)

        let forbidden = try #require(IPAddress("127.0.0.4"))
        let allowed = try #require(IPAddress("127.0.0.3"))
        session.client.createPermission(for: forbidden, now: session.now)
        session.client.createPermission(for: allowed, now: session.now)
        var outcomes: [TURNEvent] = []
        for _ in 0..<2 {
            if let event = try session.drive(until: {
                switch $0 {
                case .permissionCreated, .permissionFailed: true
                default: false
                }
            }) { outcomes.append(event) }
        }
        #expect(outcomes.contains(.permissionFailed(forbidden, .forbidden)), "\(outcomes)")
        #expect(outcomes.contains(.permissionCreated(allowed)), "\(outcomes)")
        #expect(session.client.phase == .allocated)
    }

    @Test func wrongSecretIsRejected() throws {
        let coturn = try CoturnProcess()
        defer { coturn.stop() }
        try coturn.waitUntilReady()
        let socket = try LoopbackSocket(udpOn: "127.0.0.1")
        var credentials = try coturn.credentials(user: "camera")
        credentials.password = "bm90IHRoZSBwYXNzd29yZA=="
        let configuration = TURNClientConfiguration(
            server: coturn.server, localAddress: socket.localAddress, credentials: credentials)
        var session = CoturnSession(
            client: TURNClient(configuration: configuration, random: SystemRandomNumberGenerator()), socket: socket)
        session.client.start(now: session.now)
        let outcome = try session.drive { if case .allocationFailed = $0 { true } else { false } }
        #expect(outcome == .allocationFailed(.unauthenticated))
    }
}
