import Security
import Testing
import WireKit

/// Junk on the wire must be counted and dropped, never crash or stall the association
/// (RFC 6347 §4.1.2.7).
@Suite struct DTLSRobustnessTests {
    let t0 = Instant(nanoseconds: 1_000_000_000)

    /// A ClientHello datagram from a fresh client.
    func clientHello(_ pair: DTLSPair) throws -> [UInt8] {
        pair.client.start(now: t0)
        return try #require(pair.client.pollTransmit())
    }

    @Test func datagramsBeforeStartAreIgnored() throws {
        let pair = try DTLSPair()
        let hello = try clientHello(pair)
        pair.server.handle(datagram: hello, now: t0)
        #expect(pair.server.statistics.ignoredDatagrams == 1)
        #expect(pair.server.pollTransmit() == nil)
        #expect(pair.server.state == .idle)
        pair.server.start(now: t0)
        pair.server.handle(datagram: hello, now: t0)
        exchange(pair.client, pair.server, now: t0)
        #expect(connection(in: drainEvents(pair.client)) != nil)
        #expect(connection(in: drainEvents(pair.server)) != nil)
    }

    @Test func malformedAndTruncatedRecordsAreCountedAndDropped() throws {
        let pair = try DTLSPair()
        let hello = try clientHello(pair)
        pair.server.start(now: t0)
        var junk: [[UInt8]] = [[], [22], [20, 0xFE, 0xFD], Array(repeating: 0xFF, count: 64)]
        junk += (1..<hello.count).map { Array(hello.prefix($0)) }  // every truncation
        var badVersion = hello
        badVersion[1] = 0x03  // TLS, not DTLS
        junk.append(badVersion)
        var badType = hello
        badType[0] = 63  // in the DTLS demux range, but no such content type
        junk.append(badType)
        var longer = hello
        longer[12] &+= 1  // record length one more than present
        junk.append(longer)
        junk.append(hello + [22])  // trailing partial header
        for datagram in junk { pair.server.handle(datagram: datagram, now: t0) }
        #expect(pair.server.statistics.malformedDatagrams == junk.count)
        #expect(pair.server.pollTransmit() == nil)
        #expect(drainEvents(pair.server).isEmpty)
        // The real ClientHello still works afterwards.
        pair.server.handle(datagram: hello, now: t0)
        exchange(pair.client, pair.server, now: t0)
        #expect(connection(in: drainEvents(pair.server)) != nil)
        #expect(connection(in: drainEvents(pair.client)) != nil)
    }

    @Test func forgedApplicationRecordsAreDroppedWhileConnected() throws {
        let pair = try DTLSPair()
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        exchange(pair.client, pair.server, now: t0)
        _ = drainEvents(pair.client)
        _ = drainEvents(pair.server)
        var random = SplitMix64(seed: 7)
        for sequence in 0..<500 {
            // Well-framed epoch-1 records with random contents: they fail authentication.
            var record: [UInt8] = [23, 0xFE, 0xFD, 0x00, 0x01, 0, 0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
            let body = random.bytes(Int(random.next() % 200) + 1)
            record += [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
            pair.server.handle(datagram: record, now: t0)
        }
        #expect(pair.server.statistics.malformedDatagrams == 0)
        #expect(drainEvents(pair.server).isEmpty)
        guard case .connected = pair.server.state else {
            Issue.record("forged records broke the association: \(pair.server.state)")
            return
        }
        try pair.client.send(applicationData: [9, 9, 9])
        exchange(pair.client, pair.server, now: t0)
        #expect(drainEvents(pair.server) == [.applicationData([9, 9, 9])])
    }

    @Test func framingFuzz() throws {
        // Seeds: real datagrams of a full handshake.
        let pair = try DTLSPair()
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        var seeds: [[UInt8]] = []
        var progress = true
        while progress {
            progress = false
            while let d = pair.client.pollTransmit() { seeds.append(d); pair.server.handle(datagram: d, now: t0); progress = true }
            while let d = pair.server.pollTransmit() { seeds.append(d); pair.client.handle(datagram: d, now: t0); progress = true }
        }
        #expect(seeds.allSatisfy(DTLSRecordFraming.isWellFormed))
        var random = SplitMix64(seed: 0xD715)
        var accepted = 0
        let iterations = 100_000
        for i in 0..<iterations {
            let input = i % 4 == 0 ? random.bytes(Int(random.next() % 96)) : Self.mutate(seeds[i % seeds.count], &random)
            guard let records = DTLSRecordFraming.records(in: input) else { continue }
            accepted += 1
            let total = records.reduce(0) { $0 + DTLSRecordHeader.length + $1.fragmentLength }
            #expect(total == input.count)
            #expect(records.allSatisfy { DTLSRecordHeader.contentTypes.contains($0.contentType) && $0.isDTLSVersion })
        }
        #expect(accepted > iterations / 10)
    }

    @Test func mutatedDatagramsNeverCrashEndpoints() throws {
        var random = SplitMix64(seed: 99)
        var seeds: [[UInt8]] = []
        for round in 0..<20 {
            let pair = try DTLSPair()
            pair.server.start(now: t0)
            pair.client.start(now: t0)
            var progress = true
            while progress {
                progress = false
                while let d = pair.client.pollTransmit() {
                    seeds.append(d)
                    pair.server.handle(datagram: Self.mutate(d, &random), now: t0)  // the mutant first
                    pair.server.handle(datagram: d, now: t0)
                    progress = true
                }
                while let d = pair.server.pollTransmit() {
                    seeds.append(d)
                    pair.client.handle(datagram: Self.mutate(d, &random), now: t0)
                    pair.client.handle(datagram: d, now: t0)
                    progress = true
                }
            }
            for _ in 0..<100 {
                pair.client.handle(datagram: Self.mutate(seeds[Int(random.next() % UInt64(seeds.count))], &random), now: t0)
            }
            for endpoint in [pair.client, pair.server] {
                switch endpoint.state {
                case .handshaking, .connected, .failed, .closed: break
                case .idle: Issue.record("round \(round): endpoint went back to idle")
                }
                _ = drainEvents(endpoint)
            }
        }
    }

    static func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        switch random.next() % 6 {
        case 0 where !bytes.isEmpty:
            let i = Int(random.next() % UInt64(bytes.count))
            bytes[i] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
        case 1:
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
        case 2 where bytes.count > 13:
            bytes[12] = UInt8(truncatingIfNeeded: random.next())  // record length
        case 3 where bytes.count > 13:
            let i = 13 + Int(random.next() % UInt64(bytes.count - 13))
            bytes[i] = UInt8(truncatingIfNeeded: random.next())  // inside the record body
        case 4:
            bytes += random.bytes(Int(random.next() % 20))
        default:
            for _ in 0..<4 where !bytes.isEmpty {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }
}
