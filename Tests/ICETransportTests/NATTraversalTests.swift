import EventLoop
import Foundation
import ICE
import ICETransport
import SDP
import Testing
import WireKit

extension ICETransportSuites {
    /// Our transport behind a NAT made of network namespaces (iptables MASQUERADE), coturn
    /// outside as its STUN server, aiortc outside as the offering peer: the agent learns its
    /// mapped address (RFC 8445 §5.1.1.2) and ICE connects through the NAT, the host path being
    /// unreachable from outside.
    @Suite struct NATTraversalTests {
        @Test func serverReflexiveThroughMasqueradeAndAiortcConnects() async throws {
            let network = try NATNetwork()
            defer { network.remove() }
            let coturn = try Coturn(listening: network.outsideAddress, relay: network.outsideAddress,
                                    namespace: network.outside)
            defer { coturn.stop() }
            try coturn.waitUntilReady(from: network.insideAddress)

            guard FileManager.default.isExecutableFile(atPath: TestPaths.python.path) else {
                throw MissingTool(description: "aiortc's Python environment is missing (\(TestPaths.python.path)): "
                    + "run scripts/install-deps.sh --test in the checkout to create it.")
            }
            let script = TestPaths.support.appendingPathComponent("aiortc_offerer.py").path
            let peer = try LineProcess(
                executable: TestPaths.ip,
                arguments: network.outsideCommand([TestPaths.python.path, script, "--host", network.outsideAddress]))
            defer { peer.stop() }

            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var ice = ICEConfiguration()
                ice.stunServers = [coturn.address]
                let configuration = ICETransportConfiguration(ice: ice, localAddresses: [IPAddress(network.insideAddress)!])
                let offerLine = try #require(
                    peer.readJSON(timeout: .seconds(20)) { $0["type"] as? String == "offer" },
                    "no offer from aiortc: \(peer.errorOutput)")
                let offer = try SessionDescription(parsing: try #require(offerLine["sdp"] as? String))
                let remote = try #require(RemoteICE(offer))

                let id = await rig.make(role: .controlled, configuration: configuration)
                try await rig.start(id)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.gatheringDone })
                let candidates = await rig.candidates(id)
                let host = try #require(candidates.first { $0.type == .host })
                let reflexive = try #require(candidates.first { $0.type == .serverReflexive }, "\(candidates)")
                #expect(host.connectionAddress == network.insideAddress)
                #expect(reflexive.connectionAddress == network.publicAddress)
                #expect(reflexive.relatedAddress == network.insideAddress)
                #expect(reflexive.relatedPort == host.port)

                await rig.setRemote(id, credentials: remote.credentials, candidates: remote.candidates,
                                    endOfCandidates: remote.endOfCandidates)
                let answer = InteropAnswer.make(
                    offer: offer, credentials: try #require(await rig.credentials(id)), candidates: candidates)
                try peer.writeJSON(["type": "answer", "sdp": answer.serialized()])
                let state = peer.readJSON(timeout: .seconds(15)) { object in
                    ["completed", "connected", "failed"].contains(object["state"] as? String ?? "")
                }
                #expect(["completed", "connected"].contains(state?["state"] as? String ?? ""),
                        "aiortc: \(String(describing: state)) \(peer.errorOutput.suffix(2000))")
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.selectedPair != nil })
                let pair = try #require(await rig.log(id).selectedPair)
                #expect(pair.local.base.ip == IPAddress(network.insideAddress))
                #expect(pair.remote.address.ip == IPAddress(network.outsideAddress))
                await rig.closeAll()
            }
        }
    }
}
