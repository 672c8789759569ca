import ICE
import Testing
import WireKit

/// The per-pair counters behind W3C `RTCIceCandidatePairStats`, on two agents over the
/// simulated network (20 ms each way, no jitter or loss, virtual clock): every round trip is
/// exactly 40 ms.
@Suite struct CandidatePairCountersTests {
    static func selectedCounters(_ agent: ICEAgent) throws -> CandidatePairCounters {
        let selected = try #require(agent.selectedPair)
        let pair = try #require(agent.pairs.first { pair in
            agent.localCandidates[pair.localIndex] == selected.local && agent.remoteCandidates[pair.remoteIndex] == selected.remote
        })
        return pair.counters
    }

    /// Every request answered, every answer 40 ms after its request.
    static func counters(sent: Int, received: Int, consent: Int) -> CandidatePairCounters {
        var counters = CandidatePairCounters()
        counters.requestsSent = sent
        counters.consentRequestsSent = consent
        counters.responsesReceived = sent
        counters.requestsReceived = received
        counters.responsesSent = received
        counters.totalRoundTripTime = .milliseconds(40) * sent
        counters.currentRoundTripTime = .milliseconds(40)
        return counters
    }

    @Test func checksAndConsentAreCountedWithTheirRoundTrips() throws {
        var net = SimulatedNetwork(
            .init(name: "answerer", agent: SimulatedNetwork.agent(.controlled, seed: 1), hostAddresses: [SocketAddress.v4("198.51.100.1:4000")]),
            .init(name: "offerer", agent: SimulatedNetwork.agent(.controlling, seed: 2), hostAddresses: [SocketAddress.v4("198.51.100.2:5000")]))
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let atSelection = try (0..<2).map { try Self.selectedCounters(net.peers[$0].agent) }
        // Seeded agents: the answerer's one check, the offerer's check and its nominating repeat.
        #expect(atSelection[0] == Self.counters(sent: 1, received: 2, consent: 0))
        #expect(atSelection[1] == Self.counters(sent: 2, received: 1, consent: 0))
        for (i, counters) in atSelection.enumerated() {
            print("peer \(i) at selection: \(counters)")
            #expect(counters.currentRoundTripTime == .milliseconds(40))
            #expect(counters.totalRoundTripTime == .milliseconds(40) * counters.responsesReceived)
            #expect(counters.responsesReceived >= 1 && counters.requestsSent >= counters.responsesReceived)
            #expect(counters.requestsReceived >= 1 && counters.responsesSent == counters.requestsReceived)
            #expect(counters.consentRequestsSent == 0)
        }

        // 31 s more: consent checks every 5 s ± 20 % (RFC 7675 §5.1), each answered in 40 ms.
        net.run(for: .seconds(31))
        for i in 0..<2 {
            let counters = try Self.selectedCounters(net.peers[i].agent)
            let consent = counters.consentRequestsSent
            print("peer \(i) after 31 s: \(counters)")
            #expect(consent == 6)
            #expect(counters.requestsSent == atSelection[i].requestsSent + consent)
            #expect(counters.responsesReceived == atSelection[i].responsesReceived + consent)
            #expect(counters.totalRoundTripTime == .milliseconds(40) * counters.responsesReceived)
            #expect(counters.currentRoundTripTime == .milliseconds(40))
            // The peer's consent checks arrive as requests on this pair.
            let peerConsent = try Self.selectedCounters(net.peers[1 - i].agent).consentRequestsSent
            #expect(counters.requestsReceived == atSelection[i].requestsReceived + peerConsent)
            #expect(counters.responsesSent == counters.requestsReceived)
        }
    }
}
