import TestSupport
import DataChannel
import EventLoop
import Foundation
import PeerConnection
import SDP
import Security
import Testing
import WireKit

/// What the viewer script sends as message `i` (aiortc_viewer.py `viewer_message`).
func viewerMessage(_ i: Int) -> (data: [UInt8], isBinary: Bool) {
    if i % 2 == 0 {
        return (Array(("viewer-" + threeDigits(i) + "-" + String(repeating: "v", count: i)).utf8), false)
    }
    return ([UInt8(i & 0xFF)] + (0..<(i * 3)).map { UInt8((i * 31 + $0) & 0xFF) }, true)
}

/// What the script expects from us as message `i` (aiortc_viewer.py `master_message`).
func masterMessage(_ i: Int) -> (data: [UInt8], isBinary: Bool) {
    if i % 2 == 0 {
        return (Array(("master-" + threeDigits(i) + "-" + String(repeating: "m", count: i * 2)).utf8), false)
    }
    return ([0xA5, UInt8(i & 0xFF)] + (0..<(i * 5)).map { UInt8((i * 17 + $0 * 3) & 0xFF) }, true)
}

/// The data-channel exchange every viewer test runs: waits for the viewer's 100 messages on
/// `streamID` and checks their contents and kinds in order, then sends our 100 back (the viewer
/// checks them against ``masterMessage(_:)``). Failures point at the calling test.
func exchangeHundredMessages(
    _ rig: PeerRig, _ id: Int, on streamID: UInt16, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    #expect(
        await rig.wait(id, timeout: .seconds(10)) { $0.messages(on: streamID).count >= 100 },
        sourceLocation: sourceLocation)
    let received = await rig.log(id).messages(on: streamID)
    #expect(received.count == 100, sourceLocation: sourceLocation)
    for (i, message) in received.prefix(100).enumerated() {
        let expected = viewerMessage(i)
        #expect(
            message.data == expected.data && message.isBinary == expected.isBinary, "viewer message \(i)",
            sourceLocation: sourceLocation)
    }
    for i in 0..<100 {
        let message = masterMessage(i)
        try await rig.send(id, message.data, on: streamID, isBinary: message.isBinary)
    }
}

private func threeDigits(_ i: Int) -> String {
    let text = String(i)
    return String(repeating: "0", count: max(0, 3 - text.count)) + text
}

extension PeerConnectionSuites {
    /// aiortc (PyPI `aiortc`, in the checkout's `.venv`) as the offering viewer against our
    /// answering PeerConnection, on loopback host candidates: ICE, DTLS, SCTP and DCEP all real.
    @Suite struct AiortcViewerTests {
        static let certificate: DTLSCertificate? = try? DTLSCertificate.generate()

        /// Reads aiortc's offer, answers it (non-trickle: the answer waits for gathering), and
        /// returns our connection's id and when the offer was read.
        static func answer(
            _ viewer: ViewerProcess, rig: PeerRig, tamper: (inout SessionDescription) -> Void = { _ in }
        ) async throws -> (id: Int, offerReceived: Instant) {
            let line = try #require(
                viewer.next(timeout: .seconds(20)) { $0["type"] as? String == "offer" },
                "no offer from aiortc; its stderr:\n\(viewer.stderrText)")
            let offerReceived = monotonicNow()
            var offer = try SessionDescription(parsing: try #require(line["sdp"] as? String))
            tamper(&offer)
            let id = try await rig.makeAnswerer(
                offer: offer, try loopbackConfiguration(certificate: try #require(certificate)))
            try await rig.start(id)
            #expect(await rig.wait(id, timeout: .seconds(5)) { $0.localDescription != nil })
            let answer = try #require(await rig.localDescription(id))
            try viewer.send(["type": "answer", "sdp": answer.serialized()])
            return (id, offerReceived)
        }

        @Test func hundredMessagesEachWayAndAChannelWeOpen() async throws {
            let viewer = try ViewerProcess(arguments: ["--messages", "100", "--video", "--sctp-log"])
            defer { viewer.stop() }
            try await withRig { rig in
                let (id, _) = try await Self.answer(viewer, rig: rig)
                let answer = try #require(await rig.localDescription(id))
                #expect(answer.media.map(\.mid) == ["0", "1"])
                #expect(answer.media[0].direction == .inactive)  // aiortc's video is recvonly
                #expect(answer.media[0].rtpMaps.first?.encodingName == "H264")
                #expect(answer.media[1].candidates.isEmpty && answer.media[0].candidates.count == 1)
                #expect(answer.media[0].endOfCandidates)

                let opened = await rig.wait(id, timeout: .seconds(10)) { !$0.openedChannels.isEmpty }
                let failure = await rig.failure(id)
                #expect(opened, "no channel opened; failure: \(String(describing: failure)); aiortc stderr:\n\(viewer.stderrText.suffix(6000))")
                let channel = try #require(await rig.log(id).openedChannels.first)
                #expect(channel.parameters.label == "viewer")
                #expect(channel.origin == .remote)
                #expect(await rig.state(id) == .connected)

                // The viewer's 100 messages checked in order, then ours back for aiortc to check.
                try await exchangeHundredMessages(rig, id, on: channel.streamID)
                let report = try #require(viewer.event("received", timeout: .seconds(10)), "aiortc stderr:\n\(viewer.stderrText.suffix(6000))")
                #expect(report["count"] as? Int == 100)
                #expect(report["ok"] as? Bool == true, "aiortc found: \(report["errors"] ?? "")")

                // A channel opened by us: aiortc announces it and echoes what we send.
                let ours = try await rig.open(id, DataChannelParameters(label: "master-opened", protocolName: "kvs-test"))
                let opening = monotonicNow()
                let announced = viewer.event("remoteChannel", timeout: .seconds(15))
                let announcing = monotonicNow() - opening
                if announcing > .seconds(2) { print("slow: aiortc announced our channel after \(milliseconds(announcing)) ms") }
                let sctp = await rig.sctpStatistics(id)
                let channels = await rig.dataChannels(id)
                let remote = try #require(
                    announced,
                    "aiortc did not see our channel \(ours); channels \(channels); SCTP \(String(describing: sctp)); aiortc stderr:\n\(viewer.stderrText.suffix(6000))")
                #expect(remote["label"] as? String == "master-opened")
                #expect(remote["protocol"] as? String == "kvs-test")
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.openedChannels.contains { $0.streamID == ours } })
                try await rig.send(id, Array("ping-1".utf8), on: ours, isBinary: false)
                try await rig.send(id, [0, 1, 2, 255], on: ours, isBinary: true)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.messages(on: ours).count >= 2 })
                let echoes = await rig.log(id).messages(on: ours)
                #expect(echoes.count == 2)
                #expect(echoes.first.map { $0.data == Array("echo:ping-1".utf8) && !$0.isBinary } == true)
                #expect(echoes.last.map { $0.data == Array("echo:".utf8) + [0, 1, 2, 255] && $0.isBinary } == true)

