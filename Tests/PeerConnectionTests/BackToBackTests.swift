import DataChannel
import EventLoop
import ICE
import PeerConnection
import SDP
import Security
import Testing
import WireKit

/// Message `i` of a side's known pattern: text for even indices, binary for odd ones.
func patternMessage(_ prefix: String, _ i: Int) -> (data: [UInt8], isBinary: Bool) {
    if i % 2 == 0 { return (Array("\(prefix)-\(i)-".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: i), false) }
    return ([UInt8(i & 0xFF)] + (0..<(i * 7)).map { UInt8(truncatingIfNeeded: i &* 13 &+ $0) }, true)
}

/// An RTP packet (RFC 3550 §5.1): V=2, PT 96, the given sequence number, a payload pattern.
func rtpPacket(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 160) -> [UInt8] {
    var writer = ByteWriter()
    writer.writeU8(0x80)
    writer.writeU8(96)
    writer.writeU16(sequence)
    writer.writeU32(UInt32(sequence) &* 3000)
    writer.writeU32(ssrc)
    writer.writeBytes((0..<payloadLength).map { UInt8(truncatingIfNeeded: Int(sequence) &+ $0) })
    return writer.bytes
}

/// An RTCP receiver report with no blocks (RFC 3550 §6.4.2).
func rtcpReceiverReport(ssrc: UInt32) -> [UInt8] {
    [0x80, 201, 0x00, 0x01] + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
}

/// Two of our connections on one loop: one offers, the other answers.
struct BackToBack {
    let rig: PeerRig
    let offerer: Int
    let answerer: Int

    /// Connects them with trickle ICE; `tamper` may alter the offer before the answerer sees it.
    static func connect(
        rig: PeerRig, trickle: Bool = true, video: Bool = true, contexts: (DTLSContext, DTLSContext)? = nil,
        ice: (inout ICEConfiguration) -> Void = { _ in },
        tamper: (inout SessionDescription) -> Void = { _ in }
    ) async throws -> BackToBack {
        var offererConfiguration = try loopbackConfiguration(certificate: try DTLSCertificate.generate(), trickle: trickle, video: video)
        var answererConfiguration = try loopbackConfiguration(certificate: try DTLSCertificate.generate())
        ice(&offererConfiguration.transport.ice)
        ice(&answererConfiguration.transport.ice)
        if let contexts {
            offererConfiguration.dtlsContext = contexts.0
            answererConfiguration.dtlsContext = contexts.1
        }
        let offerer = await rig.makeOfferer(offererConfiguration)
        try await rig.start(offerer)
        #expect(await rig.wait(offerer, timeout: .seconds(5)) { $0.localDescription != nil })
        var offer = try #require(await rig.log(offerer).localDescription)
        // What goes over signaling is text.
        offer = try SessionDescription(parsing: offer.serialized())
        tamper(&offer)
        let answerer = try await rig.makeAnswerer(offer: offer, answererConfiguration)
        try await rig.start(answerer)
        #expect(await rig.wait(answerer, timeout: .seconds(5)) { $0.localDescription != nil })
        let answer = try SessionDescription(parsing: try #require(await rig.log(answerer).localDescription).serialized())
        try await rig.setAnswer(offerer, answer)
        await rig.link(offerer, answerer)
        return BackToBack(rig: rig, offerer: offerer, answerer: answerer)
    }

    func waitConnected(timeout: Duration = .seconds(10)) async -> Bool {
        let a = await rig.wait(offerer, timeout: timeout) { $0.states.contains(.connected) }
        let b = await rig.wait(answerer, timeout: timeout) { $0.states.contains(.connected) }
        return a && b
    }
}

extension PeerConnectionSuites {
    @Suite struct BackToBackTests {
        @Test func answerIsBundledWithOurTransportAttributes() async throws {
            try await withRig { rig in
                let pair = try await BackToBack.connect(rig: rig)
                let offer = try #require(await rig.localDescription(pair.offerer))
                let answer = try #require(await rig.localDescription(pair.answerer))
                #expect(offer.media.map(\.type) == [.video, .application])
                #expect(answer.bundleGroups.first?.mids == ["0", "1"])
                #expect(answer.media.map(\.mid) == ["0", "1"])
                for media in answer.media {
                    #expect(media.setup == .active)
                    #expect(media.iceOptions == ["trickle"])
                    #expect(media.fingerprints.first?.hashFunction == "sha-256")
                    #expect(media.fingerprints.first?.bytes.count == 32)
                    #expect(media.iceUfrag != nil && media.icePwd != nil)
                }
                let video = answer.media[0]
                #expect(video.direction == .recvonly)
                #expect(video.rtcpMux)
                #expect(video.rtpMaps.map(\.encodingName) == ["H264"])
                #expect(video.formats == ["102"])
                let application = answer.media[1]
                #expect(application.proto == "UDP/DTLS/SCTP")
                #expect(application.sctpPort == 5000)
                #expect(application.maxMessageSize == 262_144)
                await rig.closeAll()
            }
        }

