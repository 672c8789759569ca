import ICE
import SDP
import STUN
import Testing
import WireKit

/// Two agents over ``SimulatedNetwork``: index 0 is the answerer (controlled, as kvsmaster
/// runs), index 1 the controlling offerer, unless a test says otherwise.
@Suite struct ICESimulationTests {
    let answerHost = SocketAddress.v4("198.51.100.1:4000")
    let offerHost = SocketAddress.v4("198.51.100.2:5000")

    func network(
        answerer: ICERole = .controlled, offerer: ICERole = .controlling,
        configure: (inout ICEConfiguration) -> Void = { _ in }
    ) -> SimulatedNetwork {
        SimulatedNetwork(
            .init(name: "answerer", agent: SimulatedNetwork.agent(answerer, seed: 1, configure: configure),
                  hostAddresses: [answerHost]),
            .init(name: "offerer", agent: SimulatedNetwork.agent(offerer, seed: 2, configure: configure),
                  hostAddresses: [offerHost]))
    }

    @Test func hostToHostConnectsAndCompletes() {
        var net = network()
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        for i in 0..<2 {
            #expect(net.states(i) == [.checking, .connected, .completed])
            #expect(net.selections(i).count == 1)
        }
        let answer = net.peers[0].agent.selectedPair
        #expect(answer?.local.address == answerHost)
        #expect(answer?.remote.address == offerHost)
        #expect(net.peers[1].agent.selectedPair?.local.address == offerHost)
        // Trickle over a 100 ms signaling channel and 20 ms links: connected well within a second.
        #expect(net.firstTime(0, of: .connected).map { $0 < Instant.zero + .seconds(1) } == true)
        #expect(net.peers[0].agent.role == .controlled)
        #expect(net.peers[1].agent.role == .controlling)
    }

    @Test func fullCandidateExchangeConnects() {
        var net = network()
        net.trickle = false
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        #expect(net.peers[0].agent.selectedPair?.remote.address == offerHost)
        #expect(net.peers[0].agent.remoteCandidates.map(\.kind) == [.host])
    }

    @Test func ourAgentAsControllingAgainstControlled() {
        var net = network(answerer: .controlling, offerer: .controlled)
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        #expect(net.peers[0].agent.selectedPair?.remote.address == offerHost)
        #expect(net.peers[1].agent.selectedPair?.remote.address == answerHost)
    }

    @Test func lossDelayAndReorderingStillConnect() {
        for seed in UInt64(1)...8 {
            var net = network()
            net.rng = SplitMix64(seed: seed)
            net.lossRate = 0.3
            net.delay = .milliseconds(40)
            net.jitter = .milliseconds(120)
            net.start()
            #expect(net.run(for: .seconds(12)) { $0.bothConnected() }, "seed \(seed)")
            #expect(net.peers[0].agent.selectedPair?.remote.address == offerHost)
        }
    }

