import STUN
import Testing
import TURN
import WireKit

@Suite struct TURNStreamFramerTests {
    /// A STUN message, a padded ChannelData with 3 bytes, an empty ChannelData, a STUN message.
    static func sampleMessages() throws -> [[UInt8]] {
        let id = TransactionID(high: 1, low: 2)
        let a = try STUNMessage.allocateRequest(transactionID: id).encode()
        let b = try ChannelData(channelNumber: 0x4001, data: [1, 2, 3]).encode(padded: true)
        let c = try ChannelData(channelNumber: 0x4FFF, data: []).encode(padded: true)
        let d = try STUNMessage.sendIndication(transactionID: id, peer: SocketAddress("10.1.2.3:4")!, data: [9]).encode()
        return [a, b, c, d]
    }

    static func frames(_ stream: [UInt8], cuts: [Int]) throws -> [[UInt8]] {
        var framer = TURNStreamFramer()
        var out: [[UInt8]] = []
        var start = 0
        for end in cuts + [stream.count] {
            framer.append(stream[start..<end])
            while let message = try framer.nextMessage() { out.append(message) }
            start = end
        }
        #expect(framer.bufferedCount == 0)
        return out
    }

    @Test func everySingleAndDoubleSplitGivesTheSameMessages() throws {
        let messages = try Self.sampleMessages()
        let stream = messages.flatMap { $0 }
        #expect(stream.count == 28 + 8 + 4 + 40)
        #expect(messages[1] == [0x40, 0x01, 0x00, 0x03, 1, 2, 3, 0])
        var checked = 0
        for i in 0...stream.count {
            for j in i...stream.count {
                #expect(try Self.frames(stream, cuts: [i, j]) == messages)
                checked += 1
            }
        }
        #expect(checked == 3321)
        #expect(try Self.frames(stream, cuts: Array(1..<stream.count)) == messages)
    }

    @Test func randomChunkingsOfALongStream() throws {
        var rng = SplitMix64(seed: 11)
        var messages: [[UInt8]] = []
        for k in 0..<200 {
            let data = rng.bytes(Int(rng.next() % 300))
            if k % 2 == 0 {
                messages.append(try ChannelData(channelNumber: 0x4000 + UInt16(k), data: data).encode(padded: true))
            } else {
                let id = TransactionID.random(using: &rng)
                messages.append(
                    try TURNDataIndication(peer: SocketAddress("198.51.100.1:9")!, data: data).message(transactionID: id)
                        .encode())
            }
        }
        let stream = messages.flatMap { $0 }
        for _ in 0..<50 {
            var cuts: [Int] = []
            var position = 0
            while true {
                position += Int(rng.next() % 700) + 1
                guard position < stream.count else { break }
                cuts.append(position)
            }
            #expect(try Self.frames(stream, cuts: cuts) == messages)
        }
    }

    @Test func aBadFirstByteStopsTheFramerForGood() throws {
        var framer = TURNStreamFramer()
        framer.append([0x80, 0, 0, 0, 1, 2])
        #expect(throws: TURNStreamFramer.FramingError.invalidFirstByte(0x80)) { try framer.nextMessage() }
        framer.append(try ChannelData(channelNumber: 0x4000, data: [1]).encode(padded: true))
        #expect(throws: TURNStreamFramer.FramingError.invalidFirstByte(0x80)) { try framer.nextMessage() }
        #expect(framer.bufferedCount == 0)
    }

    @Test func partialHeaderWaits() throws {
        var framer = TURNStreamFramer()
        framer.append([0x40, 0x00, 0x00])
        #expect(try framer.nextMessage() == nil)
        framer.append([0x02, 0xAA])
        #expect(try framer.nextMessage() == nil)
        framer.append([0xBB, 0, 0])
        #expect(try framer.nextMessage() == [0x40, 0, 0, 2, 0xAA, 0xBB, 0, 0])
    }

    @Test(arguments: [TransportProtocol.tcp, .tls])
    func clientOverAChunkedStream(transport: TransportProtocol) throws {
        var h = TURNHarness(transport: transport)
        h.streamChunking = true
        h.allocate()
        h.client.bindChannel(to: TURNHarness.peerA, now: h.now)
        h.run(for: .seconds(1))
        #expect(h.takeEvents() == [
            .allocated(relayed: h.server.relayed, mapped: h.server.clientMapped, lifetime: .seconds(600)),
            .channelBound(peer: TURNHarness.peerA, channel: 0x4000),
            .permissionCreated(TURNHarness.peerA.ip),
        ])
        try h.client.send([1, 2, 3, 4, 5], to: TURNHarness.peerA, now: h.now)
        h.pump()
        // Padded to 4 bytes on streams (RFC 8656 §12.5).
        #expect(h.sent.last?.payload == [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0])
        #expect(h.server.deliveredToPeers.map(\.data) == [[1, 2, 3, 4, 5]])
        for k in 0..<20 {
            let relayed = h.peerSends([UInt8](repeating: UInt8(k), count: k), from: TURNHarness.peerA)
            #expect(relayed)
        }
        let received = h.takeEvents()
        #expect(received == (0..<20).map { .dataReceived(peer: TURNHarness.peerA, data: [UInt8](repeating: UInt8($0), count: $0)) })
        h.run(for: .seconds(7200))
        #expect(h.client.phase == .allocated)
        #expect(!h.server.everExpired)
    }

    @Test func garbageOnTheStreamEndsTheAllocation() {
        var h = TURNHarness(transport: .tcp)
        h.allocate()
        _ = h.takeEvents()
        h.client.handleReceived([0xFF, 0xFF, 0xFF, 0xFF], now: h.now)
        h.pump()
        #expect(h.takeEvents() == [.allocationFailed(.streamDesynchronized)])
        #expect(h.client.pollTimeout() == nil)
    }
}
