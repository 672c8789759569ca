import TestSupport
import DataChannel
import EventLoop
import Foundation
import ICE
import ICETransport
import PeerConnection
import RTP
import SDP
import Security
import Testing
import WireKit

extension PeerConnectionSuites {
    /// Headless Chromium (Debian `chromium`) as the offering browser viewer against our answering
    /// PeerConnection. Chromium ignores loopback candidates, so it runs in a network namespace
    /// of its own, joined to ours by a veth pair; our side gathers on the veth address only.
    @Suite struct ChromiumViewerTests {
        static let certificate: DTLSCertificate? = try? DTLSCertificate.generate()

        static func configuration(_ network: VethNamespace, media: MediaSectionAnswerer? = nil) throws
            -> PeerConnectionConfiguration
        {
            var configuration = PeerConnectionConfiguration(
                transport: ICETransportConfiguration(localAddresses: [try #require(IPAddress(network.hostAddress))]),
                dtlsContext: try DTLSContext(certificate: try #require(certificate)))
            configuration.mediaAnswerer = media
            return configuration
        }

        /// Reads Chromium's offer, answers it and sends the answer. With `trickle` false the
        /// offer's `a=ice-options:trickle` is removed first, so our answer waits for gathering
        /// and carries its candidates (a non-trickle exchange both ways).
        static func answer(
            _ viewer: ChromiumViewer, rig: PeerRig, network: VethNamespace, trickle: Bool,
            media: MediaSectionAnswerer? = nil
        ) async throws -> (id: Int, offerReceived: Instant, mid: String) {
            let line = try #require(
                viewer.next(timeout: .seconds(20)) { $0["type"] as? String == "offer" }, "no offer; \(viewer.diagnostics)")
            let offerReceived = monotonicNow()
            var offer = try SessionDescription(parsing: try #require(line["sdp"] as? String))
            if !trickle {
                offer.iceOptions = []
                for index in offer.media.indices { offer.media[index].iceOptions = [] }
                #expect(offer.media.allSatisfy { !$0.candidates.isEmpty }, "the non-trickle offer carries its candidates")
                let candidates = offer.media.first?.candidates ?? []
                print("chromium (non-trickle): the offer's transport section carries \(candidates.count) candidates, "
                    + "\(candidates.filter { $0.transport.isTCP }.count) of them TCP")
            }
            let id = try await rig.makeAnswerer(offer: offer, try configuration(network, media: media))
            try await rig.start(id)
            #expect(await rig.wait(id, timeout: .seconds(5)) { $0.localDescription != nil })
            let answer = try #require(await rig.localDescription(id))
            try viewer.send(["type": "answer", "sdp": answer.serialized()])
            let mid = try #require(answer.media.first { $0.port != 0 }?.mid)
            return (id, offerReceived, mid)
        }

        /// Data channel "viewer": 100 messages each way, then a channel we open, echoed.
        func dataChannelSession(trickle: Bool) async throws {
            let network = try VethNamespace()
            defer { network.remove() }
            let viewer = try ChromiumViewer(in: network, arguments: (trickle ? ["--trickle"] : []) + ["--messages", "100"])
            defer { viewer.stop() }
            try await withRig { rig in
                let (id, offerReceived, mid) = try await Self.answer(viewer, rig: rig, network: network, trickle: trickle)
                var relay = CandidateRelay(mid: mid)
                let opened = try await relay.pump(viewer, rig: rig, id: id, timeout: .seconds(15)) { !$0.openedChannels.isEmpty }
                let failure = await rig.failure(id)
                try #require(opened, "no channel opened; failure: \(String(describing: failure)); \(viewer.diagnostics)")
                #expect(await rig.state(id) == .connected)
                let pair = try #require(await rig.selectedPair(id))
                print("chromium (\(trickle ? "trickle" : "non-trickle")): selected pair \(pair.local.kind) -> \(pair.remote.kind) "
                    + "(\(pair.local.address) -> \(pair.remote.address))")
                #expect(pair.local.kind == .host)
                #expect(pair.local.address.ip == IPAddress(network.hostAddress))
                if !trickle { #expect(relay.remoteCandidates == 0 && relay.localCandidates == 0) }
                let browserConnected = viewer.next(timeout: .seconds(5)) {
                    $0["event"] as? String == "connectionState" && $0["state"] as? String == "connected"
                }
                #expect(browserConnected != nil, "chromium never reported connected; \(viewer.diagnostics)")

                let channel = try #require(await rig.log(id).openedChannels.first)
                #expect(channel.parameters.label == "viewer")
                #expect(channel.origin == .remote)
                try await exchangeHundredMessages(rig, id, on: channel.streamID)
                let report = try #require(viewer.event("received", timeout: .seconds(10)), "\(viewer.diagnostics)")
                #expect(report["count"] as? Int == 100)
                #expect(report["ok"] as? Bool == true, "chromium found: \(report["errors"] ?? "")")

                // Candidates Chromium trickled after the channel opened (its TCP ones) reach us too.
                try await relay.relayPending(viewer, rig: rig, id: id)
                let answerCandidates = try #require(await rig.localDescription(id)).media.first?.candidates.count ?? 0
                print("chromium (\(trickle ? "trickle" : "non-trickle")): our answer carried \(answerCandidates) candidates; "
                    + "candidates from chromium \(relay.remoteCandidates), ours trickled \(relay.localCandidates)"
                    + (relay.endOfCandidatesSent ? " and end-of-candidates" : ""))

                let ours = try await rig.open(id, DataChannelParameters(label: "master-opened", protocolName: "kvs-test"))
                let announced = try #require(viewer.event("remoteChannel", timeout: .seconds(10)), "\(viewer.diagnostics)")
                #expect(announced["label"] as? String == "master-opened")
                #expect(announced["protocol"] as? String == "kvs-test")
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.openedChannels.contains { $0.streamID == ours } })
                try await rig.send(id, Array("ping-1".utf8), on: ours, isBinary: false)
                try await rig.send(id, [0, 1, 2, 255], on: ours, isBinary: true)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.messages(on: ours).count >= 2 })
                let echoes = await rig.log(id).messages(on: ours)
                #expect(echoes.first.map { $0.data == Array("echo:ping-1".utf8) && !$0.isBinary } == true)
                #expect(echoes.dropFirst().first.map { $0.data == Array("echo:".utf8) + [0, 1, 2, 255] && $0.isBinary } == true)

                let stats = try #require(await rig.statistics(id))
                let viewerChannel = try #require(stats.dataChannels.first { $0.label == "viewer" })
                #expect(viewerChannel.messagesReceived == 100 && viewerChannel.messagesSent == 100)
                #expect(stats.transport.dtlsState == "connected")
                if let timeline = await rig.timeline(id), let ice = timeline.iceConnected, let dtls = timeline.dtlsConnected,
                    let open = timeline.firstDataChannelOpen
                {
                    print("measure: chromium viewer (\(trickle ? "trickle" : "non-trickle")) from offer received: ICE connected "
                        + "\(milliseconds(ice - offerReceived)) ms, DTLS connected \(milliseconds(dtls - offerReceived)) ms, "
                        + "data channel open \(milliseconds(open - offerReceived)) ms")
                }
                try viewer.send(["type": "close"])
                #expect(viewer.event("done", timeout: .seconds(10)) != nil)
            }
        }

        @Test func trickleDataChannelHundredMessagesEachWay() async throws {
            try await dataChannelSession(trickle: true)
        }

        @Test func nonTrickleDataChannelHundredMessagesEachWay() async throws {
            try await dataChannelSession(trickle: false)
        }

        @Test func h264VideoIsDecoded() async throws {
            let frames = try H264TestStream.accessUnits()
            #expect(frames.count == 150)
            #expect(frames.first?.contains { H264PayloadFormat.type(of: $0.first ?? 0) == 5 } == true, "the stream starts with an IDR")
            let ssrc = UInt32.random(in: 1...UInt32.max)
            let network = try VethNamespace()
            defer { network.remove() }
            let viewer = try ChromiumViewer(
                in: network, arguments: ["--trickle", "--video", "--h264", "--messages", "0", "--stats-interval", "0.1"])
            defer { viewer.stop() }
            try await withRig { rig in
                let (id, offerReceived, mid) = try await Self.answer(
                    viewer, rig: rig, network: network, trickle: true, media: H264TestStream.answerer(ssrc: ssrc))
                let answer = try #require(await rig.localDescription(id))
                let video = try #require(answer.media.first { $0.type == .video && $0.port != 0 })
                #expect(video.direction == .sendonly)
                let codec = try #require(video.rtpMaps.first)
                #expect(codec.encodingName == "H264" && video.rtpMaps.count == 1)
                #expect(video.ssrcs == [ssrc])

                var relay = CandidateRelay(mid: mid)
                let connected = try await relay.pump(viewer, rig: rig, id: id, timeout: .seconds(15)) {
                    $0.states.contains(.connected)
                }
                let failure = await rig.failure(id)
                try #require(connected, "not connected; failure: \(String(describing: failure)); \(viewer.diagnostics)")
                let connectedAt = try #require(await rig.timeline(id)?.dtlsConnected)
                await rig.streamVideo(
                    id, frames: frames, packetizer: H264Packetizer(ssrc: ssrc, payloadType: codec.payloadType,
                        initialSequenceNumber: UInt16.random(in: 0...UInt16.max)),
                    timestampBase: UInt32.random(in: 0...UInt32.max), interval: .milliseconds(33), count: 600)

                let first = viewer.next(timeout: .seconds(10)) {
                    $0["event"] as? String == "stats" && ($0["framesDecoded"] as? Int ?? 0) > 0
                }
                let firstDecoded = monotonicNow()
                try #require(first != nil, "chromium decoded no frame within 10 s; \(viewer.diagnostics)")
                let settled = viewer.next(timeout: .seconds(5)) { ($0["framesDecoded"] as? Int ?? 0) >= 30 }
                let stats = try #require(settled, "fewer than 30 frames decoded; \(viewer.diagnostics)")
                #expect(stats["frameWidth"] as? Int == 320)
                #expect(stats["frameHeight"] as? Int == 240)
                #expect(stats["packetsLost"] as? Int == 0)
                let pair = stats["candidatePair"] as? [String: Any]
                let chromiumLocal = (pair?["local"] as? [String: Any])?["type"] as? String
                let chromiumRemote = (pair?["remote"] as? [String: Any])?["type"] as? String
                let ours = await rig.selectedPair(id)
                print("chromium video: \(stats["framesDecoded"] ?? 0) frames decoded (\(stats["codec"] ?? "?"), "
                    + "\(stats["decoder"] ?? "?")), \(stats["bytesReceived"] ?? 0) bytes, lost \(stats["packetsLost"] ?? 0), "
                    + "NACKs \(stats["nackCount"] ?? 0), PLIs \(stats["pliCount"] ?? 0); chromium's pair "
                    + "\(chromiumLocal ?? "?") -> \(chromiumRemote ?? "?"), ours \(ours.map { "\($0.local.kind) -> \($0.remote.kind)" } ?? "?")")
                #expect(chromiumRemote == "host")
                print("measure: chromium H.264 viewer from offer received: DTLS connected \(milliseconds(connectedAt - offerReceived)) ms, "
                    + "first decoded frame reported \(milliseconds(firstDecoded - offerReceived)) ms "
                    + "(\(milliseconds(firstDecoded - connectedAt)) ms after connected; getStats polled every 100 ms)")
                // The page with its <video> element showing the received track.
                let screenshot = viewer.directory.appendingPathComponent("frame.png").path
                try viewer.send(["type": "screenshot", "path": screenshot])
                let shot = try #require(viewer.event("screenshot", timeout: .seconds(5)), "\(viewer.diagnostics)")
                #expect(shot["error"] == nil, "screenshot: \(shot["error"] ?? "")")
                let png = FileManager.default.contents(atPath: screenshot) ?? Data()
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG at \(screenshot)")
                print("chromium video: screenshot \(png.count) bytes")
                if let keep = ProcessInfo.processInfo.environment["KVS_CHROMIUM_SCREENSHOT"] {
                    try? FileManager.default.removeItem(atPath: keep)
                    try? FileManager.default.copyItem(atPath: screenshot, toPath: keep)
                }
                let counters = try #require(await rig.statistics(id))
                print("chromium video: our side sent \(counters.transport.packetsSent) packets")
                try viewer.send(["type": "close"])
                #expect(viewer.event("done", timeout: .seconds(10)) != nil)
            }
        }
    }
}

/// Moves trickled candidates between Chromium (JSON lines) and our connection (the rig's log)
/// while waiting for a condition on our log. Only candidates of the BUNDLE transport's mid are
/// given to our side: Chromium also gathers for its other sections until the answer bundles them.
struct CandidateRelay {
    var mid: String
    private(set) var localCandidates = 0
    private(set) var remoteCandidates = 0
    private(set) var endOfCandidatesSent = false
    private var forwarded = 0

