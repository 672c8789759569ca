import CUsrsctp
@testable import DataChannel
import Testing
import WireKit

/// Hostile or broken input: malformed SCTP packets, bad DCEP, unknown streams, legacy PPIDs,
/// several associations in one process, and associations freed with packets in flight.
extension UsrsctpTests {
    @Suite struct AssociationRobustnessTests {
        /// Rewrites the CRC32c of an SCTP packet (RFC 9260 Appendix B) so a mutated packet gets
        /// past the checksum and into chunk parsing.
        static func fixChecksum(_ packet: inout [UInt8]) {
            guard packet.count >= 12 else { return }
            packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
            let crc = packet.withUnsafeMutableBytes { usrsctp_crc32c($0.baseAddress, $0.count) }
            // usrsctp returns the value ready to store in memory as-is.
            withUnsafeBytes(of: crc) { packet.replaceSubrange(8..<12, with: $0) }
        }

        /// Sends `payload` from A as a raw user message with any PPID, as a buggy peer might.
        static func inject(_ pair: AssociationPair, stream: UInt16, ppid: PayloadProtocolIdentifier, _ payload: [UInt8]) {
            pair.a.enqueue(.message(stream: stream, ppid: ppid, payload: payload, ordered: true, reliability: .reliable))
            pair.a.flushPending()
        }

        @Test func malformedPacketsAreCountedAndIgnored() throws {
            let (pair, stream) = try AssociationLifecycleTests.openPair()
            try pair.a.send(text: "real", on: stream)
            let real = try #require(pair.a.pollTransmit())
            var rng = SplitMix64(seed: 5)
            var bad: [[UInt8]] = [[], [0x13], Array(real.prefix(11))]
            bad += [12, 16, 20, real.count - 1].map { Array(real.prefix($0)) }
            bad += (0..<20).map { _ in rng.bytes(Int.random(in: 12...1500, using: &rng)) }
            var flipped = real
            flipped[real.count / 2] ^= 0x40
            bad.append(flipped)
            for packet in bad { pair.b.handle(packet: packet) }
            #expect(pair.b.statistics.malformedPackets == bad.count)
            #expect(pair.b.state == .established)
            pair.b.handle(packet: real)
            #expect(pair.run { pair.eventsB.last == .message(channel: stream, data: Array("real".utf8), isBinary: false) })
        }

        @Test func mutatedPacketsWithValidChecksumsNeverCrash() throws {
            // Packets from a live exchange, mutated and re-checksummed, reach usrsctp's chunk
            // parsers. A mutation may legitimately abort the association; nothing may crash.
            var rng = SplitMix64(seed: 0x5C7)
            var corpus: [[UInt8]] = []
            for round in 0..<8 {
                let (pair, stream) = try AssociationLifecycleTests.openPair()
                pair.dropFromA = { _, packet in
                    corpus.append(packet)
                    return false
                }
                for i in 0..<20 { try pair.a.send(rng.bytes(Int.random(in: 1...2500, using: &rng)), on: stream, isBinary: i % 2 == 0) }
                pair.a.closeChannel(stream)
                pair.exchange()
                for _ in 0..<400 {
                    guard let seed = corpus.randomElement(using: &rng) else { break }
                    var packet = Self.mutate(seed, &rng)
                    if round % 2 == 0 { Self.fixChecksum(&packet) }
                    pair.b.handle(packet: packet)
                    pair.exchange()
                }
                pair.run(maxVirtualMilliseconds: 2_000) { false }
                #expect(pair.b.statistics.packetsReceived > 400)
            }
        }

