import EventLoop
import Glibc
import ICE
import ICETransport
import SDP
import Testing
import WireKit

extension ICETransportSuites {
    /// Heap per ICE session with 10 remote candidates: a number for the notes, printed. glibc's
    /// counters are process-wide and other suites allocate concurrently, so the value is not
    /// asserted; the assertions check that the sessions really formed their pairs.
    @Suite struct MemoryMeasurementTests {
        /// glibc's `mallinfo2()` (malloc.h is not in Swift's Glibc module): bytes in use in the
        /// arenas (`uordblks`) plus mmapped blocks (`hblkhd`). It returns a 10 × size_t struct; the
        /// call is typed as returning the larger `stat` struct so the caller reserves enough room
        /// for the result on every ABI, and the first 80 bytes are read back.
        static func heapInUse() -> Int {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return 0 }
            typealias MallInfo2 = @convention(c) () -> stat
            let info = unsafeBitCast(symbol, to: MallInfo2.self)()
            return withUnsafeBytes(of: info) { raw in
                raw.load(fromByteOffset: 7 * 8, as: Int.self) + raw.load(fromByteOffset: 4 * 8, as: Int.self)
            }
        }

        static let remoteCandidates: [CandidateAttribute] = (1...10).map { i in
            CandidateAttribute(
                foundation: "\(1000 + i)", priority: 2_130_706_431 - UInt32(i), connectionAddress: "127.0.1.\(i)",
                port: 40000 + UInt16(i), type: .host)
        }
        static let remote = ICECredentials(ufrag: "memU", pwd: "memoryPeerPassword012345")

        /// The sans-IO agent alone: one host candidate, 10 remote candidates, checks started.
        @Test func heapPerAgentWithTenRemoteCandidates() {
            let count = 200
            var configuration = ICEConfiguration()
            configuration.includeLoopback = true
            var agents: [ICEAgent] = []
            agents.reserveCapacity(count)
            let before = Self.heapInUse()
            for i in 0..<count {
                var agent = ICEAgent(role: .controlled, configuration: configuration, rng: SplitMix64(seed: UInt64(i)))
                let now = Instant(nanoseconds: 1_000_000_000)
                agent.startGathering(localAddresses: [SocketAddress("127.0.0.1:5000")!], now: now)
                agent.setRemoteCredentials(Self.remote, now: now)
                for candidate in Self.remoteCandidates { agent.addRemoteCandidate(candidate, now: now) }
                agent.handleTimeout(now: now)
                while agent.pollOutput() != nil {}
                agents.append(agent)
            }
            let perAgent = (Self.heapInUse() - before) / count
            #expect(agents.allSatisfy { $0.pairs.count == 10 })
            print("heap per ICE agent with 10 remote candidates (sans-IO, pairs formed, first check sent): \(perAgent) bytes")
        }

        /// A started ICETransport on one host socket with 10 remote loopback candidates (the
        /// sockets' kernel buffers are not heap and are not counted).
        @Test func heapPerTransportWithTenRemoteCandidates() async throws {
            let count = 20
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var ice = ICEConfiguration()
                ice.includeLoopback = true
                let configuration = ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!])
                let (perTransport, pairs) = try await rig.heapPerSession(
                    count: count, configuration: configuration, remote: Self.remote, candidates: Self.remoteCandidates)
                #expect(pairs == Array(repeating: 10, count: count), "every transport pairs its host with the 10 remotes")
                print("heap per ICETransport with 10 remote candidates (one host socket): \(perTransport) bytes")
                await rig.closeAll()
            }
        }
    }
}

extension TransportRig {
    /// The heap growth per started transport given remote credentials and candidates,
    /// measured on the loop thread with nothing else running there.
    func heapPerSession(
        count: Int, configuration: ICETransportConfiguration, remote: ICECredentials, candidates: [CandidateAttribute]
    ) throws(ICETransportError) -> (perSession: Int, pairsPerSession: [Int]) {
        let before = ICETransportSuites.MemoryMeasurementTests.heapInUse()
        var ids: [Int] = []
        for _ in 0..<count {
            let id = make(role: .controlled, configuration: configuration)
            try start(id)
            setRemote(id, credentials: remote, candidates: candidates, endOfCandidates: true)
            ids.append(id)
        }
        let perSession = (ICETransportSuites.MemoryMeasurementTests.heapInUse() - before) / count
        return (perSession, ids.map { pairCount($0) })
    }
}
