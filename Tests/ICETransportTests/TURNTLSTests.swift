import EventLoop
import ICE
import ICETransport
import SDP
import TURN
import Testing
import WireKit

extension ICETransportSuites {
    /// TURN over TLS (`turns:`, RFC 8656 §3.1) against coturn started with a certificate from a
    /// throwaway CA: the chain and the server name are verified, a failure fails that relay.
    @Suite struct TURNTLSTests {
        static func tlsConfiguration(_ coturn: Coturn, trust: TLSTrustStore, serverName: String?, user: String) throws
            -> ICETransportConfiguration
        {
            var ice = ICEConfiguration()
            ice.policy = .relay
            let server = ICETURNServer(
                address: try #require(coturn.tlsAddress), transport: .tls, credentials: try coturn.credentials(user: user),
                serverName: serverName)
            var configuration = ICETransportConfiguration(ice: ice, localAddresses: [], turnServers: [server])
            configuration.tlsTrust = trust
            return configuration
        }

        /// Allocation, permission, channel bind, data both ways and deallocation, all inside TLS;
        /// the certificate is checked by DNS name (with SNI) and by IP address.
        @Test(arguments: [TestPKI.serverName, nil])
        func relayToHostOverTLS(serverName: String?) async throws {
            let pki = try TestPKI()
            defer { pki.remove() }
            let coturn = try Coturn.started(tls: pki.serverIdentity)
            defer { coturn.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let a = await rig.make(
                    role: .controlling,
                    configuration: try Self.tlsConfiguration(coturn, trust: .caFile(pki.caFile), serverName: serverName, user: "a"))
                let b = await rig.make(role: .controlled, configuration: CoturnRelayTests.hostConfiguration)
                try await CoturnRelayTests.connect(rig, a, b)

                let aLog = await rig.log(a)
                let started = try #require(await rig.startedAt(a))
                let relayTime = try #require(aLog.time { if case .localCandidate(let c) = $0 { c.type == .relayed } else { false } })
                print("time to a relay candidate over TLS with coturn on loopback: \(milliseconds(relayTime - started)) ms")
                let candidates = await rig.candidates(a)
                #expect(candidates.map(\.type) == [.relayed])
                #expect(candidates.first?.connectionAddress == "127.0.0.1")
                let bHost = try #require(await rig.hostAddresses(b).first)
                let pair = try #require(aLog.selectedPair)
                #expect(pair.local.kind == .relayed && pair.remote.address == bHost)
                #expect(aLog.events.contains(.relay(RelayID(0), .permissionCreated(bHost.ip))))
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.events.contains { event in
                    if case .relay(_, .channelBound(let peer, _)) = event { peer == bHost } else { false }
                } })

                let ping: [UInt8] = [0x17, 0xFE, 0xFD] + Array("ping inside TLS".utf8)
                let pong: [UInt8] = [0x80, 0x60] + Array("pong inside TLS".utf8)
                try await rig.send(a, ping)
                #expect(await rig.wait(b, timeout: .seconds(3)) { $0.received.contains(ping) })
                try await rig.send(b, pong)
                #expect(await rig.wait(a, timeout: .seconds(3)) { $0.received.contains(pong) })
                #expect(await rig.log(b).received == [ping])
                #expect(await rig.log(a).received == [pong])
                #expect(!(await rig.log(a).events.contains { if case .relayUnavailable = $0 { true } else { false } }))