        static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
            var out = seed
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                // Keep the common header's ports and tag mostly intact so the packet reaches
                // the association; mutate the chunks.
                guard out.count > 13 else { break }
                let i = Int.random(in: 12..<out.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: out[i] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                case 1: out[i] = [0x00, 0xFF, 0x7F, 0x80, 0x04][Int.random(in: 0..<5, using: &rng)]
                case 2: out.removeSubrange(i...)
                case 3: out.insert(contentsOf: rng.bytes(4 * Int.random(in: 1...4, using: &rng)), at: i)
                default:
                    if i + 1 < out.count {
                        let v = [0, 1, 4, 0xFFFF, out.count - i][Int.random(in: 0..<5, using: &rng)]
                        out[i] = UInt8(truncatingIfNeeded: v >> 8)
                        out[i + 1] = UInt8(truncatingIfNeeded: v)
                    }
                }
            }
            return out
        }

        @Test func badDCEPMessagesAreCountedAndIgnored() throws {
            let (pair, stream) = try AssociationLifecycleTests.openPair()
            let before = pair.eventsB.count
            Self.inject(pair, stream: stream, ppid: .dcep, [0x99])  // unknown type
            Self.inject(pair, stream: stream, ppid: .dcep, [0x03, 0x00, 0x01])  // truncated OPEN
            Self.inject(pair, stream: 8, ppid: .dcep, [0x02])  // ACK nobody waits for
            // A second OPEN on a stream already in use.
            Self.inject(pair, stream: stream, ppid: .dcep, try DCEPMessage.open(DataChannelParameters(label: "dup")).serialized())
            // User data on a stream without a channel.
            Self.inject(pair, stream: 40, ppid: .string, Array("orphan".utf8))
            try pair.a.send(text: "fine", on: stream)
            #expect(pair.run { pair.eventsB.last == .message(channel: stream, data: Array("fine".utf8), isBinary: false) })
            #expect(pair.eventsB.count == before + 1)
            #expect(pair.b.statistics.malformedDCEPMessages == 4)
            #expect(pair.b.statistics.droppedMessages == 1)
            #expect(pair.b.channel(stream)?.parameters.label == "c")
        }

        @Test func legacyPartialPPIDsAreReassembled() throws {
            let (pair, stream) = try AssociationLifecycleTests.openPair()
            Self.inject(pair, stream: stream, ppid: .stringPartial, Array("hel".utf8))
            Self.inject(pair, stream: stream, ppid: .stringPartial, Array("lo ".utf8))
            Self.inject(pair, stream: stream, ppid: .string, Array("world".utf8))
            Self.inject(pair, stream: stream, ppid: .binaryPartial, [1, 2])
            Self.inject(pair, stream: stream, ppid: .binary, [3])
            #expect(pair.run { AssociationTests.messages(pair.eventsB, on: stream).count == 2 })
            let received = AssociationTests.messages(pair.eventsB, on: stream)
            #expect(received.map(\.data) == [Array("hello world".utf8), [1, 2, 3]])
            #expect(received.map(\.isBinary) == [false, true])
        }

        @Test func twoAssociationsSideBySideAreRoutedByAddress() throws {
            let one = try AssociationPair()
            let two = try AssociationPair()
            #expect(one.connect() && two.connect())
            let s1 = try one.a.openChannel(DataChannelParameters(label: "one"))
            let s2 = try two.a.openChannel(DataChannelParameters(label: "two"))
            one.exchange()
            two.exchange()
            #expect(s1 == s2)  // same ports, same stream: only the address tells them apart
            for i in 0..<50 {
                try one.a.send(text: "one \(i)", on: s1)
                try two.b.send(text: "two \(i)", on: s2)
                one.exchange()
                two.exchange()
            }
            #expect(one.run { AssociationTests.messages(one.eventsB, on: s1).count == 50 })
            #expect(two.run { AssociationTests.messages(two.eventsA, on: s2).count == 50 })
            #expect(AssociationTests.messages(one.eventsB, on: s1).map(\.data) == (0..<50).map { Array("one \($0)".utf8) })
            #expect(AssociationTests.messages(two.eventsA, on: s2).map(\.data) == (0..<50).map { Array("two \($0)".utf8) })
            #expect(AssociationTests.messages(one.eventsA, on: s1).isEmpty)
            #expect(AssociationTests.messages(two.eventsB, on: s2).isEmpty)
            #expect(one.b.channel(s1)?.parameters.label == "one")
            #expect(two.b.channel(s2)?.parameters.label == "two")
            // A packet of one association fed to the other is out of the blue there: ignored.
            try one.a.send(text: "stray", on: s1)
            let stray = try #require(one.a.pollTransmit())
            two.b.handle(packet: stray)
            two.exchange()
            #expect(AssociationTests.messages(two.eventsB, on: s2).isEmpty)
            #expect(two.a.state == .established && two.b.state == .established)
            one.b.handle(packet: stray)
            #expect(one.run { AssociationTests.messages(one.eventsB, on: s1).last?.data == Array("stray".utf8) })
        }

        @Test func freeingAnAssociationWithPacketsInFlightIsSafe() throws {
            var a: SCTPAssociation? = try SCTPAssociation(configuration: SCTPConfiguration(role: .client))
            let b = try SCTPAssociation(configuration: SCTPConfiguration(role: .server))
            let countWithBoth = SCTPLibrary.associationCount
            var toA: [[UInt8]] = []
            var toB: [[UInt8]] = []
            func shuttle() {
                var moved = true
                while moved {
                    moved = false
                    while let p = a?.pollTransmit() { b.handle(packet: p); moved = true }
                    while let p = b.pollTransmit() { a?.handle(packet: p); moved = true }
                }
            }
            shuttle()
            #expect(a?.state == .established && b.state == .established)
            let stream = try #require(try a?.openChannel(DataChannelParameters(label: "doomed")))
            shuttle()
            for _ in 0..<40 { try a?.send([UInt8](repeating: 1, count: 10_000), on: stream) }
            try b.send([UInt8](repeating: 2, count: 10_000), on: stream)
            // Hold back what is in flight both ways, then free A.
            while let p = a?.pollTransmit() { toB.append(p) }
            while let p = b.pollTransmit() { toA.append(p) }
            #expect(!toB.isEmpty && !toA.isEmpty)
            a = nil
            #expect(SCTPLibrary.associationCount == countWithBoth - 1)
            for p in toB { b.handle(packet: p) }
            // B keeps sending into the void; timers run for the freed A's leftovers too. Nothing
            // may reach A, and B stays usable.
            var sentByB = 0
            for _ in 0..<600 {
                SCTPLibrary.handleTimers(elapsedMilliseconds: 100)
                while b.pollTransmit() != nil { sentByB += 1 }
                while let event = b.pollEvent() {
                    if case .message = event { Issue.record("unexpected \(event)") }
                }
            }
            #expect(sentByB > 0)  // B acknowledged what it got from A before A went away
            b.close()
            while b.pollTransmit() != nil {}
            // A new association gets a new address; stale packets of the old one do nothing.
            let c = try SCTPAssociation(configuration: SCTPConfiguration(role: .client))
            for p in toA { c.handle(packet: p) }
            #expect(c.pollEvent() == nil)
            #expect(c.state == .connecting)
        }
    }
}
