import DataChannel
import Testing
import WireKit

/// Every suite that drives usrsctp nests in this one: the stack is process-global (one timer
/// clock, global statistics), so these tests run one at a time.
@Suite(.serialized) struct UsrsctpTests {}

/// Two usrsctp associations wired together in memory.
extension UsrsctpTests { @Suite struct AssociationTests {
    @Test func simultaneousOpenEstablishesBothSides() throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        #expect(pair.a.state == .established)
        #expect(pair.b.state == .established)
        #expect(pair.eventsA == [.associationUp])
        #expect(pair.eventsB == [.associationUp])
        // INIT, COOKIE-ECHO and their answers both ways, nothing lost, no timer needed.
        #expect(pair.virtualMilliseconds == 0)
    }

    @Test func channelOpenedByEitherSideUsesItsParity() throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        let fromA = try pair.a.openChannel(DataChannelParameters(label: "from-a", protocolName: "p"))
        let fromB = try pair.b.openChannel(DataChannelParameters(label: "from-b", ordered: false))
        #expect(fromA == 0)  // DTLS client: even
        #expect(fromB == 1)  // DTLS server: odd
        pair.exchange()
        let infoA = DataChannelInfo(
            streamID: 0, parameters: DataChannelParameters(label: "from-a", protocolName: "p"), origin: .local)
        let infoB = DataChannelInfo(
            streamID: 1, parameters: DataChannelParameters(label: "from-b", ordered: false), origin: .local)
        var remoteA = infoA
        remoteA.origin = .remote
        var remoteB = infoB
        remoteB.origin = .remote
        #expect(Set(pair.eventsA.dropFirst()) == [.channelOpened(infoA), .channelOpened(remoteB)])
        #expect(Set(pair.eventsB.dropFirst()) == [.channelOpened(infoB), .channelOpened(remoteA)])
        #expect(pair.a.channels.map(\.streamID) == [0, 1])
        #expect(pair.b.channel(0)?.parameters.label == "from-a")
        #expect(try pair.a.openChannel(DataChannelParameters(label: "next")) == 2)
    }

    @Test func channelOpenedBeforeTheAssociationIsUpWaits() throws {
        let pair = try AssociationPair()
        let stream = try pair.b.openChannel(DataChannelParameters(label: "early"))
        try pair.b.send(text: "hello", on: stream)
        #expect(pair.b.bufferedAmount == 5)  // user bytes only, not the DCEP OPEN
        #expect(pair.run { pair.eventsA.contains(.message(channel: stream, data: Array("hello".utf8), isBinary: false)) })
        #expect(pair.b.bufferedAmount == 0)
        #expect(pair.eventsA.first == .associationUp)
    }

    /// Message `i` of a mixed sequence: text, binary, empty text, empty binary and binary near
    /// the negotiated maximum.
    static func message(_ i: Int, from side: UInt8, max: Int) -> (data: [UInt8], isBinary: Bool) {
        var rng = SplitMix64(seed: UInt64(i) << 8 | UInt64(side))
        switch i % 5 {
        case 0: return (Array("message \(i) from \(side) ✓".utf8), false)
        case 1: return (rng.bytes(Int.random(in: 1...3000, using: &rng)), true)
        case 2: return ([], false)
        case 3: return ([], true)
        default: return (rng.bytes(max - Int.random(in: 0...16, using: &rng)), true)
        }
    }

    static func messages(_ events: [DataChannelEvent], on stream: UInt16) -> [(data: [UInt8], isBinary: Bool)] {
        events.compactMap {
            if case .message(stream, let data, let isBinary) = $0 { return (data, isBinary) }
            return nil
        }
    }

    @Test(arguments: [true, false])
    func hundredMessagesEachWayWithContentsChecked(ordered: Bool) throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        let stream = try pair.a.openChannel(DataChannelParameters(label: "mixed", ordered: ordered))
        #expect(pair.run { pair.eventsA.count == 2 && pair.eventsB.count == 2 })
        let max = pair.a.maxMessageSize
        #expect(max == 65536)
        for i in 0..<100 {
            let fromA = Self.message(i, from: 1, max: max)
            try pair.a.send(fromA.data, on: stream, isBinary: fromA.isBinary)
            let fromB = Self.message(i, from: 2, max: max)
            try pair.b.send(fromB.data, on: stream, isBinary: fromB.isBinary)
        }
        #expect(pair.run {
            Self.messages(pair.eventsB, on: stream).count == 100 && Self.messages(pair.eventsA, on: stream).count == 100
        })
        for (side, events) in [(UInt8(1), pair.eventsB), (UInt8(2), pair.eventsA)] {
            let received = Self.messages(events, on: stream)
            let expected = (0..<100).map { Self.message($0, from: side, max: max) }
            if ordered {
                #expect(received.map(\.data) == expected.map(\.data))
                #expect(received.map(\.isBinary) == expected.map(\.isBinary))
            } else {
                let key = { (m: (data: [UInt8], isBinary: Bool)) in Hex.encode(m.data) + "\(m.isBinary)" }
                #expect(received.map(key).sorted() == expected.map(key).sorted())
            }
        }
        #expect(pair.a.statistics.messagesSent == 100)
        #expect(pair.a.statistics.messagesReceived == 100)
        #expect(pair.b.statistics.malformedPackets == 0)
        #expect(pair.a.bufferedAmount == 0)
    }

    @Test func maxRetransmitsZeroUnderLossDeliversWhatItCanWithoutStalling() throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        let lossy = try pair.a.openChannel(
            DataChannelParameters(label: "lossy", ordered: false, reliability: .maxRetransmits(0)))
        let control = try pair.a.openChannel(DataChannelParameters(label: "control"))
        #expect(pair.run { pair.eventsA.count == 3 && pair.eventsB.count == 3 })
        // From now on the link loses every fourth packet A sends (DATA, SACKs, FORWARD-TSN alike).
        let start = pair.sentByA
        pair.dropFromA = { index, _ in index >= start && (index - start) % 4 == 3 }
        for i in 0..<200 {
            try pair.a.send(Array(repeating: UInt8(i), count: 400) + [UInt8(i >> 8), UInt8(i & 0xFF)], on: lossy)
        }
        try pair.a.send(text: "after", on: control)
        #expect(pair.run {
            pair.eventsB.contains(.message(channel: control, data: Array("after".utf8), isBinary: false))
                && pair.a.bufferedAmount == 0
        })
        let received = Self.messages(pair.eventsB, on: lossy).map { Int($0.data[400]) << 8 | Int($0.data[401]) }
        #expect(received.count < 200)
        #expect(received.count > 100)
        #expect(Set(received).count == received.count)
        #expect(received.allSatisfy { (0..<200).contains($0) })
        // The link keeps working: a reliable message sent now still arrives.
        try pair.a.send(text: "still alive", on: control)
        #expect(pair.run { pair.eventsB.last == .message(channel: control, data: Array("still alive".utf8), isBinary: false) })
    }

    static func contains(_ packet: [UInt8], _ needle: [UInt8]) -> Bool {
        guard packet.count >= needle.count else { return false }
        return (0...(packet.count - needle.count)).contains { packet[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    @Test func reliableChannelRecoversATailLossByRetransmissionTimeout() throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        let stream = try pair.a.openChannel(DataChannelParameters(label: "reliable"))
        #expect(pair.run { pair.eventsA.count == 2 && pair.eventsB.count == 2 })
        // The only packet carrying the message is lost; no later packet reveals the gap, so only
        // the T3-rtx timer (RFC 9260 §6.3.3) can bring it back. The packet is picked by content:
        // under load usrsctp may send another packet (a SACK, a heartbeat) first.
        let marker = Array("tail-loss-marker".utf8)
        var dropped: Int? = nil
        pair.dropFromA = { index, packet in
            guard dropped == nil, Self.contains(packet, marker) else { return false }
            dropped = index
            return true
        }
        try pair.a.send(text: "tail-loss-marker", on: stream)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(pair.runInRealTime { !Self.messages(pair.eventsB, on: stream).isEmpty })
        let waited = clock.now - start
        let lost = try #require(dropped, "the packet carrying the message was never sent")
        #expect(Self.messages(pair.eventsB, on: stream).map(\.data) == [marker])
        #expect(pair.sentByA > lost + 1)
        // With the only copy lost, nothing but the retransmission timer can deliver it, and that
        // timer cannot fire before RTO.min (200 ms here): a protocol property, not a speed goal.
        #expect(waited >= .milliseconds(150))
        print("tail loss recovered after \(waited)")
    }

    @Test func partialReliabilityByLifetimeIsNegotiatedAndDelivers() throws {
        // usrsctp times PR-SCTP lifetimes with the wall clock, not the timer tick, so abandoning
        // by lifetime cannot be shown on the virtual clock; this checks the channel end to end.
        let pair = try AssociationPair()
        #expect(pair.connect())
        let parameters = DataChannelParameters(label: "ttl", reliability: .maxPacketLifetime(milliseconds: 50))
        let stream = try pair.a.openChannel(parameters)
        for i in 0..<5 { try pair.a.send([UInt8(i)], on: stream) }
        #expect(pair.run { Self.messages(pair.eventsB, on: stream).count == 5 })
        #expect(pair.eventsB.contains(.channelOpened(DataChannelInfo(streamID: stream, parameters: parameters, origin: .remote))))
        #expect(Self.messages(pair.eventsB, on: stream).map(\.data) == [[0], [1], [2], [3], [4]])
    }
}
}
