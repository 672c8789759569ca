import EventLoop
import ICE
import ICETransport
import SDP
import TURN
import Testing
import WireKit

extension ICETransportSuites {
    /// Two of our transports connected through coturn (started by the test on loopback, TURN REST
    /// credentials), the controlling one under the relay policy.
    @Suite struct CoturnRelayTests {
        static func relayConfiguration(_ coturn: Coturn, transport: TransportProtocol, user: String) throws
            -> ICETransportConfiguration
        {
            var ice = ICEConfiguration()
            ice.policy = .relay
            let server = ICETURNServer(address: coturn.address, transport: transport, credentials: try coturn.credentials(user: user))
            return ICETransportConfiguration(ice: ice, localAddresses: [], turnServers: [server])
        }

        static var hostConfiguration: ICETransportConfiguration {
            var ice = ICEConfiguration()
            ice.includeLoopback = true
            return ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.2")!])
        }

        /// Gathers both sides completely, then gives each the other's credentials and candidates.
        static func connect(_ rig: TransportRig, _ a: Int, _ b: Int) async throws {
            try await rig.start(a)
            try await rig.start(b)
            #expect(await rig.wait(a, timeout: .seconds(5)) { $0.gatheringDone })
            #expect(await rig.wait(b, timeout: .seconds(5)) { $0.gatheringDone })
            await rig.setRemote(a, credentials: try #require(await rig.credentials(b)), candidates: await rig.candidates(b),
                                endOfCandidates: true)
            await rig.setRemote(b, credentials: try #require(await rig.credentials(a)), candidates: await rig.candidates(a),
                                endOfCandidates: true)
            let aSelected = await rig.wait(a, timeout: .seconds(10)) { $0.selectedPair != nil }
            let bSelected = await rig.wait(b, timeout: .seconds(10)) { $0.selectedPair != nil }
            let aEvents = await rig.log(a).events
            let bEvents = await rig.log(b).events
            #expect(aSelected, "A: \(aEvents)")
            #expect(bSelected, "B: \(bEvents)")
        }

        @Test(arguments: [TransportProtocol.udp, .tcp])
        func relayToHostThroughCoturn(transport: TransportProtocol) async throws {
            let coturn = try Coturn.started()
            defer { coturn.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let a = await rig.make(role: .controlling, configuration: try Self.relayConfiguration(coturn, transport: transport, user: "a"))
                let b = await rig.make(role: .controlled, configuration: Self.hostConfiguration)
                try await Self.connect(rig, a, b)

                // A gathered exactly one candidate, relayed on coturn's relay address.
                let aCandidates = await rig.candidates(a)
                #expect(aCandidates.count == 1)
                let relayed = try #require(aCandidates.first)
                #expect(relayed.type == .relayed)
                #expect(relayed.connectionAddress == "127.0.0.1")
                let aLog = await rig.log(a)
                let started = try #require(await rig.startedAt(a))
                let relayTime = try #require(aLog.time { if case .localCandidate(let c) = $0 { c.type == .relayed } else { false } })
                print("time to a relay candidate over \(transport.rawValue) with coturn on loopback: "
                      + "\(milliseconds(relayTime - started)) ms")

                let bHost = try #require(await rig.hostAddresses(b).first)
                let aPair = try #require(aLog.selectedPair)
                #expect(aPair.local.kind == .relayed)
                #expect(aPair.remote.address == bHost)
                let bPair = try #require(await rig.log(b).selectedPair)
                #expect(bPair.local.address == bHost)
                #expect(bPair.remote.address.port == relayed.port)

                // The permission for B's IP, then the channel to B's address (RFC 8656 §9, §12).
                #expect(aLog.events.contains(.relay(RelayID(0), .permissionCreated(bHost.ip))))
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.events.contains { event in
                    if case .relay(_, .channelBound(let peer, _)) = event { peer == bHost } else { false }
                } })
                let client = try #require(await rig.turnClient(a))
                #expect(client.phase == .allocated)
                #expect(client.hasPermission(for: bHost.ip))
                let channel = try #require(client.boundChannel(for: bHost))
                #expect((0x4000...0x4FFF).contains(channel))

