import DataChannel
import CUsrsctp
import Testing

/// Numbers for the report (printed), with loose checks that they are sane: in-process
/// throughput of a reliable ordered channel, and heap used per association.
extension UsrsctpTests {
    @Suite struct AssociationPerformanceTests {
        @Test func reliableOrderedThroughputWith64KiBMessages() throws {
            let pair = try AssociationPair()
            #expect(pair.connect())
            let stream = try pair.a.openChannel(DataChannelParameters(label: "bulk"))
            #expect(pair.run { pair.eventsA.count == 2 && pair.eventsB.count == 2 })
            let message = [UInt8](repeating: 0x5A, count: pair.a.maxMessageSize)
            let clock = ContinuousClock()
            let start = clock.now
            var reported = 0
            var sent = 0
            var received = 0
            var receivedBytes = 0
            var elapsed = 0
            while elapsed < 1500 {
                while pair.a.bufferedAmount < 1 << 20 {
                    try pair.a.send(message, on: stream)
                    sent += 1
                }
                var moved = true
                while moved {
                    moved = false
                    while let p = pair.a.pollTransmit() { pair.b.handle(packet: p); moved = true }
                    while let p = pair.b.pollTransmit() { pair.a.handle(packet: p); moved = true }
                }
                while let event = pair.b.pollEvent() {
                    if case .message(_, let data, _) = event {
                        received += 1
                        receivedBytes += data.count
                    }
                }
                elapsed = Int((clock.now - start) / .milliseconds(1))
                if elapsed > reported {
                    SCTPLibrary.handleTimers(elapsedMilliseconds: UInt32(elapsed - reported))
                    reported = elapsed
                }
            }
            let seconds = Double(elapsed) / 1000
            let megabytesPerSecond = Double(receivedBytes) / seconds / 1_000_000
            print("data channel throughput: \(received) messages of \(message.count) B in \(seconds) s = \(megabytesPerSecond) MB/s")
            #expect(received > 10)
            #expect(receivedBytes == received * message.count)
            #expect(pair.b.statistics.malformedPackets == 0)
        }

        static var heapInUse: Int { Int(kvs_heap_bytes_in_use()) }

        @Test(arguments: [UInt16(1024), 256, 16])
        func heapPerAssociation(streams: UInt16) throws {
            SCTPLibrary.initialize()
            let countBefore = SCTPLibrary.associationCount
            let before = Self.heapInUse
            var pairs: [AssociationPair] = []
            for _ in 0..<20 {
                let pair = try AssociationPair(
                    a: SCTPConfiguration(role: .client, streamCount: streams),
                    b: SCTPConfiguration(role: .server, streamCount: streams))
                #expect(pair.connect())
                let stream = try pair.a.openChannel(DataChannelParameters(label: "kvsDataChannel"))
                try pair.a.send(text: "hello", on: stream)
                #expect(pair.run { pair.eventsB.count == 3 })
                pair.eventsA.removeAll()
                pair.eventsB.removeAll()
                pairs.append(pair)
            }
            let during = Self.heapInUse
            let perAssociation = (during - before) / 40
            print("heap per established association with one channel, \(streams) streams: \(perAssociation) B")
            #expect(SCTPLibrary.associationCount == countBefore + 40)
            pairs.removeAll()
            SCTPLibrary.handleTimers(elapsedMilliseconds: 10)
            let after = Self.heapInUse
            print("heap left after freeing 40 associations: \(after - before) B")
            #expect(SCTPLibrary.associationCount == countBefore)
            #expect(perAssociation > 0)
            #expect(after - before < (during - before) / 10)
        }
    }
}
