import EventLoop
import ICE
import ICETransport
import SDP
import STUN
import TURN
import Testing
import WireKit

extension ICETransportSuites {
    /// Start, failure paths, bad input and close of an ICETransport on real sockets.
    @Suite struct ICETransportLifecycleTests {
        static func hostConfiguration(turn: [ICETURNServer] = []) -> ICETransportConfiguration {
            var ice = ICEConfiguration()
            ice.includeLoopback = true
            return ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!], turnServers: turn)
        }

        @Test func closeReleasesSocketsTimersAndAllocations() async throws {
            let coturn = try Coturn.started()
            defer { coturn.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let before = await rig.loopResources()
                let servers = [
                    ICETURNServer(address: coturn.address, transport: .udp, credentials: try coturn.credentials(user: "u")),
                    ICETURNServer(address: coturn.address, transport: .tcp, credentials: try coturn.credentials(user: "t")),
                ]
                let id = await rig.make(role: .controlled, configuration: Self.hostConfiguration(turn: servers))
                try await rig.start(id)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.gatheringDone })
                #expect(await rig.candidates(id).map { "\($0.type)" }.sorted() == ["host", "relay", "relay"])
                // Host socket, TURN socket and TURN connection registered; the refresh timers armed.
                let running = await rig.loopResources()
                #expect(running[0] == before[0] + 3)
                #expect(running[1] == before[1] + 1)

                await rig.close(id)
                #expect(await rig.loopResources() == before)
                #expect(await rig.turnClient(id, relay: RelayID(0))?.phase == .deallocating)
                #expect(await rig.turnClient(id, relay: RelayID(1))?.phase == .deallocating)
                #expect(await rig.connectionState(id) == .closed)
                #expect(await rig.log(id).states.last == .closed)
                await #expect(throws: ICETransportError.closed) { try await rig.send(id, [1]) }
                await #expect(throws: ICETransportError.closed) { try await rig.start(id) }
            }
        }

        @Test func unusableRelaysAreReportedAndGatheringEndsWithoutThem() async throws {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let closedPort = try ProbeSocket.freePort()
                let credentials = TURNCredentials(username: "1:user", password: "secret")
                let servers = [
                    ICETURNServer(address: SocketAddress(ip: IPAddress("127.0.0.1")!, port: closedPort), transport: .tls,
                                  credentials: credentials, serverName: "turn.test"),
                    ICETURNServer(address: SocketAddress(ip: IPAddress("127.0.0.1")!, port: closedPort), transport: .tcp,
                                  credentials: credentials),
                ]
                let id = await rig.make(role: .controlled, configuration: Self.hostConfiguration(turn: servers))
                try await rig.start(id)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.gatheringDone })
                let events = await rig.log(id).events
                #expect(events.contains(.relayUnavailable(RelayID(0), .connection(.connectionRefused))))
                #expect(events.contains(.relayUnavailable(RelayID(1), .connection(.connectionRefused))))
                #expect(await rig.candidates(id).map(\.type) == [.host])
                #expect(!(await rig.log(id).description.contains("secret")))
                await rig.closeAll()
            }
        }

        @Test func sendBeforeSelectionAndStartingTwiceFail() async throws {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let id = await rig.make(role: .controlled, configuration: Self.hostConfiguration())
                try await rig.start(id)
                await #expect(throws: ICETransportError.noSelectedPair) { try await rig.send(id, [0x17, 1, 2]) }
                await #expect(throws: ICETransportError.alreadyStarted) { try await rig.start(id) }
                await rig.closeAll()
            }
        }

        /// Garbage, truncated STUN and stray data are counted and dropped; the socket keeps
        /// answering valid checks.
        @Test func badDatagramsAreCountedAndDropped() async throws {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let credentials = ICECredentials(ufrag: "lcUf", pwd: "lifecyclePassword0123456")
                let id = await rig.make(role: .controlled, configuration: Self.hostConfiguration(), credentials: credentials)
                try await rig.start(id)
                let target = try #require(await rig.hostAddresses(id).first)
                let probe = try ProbeSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
                probe.send([0x17, 0xFE, 0xFD, 0, 1, 2, 3], to: target)  // DTLS-looking, from no valid pair
                probe.send([0x00, 0x01, 0x00, 0x08, 0x21, 0x12], to: target)  // truncated STUN header
                probe.send([0xFF] + Array(repeating: 0xAA, count: 40), to: target)  // no protocol at all
                probe.send([], to: target)
                probe.send([0x00, 0x01] + Array(repeating: 0, count: 9000), to: target)  // over maxDatagramSize
                var rng = SystemRandomNumberGenerator()
                let request = STUNMessage(
                    method: .binding, messageClass: .request, transactionID: .random(using: &rng),
                    attributes: [.username("lcUf:peer"), .priority(1), .iceControlling(7)])
                probe.send(try request.encode(integrity: .shortTerm(password: credentials.pwd), fingerprint: true), to: target)
                let reply = try #require(probe.receive(timeout: .seconds(2)))
                #expect((try STUNMessage(decoding: reply.bytes)).messageClass == .success)
                let stats = try #require(await rig.statistics(id))
                #expect(stats.datagramsReceived == 6)
                #expect(stats.truncatedDatagrams == 1)
                #expect(stats.stunReceived == 2)
                #expect(stats.unexpectedDatagrams == 3)
                #expect(stats.dataReceived == 0)
                #expect(await rig.agent(id)?.droppedDatagrams == 1)
                #expect(await rig.log(id).received.isEmpty)
                await rig.closeAll()
            }
        }
    }
}

extension [RigEntry] {
    var description: String { map { "\($0.kind)" }.joined(separator: "\n") }
}
