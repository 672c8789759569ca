import ICE
import SDP
import STUN
import Testing
import WireKit

/// Single-agent tests: the exact bytes of checks and the answers to good and bad requests.
@Suite struct ICEAgentMessageTests {
    let local = ICECredentials(ufrag: "LOCL", pwd: "localpasswordlocalpassw")
    let remote = ICECredentials(ufrag: "REMO", pwd: "remotepasswordremotepas")
    let host = SocketAddress.v4("192.168.1.10:4000")
    let peer = SocketAddress.v4("192.168.1.20:5000")

    func agent(_ role: ICERole = .controlled, configure: (inout ICEConfiguration) -> Void = { _ in }) -> ICEAgent {
        var configuration = ICEConfiguration()
        configure(&configuration)
        var agent = ICEAgent(role: role, configuration: configuration, credentials: local, rng: SplitMix64(seed: 5))
        agent.startGathering(localAddresses: [host], now: .zero)
        agent.setRemoteCredentials(remote, now: .zero)
        return agent
    }

    func drain(_ agent: inout ICEAgent) -> (transmits: [Transmit], events: [ICEEvent]) {
        var transmits: [Transmit] = []
        var events: [ICEEvent] = []
        while let output = agent.pollOutput() {
            switch output {
            case .transmit(let t): transmits.append(t)
            case .event(let e): events.append(e)
            case .relayTransmit: Issue.record("unexpected relay transmit")
            }
        }
        return (transmits, events)
    }

    /// A request as the peer would send it, signed with `password`.
    func request(
        username: String? = "LOCL:REMO", password: String? = "localpasswordlocalpassw",
        extra: [STUNAttribute] = [.iceControlling(1)], id: UInt64 = 77
    ) throws -> [UInt8] {
        var attributes: [STUNAttribute] = []
        if let username { attributes.append(.username(username)) }
        attributes.append(.priority(1_862_270_975))
        attributes += extra
        let message = STUNMessage(method: .binding, messageClass: .request,
                                  transactionID: TransactionID(high: 1, low: id), attributes: attributes)
        return try message.encode(integrity: password.map { STUNKey.shortTerm(password: $0) }, fingerprint: true)
    }

    @Test func hostCandidateIsSignaledThenEndOfCandidates() {
        var a = agent()
        let events = drain(&a).events
        let expected = ICECandidate(
            kind: .host, address: host, priority: 2_130_706_431,
            foundation: ICECandidate.foundation(kind: .host, baseIP: host.ip))
        #expect(events == [.localCandidate(expected), .endOfLocalCandidates])
    }

    @Test func loopbackAndLinkLocalAreFilteredUnlessConfigured() {
        var a = ICEAgent(role: .controlled, credentials: local, rng: SplitMix64(seed: 1))
        a.startGathering(localAddresses: [.v4("127.0.0.1:1"), .v4("169.254.1.1:2"), SocketAddress("[fe80::1]:3")!,
                                          .v4("0.0.0.0:4"), host], now: .zero)
        #expect(a.localCandidates.map(\.address) == [host])
        var b = ICEAgent(role: .controlled, configuration: {
            var c = ICEConfiguration()
            c.includeLoopback = true
            c.includeIPv6 = false
            return c
        }(), credentials: local, rng: SplitMix64(seed: 1))
        b.startGathering(localAddresses: [.v4("127.0.0.1:1"), SocketAddress("[2001:db8::1]:3")!], now: .zero)
        #expect(b.localCandidates.map(\.address) == [.v4("127.0.0.1:1")])
    }

