import Foundation
import Security
import Testing
import WireKit

/// Retransmission needs real time to pass: OpenSSL 3.0 reads `gettimeofday` inside
/// `DTLSv1_handle_timeout` and has no clock hook, so these tests drive the endpoints with the
/// monotonic clock and wait for deadlines the way the event loop's epoll_wait does. Timeouts are
/// short (40 ms), so each test takes well under a second.
@Suite struct DTLSRetransmissionTests {
    enum Loss: CaseIterable {
        case clientHello
        case serverFirstFlight
        case clientFinishedFlight
        case serverFinishedFlight
    }

    /// True for the first datagram of the flight `loss` names (identified by its first record).
    static func matches(_ loss: Loss, fromClient: Bool, _ datagram: [UInt8]) -> Bool {
        guard let first = DTLSRecordFraming.records(in: datagram)?.first else { return false }
        let handshakeType = datagram.count > 13 ? datagram[13] : 0
        switch loss {
        case .clientHello: return fromClient && first.contentType == 22 && handshakeType == 1
        case .serverFirstFlight: return !fromClient && first.contentType == 22 && handshakeType == 2
        case .clientFinishedFlight: return fromClient && first.contentType == 22 && handshakeType == 11  // Certificate
        case .serverFinishedFlight: return !fromClient && first.contentType == 20  // ChangeCipherSpec
        }
    }

    @Test(arguments: Loss.allCases)
    func handshakeCompletesAfterLostFlight(_ loss: Loss) throws {
        let pair = try DTLSPair(initialRetransmissionTimeout: .milliseconds(40))
        let start = monotonicNow()
        pair.server.start(now: start)
        pair.client.start(now: start)
        var dropped = 0
        var clientConnection: DTLSConnection?
        var serverConnection: DTLSConnection?
        while clientConnection == nil || serverConnection == nil {
            let now = monotonicNow()
            #expect(now - start < .seconds(5), "handshake did not recover from \(loss)")
            if now - start >= .seconds(5) { return }
            pair.client.handleTimeout(now: now)
            pair.server.handleTimeout(now: now)
            var moving = true
            while moving {
                moving = false
                for (sender, receiver) in [(pair.client, pair.server), (pair.server, pair.client)] {
                    while let datagram = sender.pollTransmit() {
                        moving = true
                        if dropped == 0 && Self.matches(loss, fromClient: sender.isClient, datagram) {
                            dropped += 1
                            continue
                        }
                        receiver.handle(datagram: datagram, now: now)
                    }
                }
            }
            for event in drainEvents(pair.client) { if case .connected(let c) = event { clientConnection = c } }
            for event in drainEvents(pair.server) { if case .connected(let c) = event { serverConnection = c } }
            if clientConnection == nil || serverConnection == nil {
                let deadlines = [pair.client.pollTimeout(), pair.server.pollTimeout()].compactMap { $0 }
                let next = try #require(deadlines.min(), "no timer armed while waiting after \(loss)")
                waitForDeadline(next)
            }
        }
        #expect(dropped == 1)
        let retransmissions = pair.client.statistics.retransmissions + pair.server.statistics.retransmissions
        switch loss {
        case .clientHello, .clientFinishedFlight:
            #expect(pair.client.statistics.retransmissions >= 1)
        case .serverFirstFlight:
            #expect(retransmissions >= 1)
        case .serverFinishedFlight:
            // The client's timer resends its last flight; the server answers that repeat with
            // its own final flight again (RFC 6347 §4.2.4).
            #expect(pair.client.statistics.retransmissions >= 1)
        }
        let client = try #require(clientConnection)
        let server = try #require(serverConnection)
        #expect(client.keyingMaterial.localKey == server.keyingMaterial.remoteKey)
        #expect(client.keyingMaterial.remoteSalt == server.keyingMaterial.localSalt)
    }

    @Test func pollTimeoutFollowsOpenSSLTimer() throws {
        let pair = try DTLSPair(initialRetransmissionTimeout: .milliseconds(400))
        let start = monotonicNow()
        pair.client.start(now: start)
        #expect(pair.client.pollTransmit() != nil)
        let deadline = try #require(pair.client.pollTimeout())
        #expect(deadline <= start + .milliseconds(400))
        #expect(deadline > start + .milliseconds(300))
        // Not yet expired: nothing is resent.
        pair.client.handleTimeout(now: start + .milliseconds(1))
        #expect(pair.client.pollTransmit() == nil)
        #expect(pair.client.statistics.retransmissions == 0)
    }
}
