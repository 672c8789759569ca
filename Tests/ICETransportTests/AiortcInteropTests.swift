import TestSupport
import EventLoop
import Foundation
import ICE
import ICETransport
import SDP
import Testing
import WireKit

extension ICETransportSuites {
    /// aiortc (PyPI `aiortc`, in the checkout's `.venv`) as the offering viewer against our
    /// answering, controlled ICETransport, on loopback host candidates. Only ICE is checked: DTLS
    /// fails afterwards until it is implemented.
    @Suite struct AiortcInteropTests {
        static func startPeer(runs: Int, video: Bool) throws -> LineProcess {
            guard FileManager.default.isExecutableFile(atPath: TestPaths.python.path) else {
                throw MissingTool(description: "aiortc's Python environment is missing (\(TestPaths.python.path)): run "
                    + "scripts/install-deps.sh --test in the checkout to create it.")
            }
            var arguments = [TestPaths.support.appendingPathComponent("aiortc_offerer.py").path, "--runs", String(runs)]
            if video { arguments.append("--video") }
            return try LineProcess(executable: TestPaths.python.path, arguments: arguments)
        }

        static var configuration: ICETransportConfiguration {
            var ice = ICEConfiguration()
            // Interop, not timing: a CPU-starved Python peer (CI builds in parallel on 2 cores) can
            // take seconds to answer, which must not fail the agent's 12 s default timeouts here.
            ice.connectivityCheckTimeout = .seconds(60)
            ice.nominationTimeout = .seconds(60)
            ice.includeLoopback = true
            return ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!])
        }

        struct RunResult {
            var aiortcState: String
            /// Offer read → aiortc reports completed/connected.
            var peerConnected: Duration
            /// Offer read → our transport reports connected.
            var ourConnected: Duration?
            var selected: ICESelectedPair?
        }

        /// One offer/answer exchange: read aiortc's offer, answer it with a fresh controlled
        /// transport (non-trickle: gathered first), wait for both sides.
        static func exchange(peer: LineProcess, rig: TransportRig) async throws -> RunResult {
            let offerLine = try #require(
                peer.readJSON(timeout: .seconds(20)) { $0["type"] as? String == "offer" },
                "no offer from aiortc; its stderr:\n\(peer.errorOutput)")
            let offerReceived = monotonicNow()
            let offer = try SessionDescription(parsing: try #require(offerLine["sdp"] as? String))
            let remote = try #require(RemoteICE(offer))
            #expect(remote.candidates.contains { $0.connectionAddress == "127.0.0.1" })

            let id = await rig.make(role: .controlled, configuration: configuration)
            try await rig.start(id)
            #expect(await rig.wait(id, timeout: .seconds(2)) { $0.gatheringDone })
            await rig.setRemote(id, credentials: remote.credentials, candidates: remote.candidates,
                                endOfCandidates: remote.endOfCandidates)
            let answer = InteropAnswer.make(
                offer: offer, credentials: try #require(await rig.credentials(id)), candidates: await rig.candidates(id))
            try peer.writeJSON(["type": "answer", "sdp": answer.serialized()])

            let state = peer.readJSON(timeout: .seconds(60)) { object in
                guard object["event"] as? String == "iceConnectionState" else { return object["event"] as? String == "done" }
                return ["completed", "connected", "failed"].contains(object["state"] as? String ?? "")
            }
            let peerConnected = monotonicNow() - offerReceived
            if ProcessInfo.processInfo.environment["ICE_TRACE"] != nil {
                let log = await rig.log(id)
                let peerT = (state?["t"] as? Double).map { $0 * 1e9 - Double(offerReceived.nanoseconds) } ?? -1
                print("trace: aiortc \(state ?? [:]) at +\(peerT / 1e6) ms")
                for entry in log { print("trace: +\(milliseconds(entry.time - offerReceived)) ms \(entry.kind)") }
            }
            let connected = await rig.wait(id, timeout: .seconds(30)) { $0.selectedPair != nil && $0.states.contains(.connected) }
            let log = await rig.log(id)
            let ours = log.time { $0 == .connectionStateChanged(.connected) }.map { $0 - offerReceived }
            #expect(connected, "our side did not connect: \(log.events)")
            // Let the script finish the run (it reports `done` and closes its peer connection).
            _ = peer.readJSON(timeout: .seconds(15)) { $0["event"] as? String == "done" }
            await rig.close(id)
            return RunResult(
                aiortcState: state?["state"] as? String ?? "none (stderr: \(peer.errorOutput.suffix(2000)))",
                peerConnected: peerConnected, ourConnected: ours, selected: log.selectedPair)
        }

        @Test func aiortcConnectsToOurAnswerWithDataChannelAndVideo() async throws {
            let peer = try Self.startPeer(runs: 1, video: true)
            defer { peer.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                let result = try await Self.exchange(peer: peer, rig: rig)
                #expect(["completed", "connected"].contains(result.aiortcState), "aiortc: \(result.aiortcState)")
                let pair = try #require(result.selected)
                #expect(pair.local.kind == .host)
                #expect(pair.local.address.ip == IPAddress("127.0.0.1"))
                #expect(pair.remote.address.ip == IPAddress("127.0.0.1"))
                await rig.closeAll()
            }
        }

        /// Offer received → ICE connected over 20 sessions with one aiortc process (its start-up
        /// is not part of the number). Prints the p50.
        @Test func offerToConnectedOverTwentyRuns() async throws {
            let runs = 20
            let peer = try Self.startPeer(runs: runs, video: false)
            defer { peer.stop() }
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var peerTimes: [Duration] = []
                var ourTimes: [Duration] = []
                for run in 0..<runs {
                    let result = try await Self.exchange(peer: peer, rig: rig)
                    #expect(["completed", "connected"].contains(result.aiortcState), "run \(run): \(result.aiortcState)")
                    peerTimes.append(result.peerConnected)
                    if let ours = result.ourConnected { ourTimes.append(ours) }
                }
                #expect(peerTimes.count == runs)
                #expect(ourTimes.count == runs)
                print(
                    "ICE interop with aiortc over \(runs) runs: offer → aiortc completed p50 "
                        + "\(milliseconds(median(peerTimes))) ms (max \(milliseconds(peerTimes.max() ?? .zero)) ms); "
                        + "offer → our connected p50 \(milliseconds(median(ourTimes))) ms")
                await rig.closeAll()
            }
        }
    }
}