    @Test func offererBehindNATConnectsThroughPeerReflexiveCandidate() {
        var net = network()
        net.peers[1].hostAddresses = [.v4("10.0.0.2:5000")]
        net.peers[1].nat = .init(externalIP: IPAddress("203.0.113.5")!)
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothConnected() })
        let selected = net.peers[0].agent.selectedPair
        #expect(selected?.remote.kind == .peerReflexive)
        #expect(selected?.remote.address == .v4("203.0.113.5:40000"))
        // The offerer learned its mapped address as a local peer-reflexive candidate.
        #expect(net.peers[1].agent.localCandidates.contains {
            $0.kind == .peerReflexive && $0.address == .v4("203.0.113.5:40000") && $0.base == .v4("10.0.0.2:5000")
        })
        // The signaled private host address never answered.
        let hostPair = net.peers[0].agent.pairs.first {
            net.peers[0].agent.remoteCandidates[$0.remoteIndex].address == .v4("10.0.0.2:5000")
        }
        #expect(hostPair?.isValid == false)
    }

    @Test func offererBehindNATWithSTUNUsesServerReflexiveCandidate() {
        var net = network { $0.stunServers = [.v4("192.0.2.1:3478")] }
        net.stunServer = .v4("192.0.2.1:3478")
        net.peers[1].hostAddresses = [.v4("10.0.0.2:5000")]
        net.peers[1].nat = .init(externalIP: IPAddress("203.0.113.5")!)
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let srflx = net.peers[1].events.compactMap { e -> ICECandidate? in
            if case .localCandidate(let c) = e.event, c.kind == .serverReflexive { c } else { nil }
        }
        #expect(srflx.map(\.address) == [.v4("203.0.113.5:40000")])
        #expect(srflx.first?.relatedAddress == .v4("10.0.0.2:5000"))
        // RFC 8445 §6.1.2.4: the server-reflexive candidate is checked through its host base.
        let offerer = net.peers[1].agent
        #expect(!offerer.pairs.isEmpty)
        #expect(offerer.pairs.allSatisfy { offerer.localCandidates[$0.localIndex].kind == .host })
        // The answerer's public host has no NAT: its reflexive address equals the host and is dropped.
        #expect(!net.peers[0].agent.localCandidates.contains { $0.kind == .serverReflexive })
        let selected = net.peers[0].agent.selectedPair
        #expect(selected?.remote.address == .v4("203.0.113.5:40000"))
        #expect(selected?.remote.kind == .serverReflexive)
    }

    @Test func unreachableHostPathIsSkipped() {
        var net = network()
        let lan = SocketAddress.v4("198.51.100.9:4001")
        net.peers[0].hostAddresses = [lan, answerHost]  // the LAN address is the preferred one
        net.blocked = [[lan, offerHost]]
        net.start()
        #expect(net.run(for: .seconds(12)) { $0.bothCompleted() })
        #expect(net.peers[0].agent.selectedPair?.local.address == answerHost)
        #expect(net.peers[1].agent.selectedPair?.remote.address == answerHost)
        let agent = net.peers[0].agent
        let lanPair = agent.pairs.first { agent.localCandidates[$0.localIndex].address == lan }
        #expect(lanPair.map { $0.state == .failed || $0.state == .inProgress } == true)
        #expect(lanPair?.isValid == false)
    }

    @Test func bothControllingResolveTheRoleConflict() {
        var net = network(answerer: .controlling, offerer: .controlling)
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let roles = net.peers.map(\.agent.role)
        #expect(Set(roles) == [.controlling, .controlled])
        // The larger tie-breaker keeps controlling (RFC 8445 §7.3.1.1).
        let winner = net.peers[0].agent.tieBreaker >= net.peers[1].agent.tieBreaker ? 0 : 1
        #expect(net.peers[winner].agent.role == .controlling)
        #expect(net.peers[1 - winner].events.contains { $0.event == .roleChanged(.controlled) })
        #expect(net.peers[0].agent.selectedPair?.remote.address == offerHost)
    }

    @Test func bothControlledResolveTheRoleConflict() {
        var net = network(answerer: .controlled, offerer: .controlled)
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        #expect(Set(net.peers.map(\.agent.role)) == [.controlling, .controlled])
        let winner = net.peers[0].agent.tieBreaker >= net.peers[1].agent.tieBreaker ? 0 : 1
        #expect(net.peers[winner].agent.role == .controlling)
    }

    @Test func iceRestartKeepsTheSelectedPairUntilANewOneIsSelected() throws {
        var net = network()
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let before = net.peers.map(\.agent.localCredentials)
        let eventsBefore = net.peers.map(\.events.count)
        // The offerer restarts; its new credentials reach the answerer, which restarts too.
        net.peers[1].agent.restart(now: net.now)
        net.peers[0].agent.restart(now: net.now)
        let selectedBefore = net.peers.map(\.agent.selectedPair)
        #expect(net.peers.allSatisfy { $0.agent.pairs.isEmpty && $0.agent.selectedPair != nil })
        #expect(net.run(for: .seconds(5)) { net in
            net.peers.allSatisfy { $0.agent.pairs.contains(where: \.isNominated) } && net.bothCompleted()
        })
        for i in 0..<2 {
            #expect(net.peers[i].agent.localCredentials != before[i])
            // The same path won again: no selection change to report.
            #expect(net.peers[i].agent.selectedPair == selectedBefore[i])
            #expect(net.selections(i).count == 1)
            let after = net.peers[i].events[eventsBefore[i]...].map(\.event)
            #expect(after.filter { if case .connectionStateChanged = $0 { true } else { false } }
                == [.connectionStateChanged(.connected), .connectionStateChanged(.completed)])
            // Never back to checking, never without a pair.
            #expect(!after.contains(.connectionStateChanged(.checking)))
            #expect(!after.contains(.connectionStateChanged(.failed)))
            #expect(net.peers[i].agent.remoteCredentials == net.peers[1 - i].agent.localCredentials)
        }
        #expect(net.peers[0].agent.selectedPair?.remote.address == offerHost)
    }

    @Test func iceRestartMovesToANewPathAfterTheOldOneBreaks() throws {
        var net = network()
        let wifi = SocketAddress.v4("198.51.100.7:4002")
        net.peers[0].hostAddresses = [answerHost, wifi]
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let old = try #require(net.peers[0].agent.selectedPair)
        #expect(old.local.address == answerHost)
        net.blocked = [[answerHost, offerHost]]
        net.peers[1].agent.restart(now: net.now)
        net.peers[0].agent.restart(now: net.now)
        var sawOldPairDuringRestart = false
        #expect(net.run(for: .seconds(12)) { net in
            if net.peers[0].agent.selectedPair == old, !net.peers[0].agent.pairs.isEmpty { sawOldPairDuringRestart = true }
            return net.selections(0).count == 2 && net.selections(1).count == 2
        })
        #expect(sawOldPairDuringRestart)
        #expect(net.peers[0].agent.selectedPair?.local.address == wifi)
        #expect(net.peers[1].agent.selectedPair?.remote.address == wifi)
        #expect(!net.states(0).contains(.failed))
    }

    @Test func consentLossDisconnectsThenFails() throws {
        var net = network()
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        // Let consent run a while: still completed, checks every 4–6 s answered.
        net.run(for: .seconds(40))
        #expect(net.peers[0].agent.connectionState == .completed)
        let selectedAt = try #require(net.firstTime(0, of: .connected))
        let consentTimes = net.peers[0].sentTimes.filter { $0.transmit.destination == offerHost }.compactMap { sent in
            let message = try? STUNMessage(decoding: sent.transmit.payload)
            return message?.messageClass == .request && sent.time > selectedAt ? sent.time : nil
        }
        #expect(consentTimes.count >= 6)
        // RFC 7675 §5.1: every 4–6 s, randomized.
        let gaps = zip(consentTimes.dropFirst(), consentTimes).map { ($0 - $1).milliseconds }
        #expect(gaps.allSatisfy { (4000...6000).contains($0) })
        #expect(Set(gaps).count > 1)
        let cutAt = net.now
        net.isCut = true
        // Media still arriving does not keep consent alive (only STUN responses count).
        for _ in 0..<20 {
            net.run(for: .seconds(2))
            net.peers[0].agent.dataReceived(from: offerHost, to: answerHost, now: net.now)
        }
        #expect(net.peers[0].agent.lastDataReceived.map { $0 > cutAt } == true)
        #expect(net.peers.allSatisfy { $0.agent.connectionState == .failed })
        for i in 0..<2 {
            let disconnected = try #require(net.peers[i].events.last { $0.event == .connectionStateChanged(.disconnected) })
            let failed = try #require(net.firstTime(i, of: .failed))
            #expect(disconnected.time > cutAt && disconnected.time <= cutAt + .seconds(16))
            #expect(failed > cutAt + .seconds(24) && failed <= cutAt + .seconds(30))
            #expect(net.peers[i].agent.failureReason == .consentLost)
            #expect(net.peers[i].agent.selectedPair == nil)
        }
        // After consent is lost nothing more is sent.
        let sentAtFailure = net.peers[0].sent.count
        net.run(for: .seconds(20))
        #expect(net.peers[0].sent.count == sentAtFailure)
    }

    @Test func briefOutageRecoversFromDisconnected() {
        var net = network()
        net.start()
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        net.isCut = true
        #expect(net.run(for: .seconds(20)) { $0.peers[0].agent.connectionState == .disconnected })
        net.isCut = false
        #expect(net.run(for: .seconds(10)) { $0.peers[0].agent.connectionState == .completed })
        #expect(net.peers[0].agent.failureReason == nil)
    }

    @Test func relayPolicyUsesOnlyTheRelay() {
        var net = network { $0.policy = .relay }
        let relayID = RelayID(7)
        let relayed = SocketAddress.v4("192.0.2.100:49152")
        net.peers[0].relays = [relayID: relayed]
        net.peers[1].agent = SimulatedNetwork.agent(.controlling, seed: 2)
        net.start(pendingRelays: [[relayID], []])
        // Without the allocation, the answerer has gathered nothing.
        net.run(for: .milliseconds(300))
        #expect(net.peers[0].agent.localCandidates.isEmpty)
        net.peers[0].agent.addRelayCandidate(
            .init(relay: relayID, relayedAddress: relayed, mappedAddress: .v4("198.51.100.1:4000"),
                  serverIP: IPAddress("192.0.2.100")),
            now: net.now)
        #expect(net.run(for: .seconds(5)) { $0.bothCompleted() })
        let agent = net.peers[0].agent
        #expect(agent.localCandidates.map(\.kind) == [.relayed])
        #expect(agent.selectedPair?.local.kind == .relayed)
        #expect(agent.selectedPair?.local.relay == relayID)
        #expect(net.peers[1].agent.selectedPair?.remote.address == relayed)
        #expect(net.peers[0].sent.isEmpty)
        #expect(!net.peers[0].relaySent.isEmpty)
        #expect(agent.pairs.allSatisfy { agent.localCandidates[$0.localIndex].kind == .relayed })
        let signaled = net.peers[0].events.compactMap { e -> ICECandidate? in
            if case .localCandidate(let c) = e.event { c } else { nil }
        }
        #expect(signaled.map(\.kind) == [.relayed])
    }

    @Test func unreachablePeerFailsOnceEveryPairFailed() throws {
        var net = network()
        net.isCut = true
        net.start()
        #expect(net.run(for: .seconds(20)) { $0.peers[0].agent.connectionState == .failed })
        // Candidates arrive at 100 ms; the check is sent 7 times (0, 0.5, 1.5, 3.1, 4.7, 6.3,
        // 7.9 s) and given up 1.5 s after the last.
        #expect(net.firstTime(0, of: .failed) == Instant.zero + .milliseconds(100) + .milliseconds(9400))
        #expect(net.peers[0].agent.failureReason == .allPairsFailed)
        #expect(net.states(0) == [.checking, .failed])
    }

    @Test func withoutEndOfCandidatesTheConnectivityCheckTimeoutFails() throws {
        var net = network()
        net.isCut = true
        net.forwardEndOfCandidates = false
        net.start()
        #expect(net.run(for: .seconds(20)) { $0.peers[0].agent.connectionState == .failed })
        #expect(net.firstTime(0, of: .failed) == Instant.zero + .milliseconds(100) + .seconds(12))
        #expect(net.peers[0].agent.failureReason == .connectivityCheckTimeout)
    }
}
