import CKVSShims
import KVSCrypto
import RTP
import Security

#if KVS_GSTREAMER
import Media
#endif

extension SelfCheck {
    func checkMedia() -> [CheckResult] {
        #if KVS_GSTREAMER
        do {
            try GStreamerLibrary.initialize()
        } catch {
            return [CheckResult(.failed, "GStreamer", "\(error)")]
        }
        var results = [CheckResult(.ok, "GStreamer", GStreamerLibrary.version)]
        let missing = ["videotestsrc", "x264enc", "appsink"].filter { !GStreamerLibrary.hasElement($0) }
        guard missing.isEmpty else {
            results.append(
                CheckResult(
                    .failed, "GStreamer",
                    "missing elements: \(missing.joined(separator: ", ")) (install gstreamer1.0-plugins-base and -ugly)"))
            return results
        }
        results += captureAndStream()
        return results
        #else
        return [CheckResult(.skipped, "GStreamer", "this build has no GStreamer support (built with --disable-default-traits)")]
        #endif
    }

    #if KVS_GSTREAMER
    /// Captures H.264 from videotestsrc, packetizes it (RFC 6184), SRTP-protects each packet, then
    /// unprotects and depacketizes it as a viewer would and compares with what the encoder produced.
    func captureAndStream() -> [CheckResult] {
        let description =
            "videotestsrc num-buffers=\(frames) pattern=ball ! video/x-raw,width=\(width),height=\(height),framerate=30/1 "
            + "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=2000 "
            + "! video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline ! appsink name=sink"
        var accessUnits: [[UInt8]] = []
        var keyframes = 0
        do {
            let pipeline = try AppSinkPipeline(description: description, sinkName: "sink")
            while let sample = try pipeline.pull(timeoutNanoseconds: 30_000_000_000) {
                accessUnits.append(sample.data)
                if sample.isKeyframe { keyframes += 1 }
            }
        } catch {
            return [CheckResult(.failed, "capture", "\(error)")]
        }
        guard accessUnits.count == frames else {
            return [CheckResult(.failed, "capture", "expected \(frames) access units from x264enc, got \(accessUnits.count)")]
        }
        let bytes = accessUnits.reduce(0) { $0 + $1.count }
        var results = [
            CheckResult(
                .ok, "capture",
                "\(frames) H.264 access units (\(keyframes) keyframes), \(width)x\(height) from videotestsrc + x264enc, \(bytes / 1024) KiB")
        ]
        do {
            results += try streamThroughRTPAndSRTP(accessUnits)
        } catch {
            results.append(CheckResult(.failed, "SRTP", "\(error)"))
        }
        return results
    }

    private func streamThroughRTPAndSRTP(_ accessUnits: [[UInt8]]) throws -> [CheckResult] {
        let key = try Crypto.randomBytes(16)
        let salt = try Crypto.randomBytes(14)
        let sender = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .outbound)
        let receiver = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .inbound)
        var packetizer = H264Packetizer(ssrc: UInt32.random(in: 1...UInt32.max), payloadType: 102)
        var depacketizer = H264Depacketizer()
        var kinds = (single: 0, stapA: 0, fuA: 0)
        var packets = 0
        var maxSize = 0
        var protectFailures = 0
        var received: [[UInt8]] = []
        var timestamp: UInt32 = 0
        var wire: [[UInt8]] = []
        let start = kvs_monotonic_nanoseconds()
        for au in accessUnits {
            packetizer.packetize(accessUnit: au, rtpTimestamp: timestamp) { packet in
                packets += 1
                switch packet[12] & 0x1F {
                case 24: kinds.stapA += 1
                case 28: kinds.fuA += 1
                default: kinds.single += 1
                }
                do {
                    try sender.protectRTP(&packet)
                    maxSize = max(maxSize, packet.count)
                    wire.append(packet)
                } catch {
                    protectFailures += 1
                }
            }
            timestamp &+= 3000
        }
        let elapsed = kvs_monotonic_nanoseconds() - start
        var unprotectFailures = 0
        for var packet in wire {
            do {
                try receiver.unprotectRTP(&packet)
                if let frame = depacketizer.push(try RTPPacket(parsing: packet)) { received.append(frame.data) }
            } catch {
                unprotectFailures += 1
            }
        }
        var results: [CheckResult] = []
        results.append(
            CheckResult(
                protectFailures == 0 ? .ok : .failed, "RTP + SRTP",
                "\(packets) packets (\(kinds.single) single NAL, \(kinds.stapA) STAP-A, \(kinds.fuA) FU-A), "
                    + "largest \(maxSize) bytes protected, \(elapsed / UInt64(max(packets, 1))) ns per packet"))
        let identical = received.count == accessUnits.count
            && zip(received, accessUnits).allSatisfy { AnnexB.nalUnits(in: $0).elementsEqual(AnnexB.nalUnits(in: $1)) }
        results.append(
            CheckResult(
                identical && unprotectFailures == 0 ? .ok : .failed, "round trip",
                "unprotected and depacketized \(received.count)/\(accessUnits.count) access units, "
                    + (identical ? "identical to the encoder's output" : "DIFFERENT from the encoder's output")
                    + (unprotectFailures > 0 ? ", \(unprotectFailures) packets failed" : "")))
        return results
    }
    #endif
}
