#if KVS_GSTREAMER
    import EventLoop
    import Foundation
    import ICE
    import ICETransport
    import KVSMaster
    import Media
    import PeerConnection
    import SDP
    import Security
    import TestSupport
    import Testing
    import WireKit

    /// H.265: no browser here decodes it over WebRTC, so the viewer is our own offering
    /// PeerConnection (offering only H.265) and GStreamer (rtph265depay ! avdec_h265) decodes the
    /// RTP it receives from the master.
    @Suite(.serialized) struct MasterH265Tests {
        @Test func gstreamerDecodesTheH265TheMasterSends() throws {
            let source = try GStreamerSource(
                GStreamerSource.Settings(kind: .testsrc, videoCodec: .h265, audioCodec: nil, width: 320, height: 240, frameRate: 30))
            let harness = try MasterHarness(source: source) {
                $0.videoCodec = .h265
                $0.mode = .videoOnly
            }
            defer { harness.stop() }
            #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
            let viewer = try OfferingViewer()
            defer { viewer.close() }
            let offer = try #require(viewer.waitOffer(), "our offering viewer produced no offer")
            let h265Offer = Self.offeringOnlyH265(offer.serialized())
            try MasterLimitsTests.offer(harness, from: "h265-viewer", sdp: h265Offer)
            let (_, json) = try harness.emulator.admin("GET", "/viewer/h265-viewer/received?count=1&timeout=10")
            let message = try #require((json["messages"] as? [[String: Any]])?.first { $0["action"] as? String == "SDP_ANSWER" })
            let payload = try JSONSerialization.jsonObject(with: Data(base64Encoded: message["messagePayload"] as? String ?? "") ?? Data())
            let answerText = try #require((payload as? [String: Any])?["sdp"] as? String)
            #expect(answerText.contains("H265/90000"), "the answer does not carry H.265:\n\(answerText)")
            try viewer.setAnswer(try SessionDescription(parsing: answerText))
            #expect(poll(timeout: .seconds(20)) { viewer.packets.count > 300 }, "no H.265 RTP arrived:\n\(harness.logText.suffix(3000))")
            let packets = viewer.packets
            let payloadType = try #require(Self.payloadType(in: answerText))
            var pcap = PcapWriter()
            var time: UInt64 = 0
            for packet in packets where packet.count > 12 && packet[1] & 0x7F == payloadType {
                pcap.append(udpPayload: packet, timeNanoseconds: time)
                time += 1_000_000
            }
            let directory = try GStreamerOracle.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let input = directory.appendingPathComponent("h265.pcap")
            let output = directory.appendingPathComponent("decoded.yuv")
            try pcap.write(to: input.path)
            let decodedBytes = try GStreamerOracle.decode(
                pipeline: "filesrc location=\(input.path) ! pcapparse ! application/x-rtp,media=video,clock-rate=90000,"
                    + "encoding-name=H265,payload=\(payloadType) ! rtph265depay ! avdec_h265 max-threads=1 ! videoconvert "
                    + "! video/x-raw,format=I420 ! filesink location=\(output.path)",
                output: output)
            let frames = decodedBytes / (320 * 240 * 3 / 2)
            print("H.265: \(pcap.packetCount) RTP packets from the master, GStreamer decoded \(frames) frames of 320×240")
            #expect(frames >= 30)
        }

        /// The offer with its video section reduced to H.265 (payload type 96) and receive-only.
        static func offeringOnlyH265(_ sdp: String) -> String {
            var lines: [String] = []
            var inVideo = false
            for line in sdp.components(separatedBy: "\r\n") where !line.isEmpty {
                if line.hasPrefix("m=") { inVideo = line.hasPrefix("m=video") }
                guard inVideo else {
                    lines.append(line)
                    continue
                }
                if line.hasPrefix("m=video") {
                    let parts = line.split(separator: " ")
                    lines.append(parts.prefix(3).joined(separator: " ") + " 96")
                    lines.append(contentsOf: ["a=rtpmap:96 H265/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli"])
                } else if line.hasPrefix("a=rtpmap:") || line.hasPrefix("a=fmtp:") || line.hasPrefix("a=rtcp-fb:") {
                    continue
                } else if line == "a=sendrecv" {
                    lines.append("a=recvonly")
                } else {
                    lines.append(line)
                }
            }
            return lines.joined(separator: "\r\n") + "\r\n"
        }

        static func payloadType(in answer: String) -> UInt8? {
            for line in answer.components(separatedBy: "\r\n") where line.hasPrefix("a=rtpmap:") && line.contains("H265") {
                return UInt8(line.dropFirst("a=rtpmap:".count).prefix { $0 != " " })
            }
            return nil
        }
    }

    /// Our PeerConnection as an offering viewer on a loop of its own (non-trickle, loopback).
    final class OfferingViewer: @unchecked Sendable {
        let loop: EventLoop
        private var connection: PeerConnection?
        private let received = Locked<[[UInt8]]>([])
        private let offer = Locked<SessionDescription?>(nil)

        init() throws {
            loop = try EventLoop(name: "h265-viewer")
            let certificate = try DTLSCertificate.generate()
            var ice = ICEConfiguration()
            ice.includeLoopback = true
            let configuration = PeerConnectionConfiguration(
                transport: ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!]),
                dtlsContext: try DTLSContext(certificate: certificate), offerTrickle: false, offerVideo: true)
            let started = DispatchSemaphore(value: 0)
            loop.execute { [self] in
                let connection = PeerConnection(offeringWith: configuration, loop: loop)
                connection.onEvent = { [offer] event in
                    if case .localDescription(let description) = event { offer.update { $0 = description } }
                }
                connection.onRTP = { [received] packet in received.update { $0.append(packet) } }
                try? connection.start()
                self.connection = connection
                started.signal()
            }
            started.wait()
        }

        func waitOffer() -> SessionDescription? {
            _ = poll(timeout: .seconds(15)) { offer.value != nil }
            return offer.value
        }

        func setAnswer(_ answer: SessionDescription) throws {
            let done = DispatchSemaphore(value: 0)
            let failure = Locked<String?>(nil)
            loop.execute { [self] in
                do throws(PeerConnectionError) {
                    try connection?.setRemoteAnswer(answer)
                } catch {
                    failure.update { $0 = "\(error)" }
                }
                done.signal()
            }
            done.wait()
            if let message = failure.value { throw EmulatorProcess.Failure(description: "setRemoteAnswer: \(message)") }
        }

        var packets: [[UInt8]] { received.value }

        func close() {
            let done = DispatchSemaphore(value: 0)
            loop.execute { [self] in
                connection?.close()
                connection = nil
                done.signal()
            }
            done.wait()
            loop.stop()
            loop.join()
        }
    }
#endif
