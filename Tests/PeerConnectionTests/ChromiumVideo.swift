import TestSupport
import EventLoop
import Foundation
import PeerConnection
import RTP
import SDP
import WireKit

/// A real H.264 stream for the browser to decode: 150 frames of `videotestsrc` at 320×240,
/// encoded by x264 (constrained baseline, an IDR every 30 frames so a viewer never waits long
/// for a keyframe), and the answer that sends it.
enum H264TestStream {
    static let gstLaunch = "/usr/bin/gst-launch-1.0"

    /// The stream's access units, each as its NAL units (no start codes).
    static func accessUnits() throws -> [[[UInt8]]] {
        guard FileManager.default.isExecutableFile(atPath: gstLaunch) else {
            throw ChromiumUnavailable(description: "\(gstLaunch) is missing: install the Debian packages 'gstreamer1.0-tools' "
                + "and 'gstreamer1.0-plugins-ugly' (x264enc).")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-h264-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("stream.h264").path
        let pipeline = "videotestsrc num-buffers=150 ! video/x-raw,width=320,height=240,framerate=30/1 "
            + "! x264enc tune=zerolatency key-int-max=30 "
            + "! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! filesink location=\(file)"
        let (status, output) = try runTool(gstLaunch, ["-q"] + pipeline.split(separator: " ").map(String.init))
        guard status == 0, let data = FileManager.default.contents(atPath: file) else {
            throw ChromiumCommandFailed(description: "gst-launch-1.0 failed (\(status)); is 'gstreamer1.0-plugins-ugly' "
                + "(x264enc) installed? \(output)")
        }
        return group(AnnexB.nalUnits(in: [UInt8](data)).map(Array.init))
    }

    /// Groups NAL units into access units (ITU-T H.264 §7.4.1.2.3): a unit that is not a slice
    /// after a slice, or a slice with `first_mb_in_slice` 0 (its first payload bit set), starts
    /// a new one.
    static func group(_ units: [[UInt8]]) -> [[[UInt8]]] {
        var frames: [[[UInt8]]] = []
        var current: [[UInt8]] = []
        var hasSlice = false
        for unit in units where !unit.isEmpty {
            let type = H264PayloadFormat.type(of: unit[0])
            let isSlice = type == 1 || type == 5
            let firstSliceOfPicture = isSlice && unit.count > 1 && unit[1] & 0x80 != 0
            if hasSlice && (!isSlice || firstSliceOfPicture) {
                frames.append(current)
                current = []
                hasSlice = false
            }
            current.append(unit)
            hasSlice = hasSlice || isSlice
        }
        if !current.isEmpty { frames.append(current) }
        return frames
    }

    /// Answers the offered video section with one H.264 payload type (packetization mode 1,
    /// constrained baseline preferred), `a=sendonly`, our SSRC and an msid; other RTP sections
    /// are rejected.
    static func answerer(ssrc: UInt32) -> MediaSectionAnswerer {
        MediaSectionAnswerer { offered, _ in
            guard offered.type == .video else { return nil }
            let h264 = offered.rtpMaps.filter { $0.hasEncodingName("H264") }
            func parameters(_ map: RTPMap) -> H264Parameters? {
                offered.formatParameters(for: map.payloadType).flatMap { try? H264Parameters($0) }
            }
            let preferred = h264.first {
                guard let p = parameters($0), p.packetizationMode == 1 else { return false }
                return p.profileLevelID.map { $0.profileIDC == 0x42 && $0.profileIOP == 0xE0 } ?? false
            } ?? h264.first { parameters($0)?.packetizationMode == 1 }
            guard let codec = preferred else { return nil }
            var media = MediaDescription(type: .video, proto: offered.proto, formats: [])
            media.direction = .sendonly
            if offered.rtcpReducedSize { media.rtcpReducedSize = true }
            let feedback = offered.rtcpFeedback(for: codec.payloadType).filter { $0.type == "nack" || $0.type == "ccm" }
            media.addCodec(codec, parameters: offered.formatParameters(for: codec.payloadType), feedback: feedback)
            media.append(SSRCAttribute(ssrc: ssrc, attribute: "cname", value: "x"))
            media.append(MSID(streamID: "kvs-camera", trackID: "video0"))
            return media
        }
    }
}

extension PeerRig {
    /// Sends `frames` (access units as NAL units) one every `interval` from loop timers, looping
    /// over them with a 90 kHz timestamp step of one frame at 30 fps, until `count` frames went
    /// out or the connection is gone.
    func streamVideo(
        _ id: Int, frames: [[[UInt8]]], packetizer: H264Packetizer, timestampBase: UInt32, interval: Duration, count: Int
    ) {
        guard !frames.isEmpty else { return }
        sendFrame(id, frames: frames, packetizer: packetizer, timestampBase: timestampBase, interval: interval, index: 0, count: count)
    }

    private func sendFrame(
        _ id: Int, frames: [[[UInt8]]], packetizer: H264Packetizer, timestampBase: UInt32, interval: Duration, index: Int,
        count: Int
    ) {
        var packetizer = packetizer
        let timestamp = timestampBase &+ UInt32(truncatingIfNeeded: index) &* 3000
        for packet in packetizer.packets(nalUnits: frames[index % frames.count], rtpTimestamp: timestamp) {
            do throws(PeerConnectionError) {
                try sendRTP(id, packet)
            } catch {
                if error == .closed { return }
            }
        }
        guard index + 1 < count else { return }
        loop.schedule(after: interval) { [weak self, packetizer] _ in
            self?.assumeIsolated {
                $0.sendFrame(
                    id, frames: frames, packetizer: packetizer, timestampBase: timestampBase, interval: interval,
                    index: index + 1, count: count)
            }
        }
    }
}