                // Application bytes both ways on the selected relayed pair (ChannelData now).
                let ping: [UInt8] = [0x17, 0xFE, 0xFD] + Array("ping over the relay".utf8)
                let pong: [UInt8] = [0x80, 0x60] + Array("pong back".utf8)
                try await rig.send(a, ping)
                #expect(await rig.wait(b, timeout: .seconds(3)) { $0.received.contains(ping) })
                try await rig.send(b, pong)
                #expect(await rig.wait(a, timeout: .seconds(3)) { $0.received.contains(pong) })
                #expect(await rig.log(b).received == [ping])
                #expect(await rig.log(a).received == [pong])

                // Checks went through the relay: every STUN message A's agent saw came from the TURN client.
                let stats = try #require(await rig.statistics(a))
                #expect(stats.stunReceived > 0)
                #expect(stats.dataReceived == 1)
                await rig.closeAll()
            }
        }

        /// Both sides relay-only, each through its own coturn (one over UDP, one over TCP), on
        /// distinct loopback addresses.
        @Test func relayToRelayThroughTwoCoturns() async throws {
            let first = try Coturn.started(listening: "127.0.0.1", relay: "127.0.0.3")
            defer { first.stop() }
            let second = try Coturn.started(listening: "127.0.0.2", relay: "127.0.0.4")
            defer { second.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let a = await rig.make(role: .controlling, configuration: try Self.relayConfiguration(first, transport: .udp, user: "a"))
                let b = await rig.make(role: .controlled, configuration: try Self.relayConfiguration(second, transport: .tcp, user: "b"))
                try await Self.connect(rig, a, b)
                let aPair = try #require(await rig.log(a).selectedPair)
                let bPair = try #require(await rig.log(b).selectedPair)
                #expect(aPair.local.kind == .relayed && aPair.local.address.ip == IPAddress("127.0.0.3"))
                #expect(aPair.remote.address.ip == IPAddress("127.0.0.4"))
                #expect(bPair.local.kind == .relayed && bPair.local.address.ip == IPAddress("127.0.0.4"))
                #expect(bPair.remote.address.ip == IPAddress("127.0.0.3"))
                let data: [UInt8] = [0x17] + Array("relay to relay".utf8)
                try await rig.send(a, data)
                #expect(await rig.wait(b, timeout: .seconds(3)) { $0.received.contains(data) })
                try await rig.send(b, data.reversed())
                #expect(await rig.wait(a, timeout: .seconds(3)) { $0.received.contains(data.reversed()) })
                await rig.closeAll()
            }
        }

        /// Relay to relay through one coturn (relay address 127.0.0.1 for both allocations): with
        /// `--allow-loopback-peers` coturn grants a permission for its own relay IP.
        @Test func relayToRelayOnOneCoturn() async throws {
            let coturn = try Coturn.started()
            defer { coturn.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let a = await rig.make(role: .controlling, configuration: try Self.relayConfiguration(coturn, transport: .udp, user: "a"))
                let b = await rig.make(role: .controlled, configuration: try Self.relayConfiguration(coturn, transport: .udp, user: "b"))
                try await Self.connect(rig, a, b)
                let aPair = try #require(await rig.log(a).selectedPair)
                let bPair = try #require(await rig.log(b).selectedPair)
                #expect(aPair.local.kind == .relayed && bPair.local.kind == .relayed)
                #expect(aPair.remote.address == bPair.local.address)
                #expect(bPair.remote.address == aPair.local.address)
                let data: [UInt8] = [0x17] + Array("same server".utf8)
                try await rig.send(a, data)
                #expect(await rig.wait(b, timeout: .seconds(3)) { $0.received.contains(data) })
                try await rig.send(b, data.reversed())
                #expect(await rig.wait(a, timeout: .seconds(3)) { $0.received.contains(data.reversed()) })
                await rig.closeAll()
            }
        }
    }
}