    @Test func checkCarriesExactlyTheRFC8445Attributes() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:9 1 udp 2130706431 192.168.1.20 5000 typ host"),
                             now: .zero)
        #expect(a.pollTimeout() == .zero)
        a.handleTimeout(now: .zero)
        let out = drain(&a)
        #expect(out.events == [.connectionStateChanged(.checking)])
        let transmit = try #require(out.transmits.first)
        #expect(out.transmits.count == 1)
        #expect(transmit.source == host)
        #expect(transmit.destination == peer)
        let message = try STUNMessage(decoding: transmit.payload)
        #expect(message.method == .binding)
        #expect(message.messageClass == .request)
        #expect(message.attributes.map(\.type)
            == [.username, .priority, .iceControlled, .messageIntegrity, .fingerprint])
        #expect(message.username == "REMO:LOCL")
        #expect(message.priority == 1_862_270_975)  // type 110, local preference 65535, component 1
        #expect(message.iceControlled == a.tieBreaker)
        #expect(STUNMessage.verifyIntegrity(of: transmit.payload, key: .shortTerm(password: remote.pwd)))
        #expect(!STUNMessage.verifyIntegrity(of: transmit.payload, key: .shortTerm(password: local.pwd)))
        #expect(STUNMessage.verifyFingerprint(of: transmit.payload))
        // Paced: the next check (a retransmission here) waits for the RTO, not Ta.
        #expect(a.pollTimeout() == Instant.zero + .milliseconds(500))
        a.handleTimeout(now: Instant.zero + .milliseconds(500))
        let retransmit = try #require(drain(&a).transmits.first)
        #expect(retransmit.payload == transmit.payload)
    }

    @Test func controllingCheckCarriesControllingAndNominationUseCandidate() throws {
        var a = agent(.controlling)
        _ = drain(&a)
        a.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:9 1 udp 2130706431 192.168.1.20 5000 typ host"),
                             now: .zero)
        a.handleTimeout(now: .zero)
        let check = try #require(drain(&a).transmits.first)
        let request = try STUNMessage(decoding: check.payload)
        #expect(request.attributes.map(\.type) == [.username, .priority, .iceControlling, .messageIntegrity, .fingerprint])
        // Answer it as the peer would.
        let response = try request.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        let t1 = Instant.zero + .milliseconds(30)
        a.handleDatagram(response, from: peer, to: host, now: t1)
        #expect(a.pairs.first?.isValid == true)
        // The only pair is valid and none is better: nominate at once with USE-CANDIDATE.
        a.handleTimeout(now: t1)
        let nomination = try #require(drain(&a).transmits.first)
        let nominating = try STUNMessage(decoding: nomination.payload)
        #expect(nominating.attributes.map(\.type)
            == [.username, .priority, .iceControlling, .useCandidate, .messageIntegrity, .fingerprint])
        let accepted = try nominating.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        a.handleDatagram(accepted, from: peer, to: host, now: t1 + .milliseconds(30))
        #expect(a.selectedPair?.remote.address == peer)
        #expect(a.connectionState == .connected)
        #expect(drain(&a).events.contains(.selectedPairChanged(try #require(a.selectedPair))))
    }

    @Test func validCheckGetsAnAuthenticatedSuccessAndATriggeredCheck() throws {
        var a = agent()
        _ = drain(&a)
        a.handleDatagram(try request(), from: peer, to: host, now: .zero)
        let out = drain(&a)
        let reply = try #require(out.transmits.first)
        #expect(out.transmits.count == 1)
        #expect(reply.source == host && reply.destination == peer)
        let response = try STUNMessage(decoding: reply.payload)
        #expect(response.messageClass == .success)
        #expect(response.transactionID == TransactionID(high: 1, low: 77))
        #expect(response.attributes.map(\.type) == [.xorMappedAddress, .messageIntegrity, .fingerprint])
        #expect(response.mappedAddress == peer)
        #expect(STUNMessage.verifyIntegrity(of: reply.payload, key: .shortTerm(password: local.pwd)))
        #expect(STUNMessage.verifyFingerprint(of: reply.payload))
        // The unknown source became a peer-reflexive remote candidate with the request's PRIORITY.
        #expect(a.remoteCandidates.map(\.kind) == [.peerReflexive])
        #expect(a.remoteCandidates.first?.priority == 1_862_270_975)
        #expect(a.pairs.count == 1 && a.pairs.first?.state == .waiting)
        // The triggered check goes out at once.
        a.handleTimeout(now: .zero)
        let check = try #require(drain(&a).transmits.first)
        #expect(check.destination == peer)
        #expect(try STUNMessage(decoding: check.payload).username == "REMO:LOCL")
    }

    @Test func badIntegrityGetsNoSuccessResponse() throws {
        var a = agent()
        _ = drain(&a)
        a.handleDatagram(try request(password: "wrongpasswordwrongpassw"), from: peer, to: host, now: .zero)
        let out = drain(&a)
        let reply = try #require(out.transmits.first)
        let response = try STUNMessage(decoding: reply.payload)
        #expect(response.messageClass == .error)
        #expect(response.errorCode?.code == 401)
        #expect(response.messageIntegrity == nil)
        #expect(a.remoteCandidates.isEmpty && a.pairs.isEmpty)
        #expect(a.droppedDatagrams == 1)
        a.handleTimeout(now: .zero)
        #expect(drain(&a).transmits.isEmpty)
    }

    @Test func wrongUsernameGets401AndMissingUsernameGets400() throws {
        var a = agent()
        _ = drain(&a)
        a.handleDatagram(try request(username: "XXXX:REMO"), from: peer, to: host, now: .zero)
        let unauthenticated = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        #expect(unauthenticated.errorCode?.code == 401)
        a.handleDatagram(try request(username: nil), from: peer, to: host, now: .zero)
        let bad = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        #expect(bad.errorCode?.code == 400)
        a.handleDatagram(try request(password: nil), from: peer, to: host, now: .zero)
        #expect(try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload).errorCode?.code == 400)
        #expect(a.pairs.isEmpty)
    }

    @Test func unknownComprehensionRequiredAttributeGets420() throws {
        var a = agent()
        _ = drain(&a)
        let unknown = STUNAttributeType(0x7F01)
        let raw = try request(extra: [.iceControlling(1), .unknown(type: unknown, value: [1, 2, 3, 4]),
                                      .unknown(type: STUNAttributeType(0xC001), value: [9])])
        a.handleDatagram(raw, from: peer, to: host, now: .zero)
        let reply = try #require(drain(&a).transmits.first)
        let response = try STUNMessage(decoding: reply.payload)
        #expect(response.messageClass == .error)
        #expect(response.errorCode?.code == 420)
        #expect(response.unknownAttributes == [unknown])  // the optional 0xC001 is not listed
        #expect(STUNMessage.verifyIntegrity(of: reply.payload, key: .shortTerm(password: local.pwd)))
        #expect(a.pairs.isEmpty)
    }

    @Test func corruptedFingerprintIsDroppedSilently() throws {
        var a = agent()
        _ = drain(&a)
        var raw = try request()
        raw[raw.count - 1] ^= 0xFF
        a.handleDatagram(raw, from: peer, to: host, now: .zero)
        #expect(drain(&a).transmits.isEmpty)
        a.handleDatagram([0, 1, 0, 0, 1, 2, 3], from: peer, to: host, now: .zero)
        #expect(a.droppedDatagrams == 2)
    }

    @Test func roleConflictAsControlling() throws {
        // Our tie-breaker is larger: we keep the role and answer 487.
        var a = agent(.controlling)
        _ = drain(&a)
        a.handleDatagram(try request(extra: [.iceControlling(a.tieBreaker &- 1)]), from: peer, to: host, now: .zero)
        let reply = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        #expect(reply.errorCode?.code == 487)
        #expect(a.role == .controlling)
        // A larger tie-breaker: we switch to controlled and answer with success.
        var b = agent(.controlling)
        _ = drain(&b)
        b.handleDatagram(try request(extra: [.iceControlling(b.tieBreaker &+ 1)]), from: peer, to: host, now: .zero)
        let out = drain(&b)
        #expect(try STUNMessage(decoding: try #require(out.transmits.first).payload).messageClass == .success)
        #expect(b.role == .controlled)
        #expect(out.events.contains(.roleChanged(.controlled)))
    }

    @Test func roleConflictAsControlled() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.handleDatagram(try request(extra: [.iceControlled(a.tieBreaker &+ 1)]), from: peer, to: host, now: .zero)
        #expect(try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload).errorCode?.code == 487)
        #expect(a.role == .controlled)
        var b = agent(.controlled)
        _ = drain(&b)
        b.handleDatagram(try request(extra: [.iceControlled(b.tieBreaker &- 1)]), from: peer, to: host, now: .zero)
        #expect(b.role == .controlling)
    }

    @Test func receivedRoleConflictSwitchesRoleAndRetries() throws {
        var a = agent(.controlling)
        _ = drain(&a)
        a.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:9 1 udp 2130706431 192.168.1.20 5000 typ host"),
                             now: .zero)
        a.handleTimeout(now: .zero)
        let check = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        let conflict = try check.errorResponse(.roleConflict)
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        let t = Instant.zero + .milliseconds(20)
        a.handleDatagram(conflict, from: peer, to: host, now: t)
        #expect(a.role == .controlled)
        a.handleTimeout(now: t + .milliseconds(50))
        let retry = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        #expect(retry.iceControlled == a.tieBreaker)
        #expect(retry.transactionID != check.transactionID)
    }

    @Test func useCandidateFromControllingSelectsThePairOnceItsCheckSucceeds() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.handleDatagram(try request(extra: [.iceControlling(1), .useCandidate]), from: peer, to: host, now: .zero)
        #expect(a.selectedPair == nil)
        a.handleTimeout(now: .zero)
        let check = try STUNMessage(decoding: try #require(drain(&a).transmits.last).payload)
        let response = try check.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        a.handleDatagram(response, from: peer, to: host, now: Instant.zero + .milliseconds(10))
        #expect(a.selectedPair?.remote.address == peer)
        #expect(a.pairs.first?.isNominated == true)
    }

    @Test func responseWithWrongIntegrityIsIgnored() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:9 1 udp 2130706431 192.168.1.20 5000 typ host"),
                             now: .zero)
        a.handleTimeout(now: .zero)
        let check = try STUNMessage(decoding: try #require(drain(&a).transmits.first).payload)
        let forged = try check.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: "notthepasswordnotthepas"), fingerprint: true)
        a.handleDatagram(forged, from: peer, to: host, now: .zero)
        #expect(a.pairs.first?.state == .inProgress)
        #expect(a.pairs.first?.isValid == false)
        // The genuine response still completes the transaction.
        let genuine = try check.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        a.handleDatagram(genuine, from: peer, to: host, now: .zero)
        #expect(a.pairs.first?.state == .succeeded)
    }

    @Test func mDNSAndStaleCandidatesAreIgnoredWithAReason() throws {
        var a = agent()
        _ = drain(&a)
        let mdns = try CandidateAttribute(parsing: "candidate:1 1 udp 2122260223 abc.local 54400 typ host")
        a.addRemoteCandidate(mdns, now: .zero)
        let stale = try CandidateAttribute(parsing: "candidate:1 1 udp 2122260223 192.168.1.20 5000 typ host ufrag OLD1")
        a.addRemoteCandidate(stale, now: .zero)
        #expect(drain(&a).events == [
            .remoteCandidateIgnored(mdns.description, .mDNSName("abc.local")),
            .remoteCandidateIgnored(stale.description, .staleGeneration("OLD1")),
        ])
        #expect(a.remoteCandidates.isEmpty)
    }

    @Test func pairsAreOrderedByPriorityAndFrozenByFoundation() throws {
        var a = ICEAgent(role: .controlling, credentials: local, rng: SplitMix64(seed: 3))
        let second = SocketAddress.v4("192.168.2.10:4000")
        a.startGathering(localAddresses: [host, second], now: .zero)
        a.setRemoteCredentials(remote, now: .zero)
        for text in ["candidate:7 1 udp 1694498815 203.0.113.9 6000 typ srflx raddr 10.0.0.9 rport 6000",
                     "candidate:8 1 udp 2130706431 192.168.1.20 5000 typ host",
                     "candidate:8 1 udp 2130706175 192.168.1.21 5000 typ host"] {
            a.addRemoteCandidate(try CandidateAttribute(parsing: text), now: .zero)
        }
        #expect(a.pairs.count == 6)
        let priorities = a.pairs.map(\.priority)
        #expect(priorities == priorities.sorted(by: >))
        let top = try #require(a.pairs.first)
        #expect(a.localCandidates[top.localIndex].address == host)
        #expect(a.remoteCandidates[top.remoteIndex].address == peer)
        #expect(top.priority == CandidatePair.priority(controlling: 2_130_706_431, controlled: 2_130_706_431))
        // One Waiting pair per foundation, the rest Frozen (RFC 8445 §6.1.2.6).
        let waiting = a.pairs.filter { $0.state == .waiting }
        #expect(Set(waiting.map(\.foundation)).count == waiting.count)
        #expect(waiting.count == 4)
        #expect(a.pairs.filter { $0.state == .frozen }.count == 2)
        // Ta = 50 ms between new checks (RFC 8445 §14.2), best pair first, then the next Waiting.
        let order = a.pairs.filter { $0.state == .waiting }.map { a.remoteCandidates[$0.remoteIndex].address }
        var firstChecks: [(Int64, SocketAddress)] = []
        var now = Instant.zero
        while now < Instant.zero + .milliseconds(400) {
            a.handleTimeout(now: now)
            while let output = a.pollOutput() {
                if case .transmit(let t) = output, let m = try? STUNMessage(decoding: t.payload), m.messageClass == .request,
                    !firstChecks.contains(where: { $0.1 == t.destination && $0.0 == (now - .zero).milliseconds })
                {
                    firstChecks.append(((now - .zero).milliseconds, t.destination))
                }
            }
            guard let next = a.pollTimeout() else { break }
            now = next
        }
        let paced = firstChecks.filter { $0.0 % 50 == 0 && $0.0 < 300 }
        #expect(paced.map(\.0) == [0, 50, 100, 150, 200, 250])
        #expect(Array(paced.prefix(4).map(\.1)) == order)
    }

    @Test func serverReflexiveGatheringRetransmitsAndTimesOut() throws {
        var a = ICEAgent(role: .controlled, configuration: {
            var c = ICEConfiguration()
            c.stunServers = [.v4("192.0.2.1:3478")]
            return c
        }(), credentials: local, rng: SplitMix64(seed: 4))
        a.startGathering(localAddresses: [host], now: .zero)
        var sendTimes: [Int64] = []
        var events: [ICEEvent] = []
        var now = Instant.zero
        var requests: [[UInt8]] = []
        while true {
            while let output = a.pollOutput() {
                switch output {
                case .transmit(let t):
                    sendTimes.append((now - .zero).milliseconds)
                    requests.append(t.payload)
                    #expect(t.destination == .v4("192.0.2.1:3478") && t.source == host)
                case .event(let e): events.append(e)
                case .relayTransmit: break
                }
            }
            guard let next = a.pollTimeout() else { break }
            now = next
            a.handleTimeout(now: now)
        }
        // RFC 8489: 0, 0.5, 1.5, 3.5, 7.5 s… until the 10 s gathering timeout ends it.
        #expect(sendTimes == [0, 500, 1500, 3500, 7500])
        #expect(Set(requests).count == 1)
        let request = try STUNMessage(decoding: try #require(requests.first))
        #expect(request.method == .binding && request.messageClass == .request)
        #expect(request.messageIntegrity == nil)
        #expect(events.last == .endOfLocalCandidates)
        #expect((now - .zero).milliseconds == 10_000)
    }

    @Test func serverReflexiveCandidateFromTheResponse() throws {
        var a = ICEAgent(role: .controlled, configuration: {
            var c = ICEConfiguration()
            c.stunServers = [.v4("192.0.2.1:3478")]
            return c
        }(), credentials: local, rng: SplitMix64(seed: 4))
        a.startGathering(localAddresses: [host], now: .zero)
        var transmit: Transmit?
        var events: [ICEEvent] = []
        while let output = a.pollOutput() {
            if case .transmit(let t) = output { transmit = t }
            if case .event(let e) = output { events.append(e) }
        }
        let request = try STUNMessage(decoding: try #require(transmit).payload)
        let mapped = SocketAddress.v4("203.0.113.5:40000")
        let response = try request.successResponse(attributes: [.xorMappedAddress(mapped)]).encode(fingerprint: true)
        a.handleDatagram(response, from: .v4("192.0.2.1:3478"), to: host, now: Instant.zero + .milliseconds(40))
        while let output = a.pollOutput() { if case .event(let e) = output { events.append(e) } }
        let srflx = try #require(a.localCandidates.last)
        #expect(srflx.kind == .serverReflexive)
        #expect(srflx.address == mapped && srflx.base == host && srflx.relatedAddress == host)
        #expect(srflx.priority == 1_694_498_815)
        #expect(events.suffix(2) == [.localCandidate(srflx), .endOfLocalCandidates])
        #expect(a.pollTimeout() == nil)
    }

    @Test func controlledAgentFailsWhenTheValidPairIsNeverNominated() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.handleDatagram(try request(), from: peer, to: host, now: .zero)
        a.handleTimeout(now: .zero)
        let check = try STUNMessage(decoding: try #require(drain(&a).transmits.last).payload)
        let response = try check.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        let validAt = Instant.zero + .milliseconds(20)
        a.handleDatagram(response, from: peer, to: host, now: validAt)
        #expect(a.pairs.first?.isValid == true)
        #expect(a.selectedPair == nil)
        // The peer goes on checking without USE-CANDIDATE; nothing is selected.
        var now = validAt
        while let next = a.pollTimeout(), a.connectionState != .failed {
            now = next
            a.handleTimeout(now: now)
        }
        #expect(now == validAt + .seconds(12))
        #expect(a.failureReason == .nominationTimeout)
        #expect(drain(&a).events.last == .connectionStateChanged(.failed))
    }

    /// Seen against a CPU-starved aiortc: the peer's USE-CANDIDATE arrived after our nomination
    /// timeout. The agent stays failed and selects nothing (recovery is an ICE restart).
    @Test func lateNominationAfterFailureSelectsNothing() throws {
        var a = agent(.controlled)
        _ = drain(&a)
        a.handleDatagram(try request(), from: peer, to: host, now: .zero)
        a.handleTimeout(now: .zero)
        let check = try STUNMessage(decoding: try #require(drain(&a).transmits.last).payload)
        let response = try check.successResponse(attributes: [.xorMappedAddress(host)])
            .encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true)
        a.handleDatagram(response, from: peer, to: host, now: Instant.zero + .milliseconds(20))
        var now = Instant.zero
        while let next = a.pollTimeout(), a.connectionState != .failed {
            now = next
            a.handleTimeout(now: now)
        }
        #expect(a.connectionState == .failed)
        _ = drain(&a)
        a.handleDatagram(try request(extra: [.iceControlling(1), .useCandidate]), from: peer, to: host, now: now)
        a.handleTimeout(now: now)
        let after = drain(&a)
        #expect(a.selectedPair == nil)
        #expect(!after.events.contains { if case .selectedPairChanged = $0 { true } else { false } })
        #expect(a.connectionState == .failed)
    }

    @Test func closeStopsEverything() throws {
        var a = agent()
        a.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:9 1 udp 2130706431 192.168.1.20 5000 typ host"),
                             now: .zero)
        _ = drain(&a)
        a.close()
        #expect(drain(&a).events == [.connectionStateChanged(.closed)])
        #expect(a.pollTimeout() == nil)
        a.handleDatagram(try request(), from: peer, to: host, now: .zero)
        #expect(drain(&a).transmits.isEmpty)
    }
}