                // Deallocation goes out inside TLS; coturn logs the allocation's end.
                await rig.close(a)
                #expect(await rig.turnClient(a)?.phase == .deallocating)
                await rig.closeAll()
            }
            // coturn writes its log asynchronously: give it a moment under load.
            var log = coturn.log
            for _ in 0..<50 where !log.contains("TLS") {
                try await Task.sleep(for: .milliseconds(100))
                log = coturn.log
            }
            #expect(log.contains("TLS"), "coturn log:\n\(log.suffix(3000))")
        }

        static func verificationFailure(trust: @escaping (TestPKI) -> TLSTrustStore, serverName: String) async throws
            -> [ICETransportEvent]
        {
            let pki = try TestPKI()
            defer { pki.remove() }
            let coturn = try Coturn.started(tls: pki.serverIdentity)
            defer { coturn.stop() }
            return try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let a = await rig.make(
                    role: .controlling,
                    configuration: try Self.tlsConfiguration(coturn, trust: trust(pki), serverName: serverName, user: "a"))
                try await rig.start(a)
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.gatheringDone })
                #expect(await rig.candidates(a).isEmpty)
                let events = await rig.log(a).events
                await rig.closeAll()
                return events
            }
        }

        @Test func certificateFromAnotherCAFailsTheRelay() async throws {
            let events = try await Self.verificationFailure(trust: { .caFile($0.otherCAFile) }, serverName: TestPKI.serverName)
            let error = ICETransportError.tls(.certificateVerification("unable to get local issuer certificate"))
            #expect(events.contains(.relayUnavailable(RelayID(0), error)), "events: \(events)")
            print("wrong CA: \(error)")
        }

        @Test func hostNameMismatchFailsTheRelay() async throws {
            let events = try await Self.verificationFailure(trust: { .caFile($0.caFile) }, serverName: "other.test")
            let error = ICETransportError.tls(.certificateVerification("hostname mismatch (expected other.test)"))
            #expect(events.contains(.relayUnavailable(RelayID(0), error)), "events: \(events)")
            #expect(error.description == "TURN over TLS: TLS certificate verification failed: hostname mismatch (expected other.test)")
        }

        @Test func systemTrustDoesNotKnowTheTestCA() async throws {
            let events = try await Self.verificationFailure(trust: { _ in .system }, serverName: TestPKI.serverName)
            #expect(events.contains(.relayUnavailable(
                RelayID(0), .tls(.certificateVerification("unable to get local issuer certificate")))), "events: \(events)")
        }

        @Test func unreadableCAFileIsASetupError() async throws {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var ice = ICEConfiguration()
                ice.policy = .relay
                let server = ICETURNServer(
                    address: SocketAddress("127.0.0.1:5349")!, transport: .tls,
                    credentials: TURNCredentials(username: "1:u", password: "not-logged"), serverName: "turn.test")
                var configuration = ICETransportConfiguration(ice: ice, localAddresses: [], turnServers: [server])
                configuration.tlsTrust = .caFile("/nonexistent/ca.pem")
                let a = await rig.make(role: .controlling, configuration: configuration)
                try await rig.start(a)
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.gatheringDone })
                let events = await rig.log(a).events
                let failure = events.compactMap { event -> TLSStreamError? in
                    if case .relayUnavailable(_, .tls(let error)) = event { error } else { nil }
                }
                let setup = try #require(failure.first, "events: \(events)")
                guard case .setup(let text) = setup else {
                    Issue.record("expected a setup error, got \(setup)")
                    return
                }
                #expect(text.hasPrefix("cannot load CA file /nonexistent/ca.pem"))
                #expect(!events.description.contains("not-logged"))
                await rig.closeAll()
            }
        }

        /// `turns:` URIs as GetIceServerConfig returns them: the host becomes the name to verify.
        @Test func turnsURIBecomesATLSServer() throws {
            let credentials = TURNCredentials(username: "1:u", password: "p")
            let url = try #require(TURNServerURL("turns:127.0.0.1:443?transport=tcp"))
            let server = try #require(ICETURNServer(url: url, credentials: credentials))
            #expect(server.transport == .tls)
            #expect(server.address == SocketAddress("127.0.0.1:443")!)
            #expect(server.serverName == "127.0.0.1")
            let defaulted = try #require(TURNServerURL("turns:10.1.2.3"))
            #expect(defaulted.port == 5349 && defaulted.transport == .tls)
            #expect(TURNServerURL("turns:10.1.2.3?transport=udp") == nil)
        }

        /// What each GetIceServerConfig URI becomes: `turn:` alone is UDP then TCP.
        @Test func getIceServerConfigURIsExpand() throws {
            let credentials = TURNCredentials(username: "1:u", password: "p")
            let resolved = IPAddress("203.0.113.7")!
            let name = "1-2-3.t-4f3a.kinesisvideo.us-west-2.amazonaws.com"
            let plain = ICETURNServer.servers(uri: "turn:\(name):443", address: resolved, credentials: credentials)
            #expect(plain.map(\.transport) == [.udp, .tcp])
            #expect(plain.allSatisfy { $0.address == SocketAddress(ip: resolved, port: 443) && $0.serverName == nil })
            let udp = ICETURNServer.servers(uri: "turn:\(name):443?transport=udp", address: resolved, credentials: credentials)
            #expect(udp.map(\.transport) == [.udp])
            let tcp = ICETURNServer.servers(uri: "turn:\(name):443?transport=tcp", address: resolved, credentials: credentials)
            #expect(tcp.map(\.transport) == [.tcp])
            let tls = ICETURNServer.servers(uri: "turns:\(name):443?transport=tcp", address: resolved, credentials: credentials)
            #expect(tls.map(\.transport) == [.tls])
            #expect(tls.first?.serverName == name)
            #expect(tls.first?.address == SocketAddress(ip: resolved, port: 443))
            let literal = ICETURNServer.servers(uri: "turns:127.0.0.1", credentials: credentials)
            #expect(literal.first?.address == SocketAddress("127.0.0.1:5349")! && literal.first?.serverName == "127.0.0.1")
            #expect(ICETURNServer.servers(uri: "turn:\(name)", credentials: credentials).isEmpty)
            #expect(ICETURNServer.servers(uri: "stun:\(name)", address: resolved, credentials: credentials).isEmpty)
        }
    }
}