                let stats = try #require(await rig.statistics(id))
                let viewerChannel = try #require(stats.dataChannels.first { $0.label == "viewer" })
                #expect(viewerChannel.messagesReceived == 100 && viewerChannel.messagesSent == 100)
                #expect(stats.candidatePair?.state == "succeeded")
                #expect(stats.transport.dtlsState == "connected")

                try viewer.send(["type": "close"])
                #expect(viewer.event("done", timeout: .seconds(10)) != nil)
                await rig.closeAll()
            }
        }

        @Test func alteredOfferFingerprintFailsOurSide() async throws {
            let viewer = try ViewerProcess(arguments: ["--connect-only", "--timeout", "8"])
            defer { viewer.stop() }
            try await withRig { rig in
                let (id, _) = try await Self.answer(viewer, rig: rig) { offer in
                    for index in offer.media.indices {
                        var media = offer.media[index]
                        media.fingerprints = media.fingerprints.map { fingerprint in
                            var altered = fingerprint
                            altered.bytes[altered.bytes.count - 1] ^= 0x5A
                            return altered
                        }
                        offer.media[index] = media
                    }
                }
                let failed = await rig.wait(id, timeout: .seconds(10)) { $0.states.contains(.failed) }
                let states = await rig.log(id).states
                #expect(failed, "states: \(states)")
                let failure = try #require(await rig.failure(id))
                #expect(failure.isFingerprintMismatch)
                // aiortc offers sha-256, sha-384 and sha-512; the strongest is checked.
                #expect(failure.description.contains("does not match the remote description's a=fingerprint (sha-512)"))
                #expect(!states.contains(.connected))
                #expect(await rig.log(id).openedChannels.isEmpty)
                await rig.closeAll()
            }
        }

        /// Offer read → DTLS connected → data channel open, over 20 aiortc runs (numbers printed).
        @Test func connectLatencyOverTwentyRuns() async throws {
            let runs = 20
            let viewer = try ViewerProcess(arguments: ["--runs", String(runs), "--connect-only"])
            defer { viewer.stop() }
            try await withRig { rig in
                var iceTimes: [Duration] = []
                var dtlsTimes: [Duration] = []
                var openTimes: [Duration] = []
                var dtlsAfterICE: [Duration] = []
                for _ in 0..<runs {
                    let (id, offerReceived) = try await Self.answer(viewer, rig: rig)
                    let opened = await rig.wait(id, timeout: .seconds(10)) { !$0.openedChannels.isEmpty }
                    #expect(opened)
                    let timeline = try #require(await rig.timeline(id))
                    if let ice = timeline.iceConnected, let dtls = timeline.dtlsConnected, let open = timeline.firstDataChannelOpen {
                        iceTimes.append(ice - offerReceived)
                        dtlsTimes.append(dtls - offerReceived)
                        openTimes.append(open - offerReceived)
                        dtlsAfterICE.append(dtls - ice)
                    }
                    _ = viewer.event("done", timeout: .seconds(10))
                    await rig.drop(id)
                }
                #expect(openTimes.count == runs)
                print(
                    "measure: aiortc viewer, \(openTimes.count) runs, p50 from offer received: ICE connected "
                        + "\(milliseconds(median(iceTimes))) ms, DTLS connected \(milliseconds(median(dtlsTimes))) ms, "
                        + "data channel open \(milliseconds(median(openTimes))) ms; DTLS after ICE p50 "
                        + "\(milliseconds(median(dtlsAfterICE))) ms")
                await rig.closeAll()
            }
        }
    }
}
