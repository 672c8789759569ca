import TestSupport
import DataChannel
import EventLoop
import Foundation
import ICE
import ICETransport
import PeerConnection
import SDP
import Security
import Testing
import WireKit

extension PeerConnectionSuites {
    /// aiortc as the offering viewer (host candidates on 127.0.0.1) against our answering
    /// PeerConnection restricted to relayed candidates (RFC 8445 §5.1.1.2 with a relay-only
    /// policy) through coturn, reached over UDP, TCP and TLS (RFC 8656 §3.1).
    @Suite struct RelayViewerTests {
        static func relayConfiguration(_ coturn: CoturnServer, pki: TestPKI, transport: TransportProtocol) throws
            -> PeerConnectionConfiguration
        {
            var ice = ICEConfiguration()
            ice.policy = .relay
            var transportConfiguration = ICETransportConfiguration(
                ice: ice, localAddresses: [], turnServers: [try coturn.server(transport, user: "master")])
            transportConfiguration.tlsTrust = .caFile(pki.caFile)
            return PeerConnectionConfiguration(
                transport: transportConfiguration, dtlsContext: try DTLSContext(certificate: try DTLSCertificateCache.shared()))
        }

        @Test(arguments: [TransportProtocol.udp, .tcp, .tls])
        func hundredMessagesEachWayThroughTheRelay(transport: TransportProtocol) async throws {
            let pki = try TestPKI()
            defer { pki.remove() }
            let coturn = try CoturnServer.startedAcceptingConnections(tls: pki.serverIdentity)
            defer { coturn.stop() }
            let viewer = try ViewerProcess(arguments: ["--messages", "100", "--timeout", "20"])
            defer { viewer.stop() }
            try await withRig { rig in
                let line = try #require(
                    viewer.next(timeout: .seconds(20)) { $0["type"] as? String == "offer" },
                    "no offer from aiortc; its stderr:\n\(viewer.stderrText)")
                let started = monotonicNow()
                let offer = try SessionDescription(parsing: try #require(line["sdp"] as? String))
                let id = try await rig.makeAnswerer(offer: offer, try Self.relayConfiguration(coturn, pki: pki, transport: transport))
                try await rig.start(id)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.localDescription != nil })
                let answer = try #require(await rig.localDescription(id))
                // Only the relayed candidate, on coturn's relay address, is offered.
                let candidates = answer.media.flatMap(\.candidates)
                #expect(candidates.map(\.type) == [.relayed])
                #expect(candidates.first?.connectionAddress == "127.0.0.1")
                try viewer.send(["type": "answer", "sdp": answer.serialized()])

                let opened = await rig.wait(id, timeout: .seconds(10)) { !$0.openedChannels.isEmpty }
                let failure = await rig.failure(id)
                let context = "failure: \(String(describing: failure)); aiortc stderr:\n\(viewer.stderrText.suffix(4000))\n"
                    + "coturn:\n\(coturn.log.suffix(3000))"
                #expect(opened, "no channel over \(transport.rawValue); \(context)")
                let channel = try #require(await rig.log(id).openedChannels.first)
                print("relay over \(transport.rawValue): answer to open channel \(milliseconds(monotonicNow() - started)) ms")
                #expect(channel.parameters.label == "viewer")
                #expect(await rig.state(id) == .connected)
                let pair = try #require(await rig.selectedPair(id))
                #expect(pair.local.kind == .relayed)
                #expect(pair.local.relay == RelayID(0))
                #expect(pair.remote.kind == .host && pair.remote.address.ip == IPAddress("127.0.0.1"))

                try await exchangeHundredMessages(rig, id, on: channel.streamID)
                let report = try #require(
                    viewer.event("received", timeout: .seconds(10)), "aiortc stderr:\n\(viewer.stderrText.suffix(4000))")
                #expect(report["count"] as? Int == 100)
                #expect(report["ok"] as? Bool == true, "aiortc found: \(report["errors"] ?? "")")

                let stats = try #require(await rig.statistics(id))
                let pairStats = try #require(stats.candidatePair)
                let local = try #require(stats.localCandidates.first { $0.id == pairStats.localCandidateId })
                #expect(local.candidateType == "relay")
                #expect(pairStats.state == "succeeded")
                // Checks through the relay both ways, with their round trips (W3C RTCIceCandidatePairStats).
                print("relay over \(transport.rawValue): pair stats \(pairStats)")
                #expect(pairStats.requestsSent >= 1 && pairStats.responsesReceived >= 1)
                #expect(pairStats.requestsReceived >= 1 && pairStats.responsesSent == pairStats.requestsReceived)
                #expect(pairStats.currentRoundTripTime != nil && pairStats.totalRoundTripTime > 0)
                #expect(stats.iceServers.map(\.protocol) == [transport.rawValue])
                #expect(stats.dataChannels.first { $0.label == "viewer" }.map { $0.messagesReceived == 100 && $0.messagesSent == 100 } == true)

                try viewer.send(["type": "close"])
                #expect(viewer.event("done", timeout: .seconds(10)) != nil)
                await rig.closeAll()
            }
        }
    }
}