        @Test func dataChannelsSRTPAndStatistics() async throws {
            try await withRig { rig in
                let pair = try await BackToBack.connect(rig: rig)
                let (a, b) = (pair.offerer, pair.answerer)
                let connected = await pair.waitConnected()
                let states = "\(await rig.log(a).states) / \(await rig.log(b).states)"
                #expect(connected, "states: \(states)")
                #expect(await rig.selectedPair(b)?.remote.address.ip == IPAddress("127.0.0.1"))

                // A channel opened by the offerer; the answerer sees it open.
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.events.contains(.dataChannelTransportReady) })
                let channel = try await rig.open(a, DataChannelParameters(label: "chat", protocolName: "kvs"))
                let openedAtB = await rig.wait(b, timeout: .seconds(5)) { !$0.openedChannels.isEmpty }
                #expect(openedAtB)
                let info = try #require(await rig.log(b).openedChannels.first)
                #expect(info.streamID == channel)
                #expect(info.parameters.label == "chat" && info.parameters.protocolName == "kvs")
                #expect(await rig.wait(a, timeout: .seconds(5)) { !$0.openedChannels.isEmpty })

                for i in 0..<100 {
                    let (data, binary) = patternMessage("offerer", i)
                    try await rig.send(a, data, on: channel, isBinary: binary)
                    let (reply, replyBinary) = patternMessage("answerer", i)
                    try await rig.send(b, reply, on: channel, isBinary: replyBinary)
                }
                #expect(await rig.wait(b, timeout: .seconds(10)) { $0.messages(on: channel).count >= 100 })
                #expect(await rig.wait(a, timeout: .seconds(10)) { $0.messages(on: channel).count >= 100 })
                let atB = await rig.log(b).messages(on: channel)
                let atA = await rig.log(a).messages(on: channel)
                #expect(atB.count == 100 && atA.count == 100)
                for i in 0..<min(100, atB.count, atA.count) {
                    let expectedB = patternMessage("offerer", i)
                    #expect(atB[i].data == expectedB.data && atB[i].isBinary == expectedB.isBinary, "message \(i) at the answerer")
                    let expectedA = patternMessage("answerer", i)
                    #expect(atA[i].data == expectedA.data && atA[i].isBinary == expectedA.isBinary, "message \(i) at the offerer")
                }

                // SRTP both ways, exact bytes after unprotect.
                await rig.captureWire(b)
                for sequence in UInt16(1)...20 {
                    try await rig.sendRTP(a, rtpPacket(sequence: sequence))
                    try await rig.sendRTP(b, rtpPacket(sequence: sequence, ssrc: 0xCAFE_0001))
                }
                try await rig.sendRTCP(a, rtcpReceiverReport(ssrc: 0x1234_5678))
                #expect(await rig.wait(b, timeout: .seconds(5)) { $0.rtp.count >= 20 && $0.rtcp.count >= 1 })
                #expect(await rig.wait(a, timeout: .seconds(5)) { $0.rtp.count >= 20 })
                #expect(await rig.log(b).rtp == (UInt16(1)...20).map { rtpPacket(sequence: $0) })
                #expect(await rig.log(a).rtp == (UInt16(1)...20).map { rtpPacket(sequence: $0, ssrc: 0xCAFE_0001) })
                #expect(await rig.log(b).rtcp == [rtcpReceiverReport(ssrc: 0x1234_5678)])