    init(mid: String) { self.mid = mid }

    /// Relays until `condition` holds for our log (true) or `timeout` passes (false).
    mutating func pump(
        _ viewer: ChromiumViewer, rig: PeerRig, id: Int, timeout: Duration,
        until condition: @escaping @Sendable ([PeerEntry]) -> Bool
    ) async throws -> Bool {
        let deadline = monotonicNow() + timeout
        while monotonicNow() < deadline {
            try await relayPending(viewer, rig: rig, id: id)
            if await rig.wait(id, timeout: .milliseconds(20), until: condition) {
                try await relayPending(viewer, rig: rig, id: id)
                return true
            }
        }
        return false
    }

    /// Relays what is pending now, both ways.
    mutating func relayPending(_ viewer: ChromiumViewer, rig: PeerRig, id: Int) async throws {
        let lines = viewer.take { ["candidate", "endOfCandidates"].contains($0["type"] as? String ?? "") }
        for line in lines {
            if line["type"] as? String == "endOfCandidates" {
                await rig.addRemoteEndOfCandidates(id)
                continue
            }
            guard line["sdpMid"] as? String == mid, let text = line["candidate"] as? String else { continue }
            await rig.addRemoteCandidate(id, try CandidateAttribute(parsing: text))
            remoteCandidates += 1
        }
        let events = await rig.log(id).events.filter {
            switch $0 {
            case .localCandidate, .endOfCandidates: true
            default: false
            }
        }
        for event in events.dropFirst(forwarded) {
            if case .localCandidate(let candidate, let mid) = event {
                try viewer.send(["type": "candidate", "candidate": candidate.description, "sdpMid": mid])
                localCandidates += 1
            } else {
                try viewer.send(["type": "endOfCandidates"])
                endOfCandidatesSent = true
            }
        }
        forwarded = events.count
    }
}
