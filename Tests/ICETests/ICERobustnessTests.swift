import ICE
import SDP
import STUN
import Testing
import WireKit

/// Mutated and random datagrams thrown at an agent: nothing traps, and no success response
/// ever answers a request that does not carry a valid MESSAGE-INTEGRITY for the local password.
@Suite struct ICERobustnessTests {
    let local = ICECredentials(ufrag: "LOCL", pwd: "localpasswordlocalpassw")
    let remote = ICECredentials(ufrag: "REMO", pwd: "remotepasswordremotepas")
    let host = SocketAddress.v4("192.168.1.10:4000")
    let peer = SocketAddress.v4("192.168.1.20:5000")

    func seeds(checkID: TransactionID) throws -> [[UInt8]] {
        let localKey = STUNKey.shortTerm(password: local.pwd)
        let request = STUNMessage(method: .binding, messageClass: .request, transactionID: TransactionID(high: 1, low: 2),
                                  attributes: [.username("LOCL:REMO"), .priority(1_862_270_975), .iceControlling(7),
                                               .useCandidate])
        let conflicting = STUNMessage(method: .binding, messageClass: .request, transactionID: TransactionID(high: 3, low: 4),
                                      attributes: [.username("LOCL:REMO"), .priority(5), .iceControlled(9)])
        let response = STUNMessage(method: .binding, messageClass: .success, transactionID: checkID,
                                   attributes: [.xorMappedAddress(host)])
        let error = STUNMessage(method: .binding, messageClass: .error, transactionID: checkID,
                                attributes: [.errorCode(.roleConflict)])
        return [
            try request.encode(integrity: localKey, fingerprint: true),
            try conflicting.encode(integrity: localKey, fingerprint: true),
            try request.encode(),
            try response.encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true),
            try error.encode(integrity: .shortTerm(password: remote.pwd), fingerprint: true),
        ]
    }

    func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            switch rng.next() % 5 {
            case 0 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
            case 1 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where !bytes.isEmpty: bytes.removeLast(Int(rng.next() % UInt64(min(bytes.count, 8))) + 1)
            case 3: bytes.insert(contentsOf: rng.bytes(Int(rng.next() % 8)), at: Int(rng.next() % UInt64(bytes.count + 1)))
            default:
                // Keep the header consistent with the new length so mutations reach the attributes.
                if bytes.count >= 20 { bytes.writeU16(UInt16(truncatingIfNeeded: (bytes.count - 20) & ~3), at: 2) }
            }
        }
        return bytes
    }

    @Test func mutatedDatagramsNeverEarnAnUnauthenticatedSuccess() throws {
        var rng = SplitMix64(seed: 2024)
        var agent = ICEAgent(role: .controlled, credentials: local, rng: SplitMix64(seed: 1))
        agent.startGathering(localAddresses: [host], now: .zero)
        agent.setRemoteCredentials(remote, now: .zero)
        agent.addRemoteCandidate(try CandidateAttribute(parsing: "candidate:1 1 udp 2130706431 192.168.1.20 5000 typ host"),
                                 now: .zero)
        agent.handleTimeout(now: .zero)
        var checkID = TransactionID(high: 0, low: 0)
        while let output = agent.pollOutput() {
            if case .transmit(let t) = output, let m = try? STUNMessage(decoding: t.payload) { checkID = m.transactionID }
        }
        let corpus = try seeds(checkID: checkID)
        let localKey = STUNKey.shortTerm(password: local.pwd)
        var answered = 0
        var successes = 0
        var now = Instant.zero
        for i in 0..<100_000 {
            let input = i % 10 == 0 ? rng.bytes(Int(rng.next() % 120)) : mutate(corpus[i % corpus.count], &rng)
            now += .milliseconds(1)
            agent.handleDatagram(input, from: peer, to: host, now: now)
            if let deadline = agent.pollTimeout(), deadline <= now { agent.handleTimeout(now: now) }
            while let output = agent.pollOutput() {
                guard case .transmit(let t) = output, let reply = try? STUNMessage(decoding: t.payload),
                    reply.messageClass != .request
                else { continue }
                answered += 1
                if reply.messageClass == .success {
                    successes += 1
                    #expect(STUNMessage.verifyIntegrity(of: input, key: localKey), "success for \(Hex.encode(input))")
                }
            }
        }
        // Mutations reach the authentication and attribute checks, not only the header check.
        #expect(answered > 5_000)
        #expect(successes > 100)
    }
}