                // Replay a captured SRTP packet, and send a tampered copy of another: both rejected and counted.
                let wire = await rig.log(b).wire.filter { Demultiplexer.classify($0) == .rtp }
                #expect(wire.count == 20)
                let captured = try #require(wire.first)
                #expect(captured != rtpPacket(sequence: 1), "SRTP on the wire differs from the plain packet")
                try await rig.sendRaw(a, captured)
                var tampered = try #require(wire.last)
                tampered[2] = 0x00
                tampered[3] = 21  // new sequence number, so it is no replay: authentication fails
                tampered[tampered.count - 20] ^= 0x01
                try await rig.sendRaw(a, tampered)
                try await rig.sendRTP(a, rtpPacket(sequence: 22))
                #expect(await rig.wait(b, timeout: .seconds(5)) { $0.rtp.count >= 21 })
                let after = await rig.log(b).rtp
                #expect(after.count == 21 && after.last == rtpPacket(sequence: 22))
                let stats = try #require(await rig.statistics(b))
                #expect(stats.transport.packetsFailedDecryption == 2)
                #expect(stats.transport.replaysRejected == 1)
                #expect(stats.transport.rtpPacketsReceived == 21)
                #expect(stats.transport.rtcpPacketsReceived == 1)
                #expect(stats.transport.dtlsState == "connected")
                #expect(stats.transport.srtpCipher != nil)
                #expect(stats.state == .connected)
                let pairStats = try #require(stats.candidatePair)
                #expect(pairStats.state == "succeeded" && pairStats.nominated)
                #expect(pairStats.bytesReceived > 0 && pairStats.bytesSent > 0)
                #expect(stats.localCandidates.contains { $0.id == pairStats.localCandidateId && $0.address == "127.0.0.1" && $0.candidateType == "host" })
                #expect(stats.remoteCandidates.contains { $0.id == pairStats.remoteCandidateId })
                let channelStats = try #require(stats.dataChannels.first)
                #expect(channelStats.label == "chat" && channelStats.protocol == "kvs" && channelStats.state == "open")
                #expect(channelStats.messagesReceived == 100 && channelStats.messagesSent == 100)
                let sentBytes = (0..<100).reduce(0) { $0 + patternMessage("answerer", $1).data.count }
                let receivedBytes = (0..<100).reduce(0) { $0 + patternMessage("offerer", $1).data.count }
                #expect(channelStats.bytesSent == sentBytes && channelStats.bytesReceived == receivedBytes)

                // Closing one side: the other learns from close_notify and closes too.
                await rig.close(a)
                #expect(await rig.state(a) == .closed)
                #expect(await rig.wait(b, timeout: .seconds(5)) { $0.states.last == .closed })
                await rig.closeAll()
            }
        }

        /// A peer that vanishes (no close_notify) takes us through `disconnected` to `failed`
        /// as consent expires (RFC 7675 §5.1), with short consent timers.
        @Test func vanishedPeerGoesDisconnectedThenFailed() async throws {
            try await withRig { rig in
                let pair = try await BackToBack.connect(rig: rig, video: false) { ice in
                    ice.consentInterval = .milliseconds(200)
                    ice.disconnectedTimeout = .milliseconds(800)
                    ice.consentTimeout = .seconds(2)
                }
                #expect(await pair.waitConnected())
                await rig.silence(pair.offerer)
                let failed = await rig.wait(pair.answerer, timeout: .seconds(10)) { $0.states.last == .failed }
                let states = await rig.log(pair.answerer).states
                #expect(failed, "states: \(states)")
                #expect(Array(states.suffix(3)) == [.connected, .disconnected, .failed])
                let failure = try #require(await rig.failure(pair.answerer))
                #expect(failure.description.hasPrefix("ICE failed"))
                #expect(await rig.statistics(pair.answerer)?.transport.dtlsState == "connected")
            }
        }

        @Test func wrongFingerprintFailsTheConnection() async throws {
            try await withRig { rig in
                let pair = try await BackToBack.connect(rig: rig, tamper: { offer in
                    for index in offer.media.indices {
                        var media = offer.media[index]
                        var fingerprints = media.fingerprints
                        for f in fingerprints.indices { fingerprints[f].bytes[0] ^= 0xFF }
                        media.fingerprints = fingerprints
                        offer.media[index] = media
                    }
                })
                let failed = await rig.wait(pair.answerer, timeout: .seconds(10)) { $0.states.contains(.failed) }
                let states = await rig.log(pair.answerer).states
                #expect(failed, "states: \(states)")
                let failure = try #require(await rig.failure(pair.answerer))
                #expect(failure.isFingerprintMismatch)
                #expect(failure.description == "DTLS failed: the remote certificate does not match the remote description's a=fingerprint (sha-256)")
                #expect(await rig.log(pair.answerer).states.contains(.connected) == false)
                #expect(await rig.statistics(pair.answerer)?.transport.dtlsState == "failed")
                await rig.closeAll()
            }
        }
    }
}
