import STUN
import Testing
import TURN
import WireKit

/// Garbage and mutated server messages must be dropped and counted, never trap, and never
/// disturb a live allocation.
@Suite struct TURNClientRobustnessTests {
    /// Valid messages a server sends to an allocated client, to mutate.
    static func seeds(_ h: TURNHarness, id: TransactionID) throws -> [[UInt8]] {
        let request = STUNMessage.createPermissionRequest(transactionID: id, peers: [TURNHarness.peerA])
        return [
            try TURNDataIndication(peer: TURNHarness.peerA, data: [1, 2, 3, 4, 5]).message(transactionID: id).encode(),
            try ChannelData(channelNumber: 0x4000, data: [9, 8, 7]).encode(),
            try request.successResponse().encode(integrity: h.server.key),
            try request.errorResponse(.staleNonce, attributes: [.realm("r"), .nonce("n")]).encode(),
            try request.errorResponse(.forbidden).encode(integrity: h.server.key),
            try STUNMessage.refreshRequest(transactionID: id, lifetime: 600).successResponse(attributes: [.lifetime(600)])
                .encode(integrity: h.server.key, fingerprint: true),
        ]
    }

    static func mutate(_ seed: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(Int(rng.next() % 4) + 1) {
            switch rng.next() % 5 {
            case 0 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
            case 1 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where !bytes.isEmpty: bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
            case 3: bytes.append(contentsOf: rng.bytes(Int(rng.next() % 8)))
            default:
                // Keep the header's length field consistent so the attribute walk is reached.
                if bytes.count >= 20 { bytes.writeU16(UInt16(truncatingIfNeeded: bytes.count - 20), at: 2) }
            }
        }
        return bytes
    }

    @Test(arguments: [TransportProtocol.udp, .tcp])
    func hundredThousandBadInputsAreDroppedAndCounted(transport: TransportProtocol) throws {
        var h = TURNHarness(transport: transport)
        h.allocate()
        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.run(for: .seconds(1))
        _ = h.takeEvents()
        var rng = SplitMix64(seed: transport == .udp ? 1 : 2)
        let seeds = try Self.seeds(h, id: TransactionID(high: 5, low: 6))
        var delivered = 0
        let count = transport == .udp ? 100_000 : 20_000
        for k in 0..<count {
            let input = k % 4 == 0 ? rng.bytes(Int(rng.next() % 120)) : Self.mutate(seeds[k % seeds.count], rng: &rng)
            if transport == .udp {
                h.client.handleReceived(input, now: h.now)
            } else {
                // Each input on a fresh stream client; a bad first byte fails only that one.
                var client = h.client
                client.handleReceived(input, now: h.now)
                while client.pollEvent() != nil {}
                continue
            }
            while let event = h.client.pollEvent() {
                if case .dataReceived = event { delivered += 1 } else {
                    Issue.record("unexpected event \(event)")
                }
            }
        }
        #expect(h.client.phase == .allocated)
        #expect(h.client.boundChannel(for: TURNHarness.peerA) == 0x4000)
        if transport == .udp {
            let s = h.client.statistics
            #expect(s.malformed > 20_000)
            #expect(s.unmatchedResponses > 1_000)
            #expect(delivered > 1_000)
            #expect(s.unknownChannel > 100)
        }
        // Still fully working afterwards.
        let relayed1 = h.peerSends([42], from: TURNHarness.peerA)
        #expect(relayed1)
        #expect(h.takeEvents() == [.dataReceived(peer: TURNHarness.peerA, data: [42])])
    }

    @Test func truncatedAndEmptyDatagramsAreCounted() throws {
        var h = TURNHarness()
        h.allocate()
        _ = h.takeEvents()
        h.client.handleReceived([], now: h.now)
        h.client.handleReceived([0x40, 0x00, 0x00, 0x09, 1], now: h.now)
        h.client.handleReceived([0x00, 0x01, 0x00], now: h.now)
        h.client.handleReceived(try ChannelData(channelNumber: 0x4123, data: [1]).encode(), now: h.now)
        let request = STUNMessage(method: .binding, messageClass: .request, transactionID: TransactionID(high: 1, low: 1))
        h.client.handleReceived(try request.encode(), now: h.now)
        let dataWithoutPeer = STUNMessage(
            method: .data, messageClass: .indication, transactionID: TransactionID(high: 1, low: 1),
            attributes: [.data([1])])
        h.client.handleReceived(try dataWithoutPeer.encode(), now: h.now)
        var expected = TURNClientStatistics()
        expected.malformed = 4
        expected.unknownChannel = 1
        expected.unexpectedMessages = 1
        #expect(h.client.statistics == expected)
        let event2 = h.client.pollEvent()
        #expect(event2 == nil)
    }
}
