import Glibc
import WireKit

#if KVS_GSTREAMER
import Media
#endif

/// The benchmark's input: 10 s of 1080p30 H.264 at about 4 Mbit/s, as access units in Annex-B form.
///
/// It is encoded once with GStreamer (videotestsrc + x264enc) and cached on disk, because encoding
/// 1080p on a small machine takes longer than the measurement itself. Without GStreamer a
/// synthetic clip with the same frame sizes is used, and the output says so.
struct EncodedClip {
    var accessUnits: [[UInt8]]
    var source: String

    var totalBytes: Int { accessUnits.reduce(0) { $0 + $1.count } }

    static let pipeline =
        "videotestsrc num-buffers=300 pattern=smpte ! video/x-raw,width=1920,height=1080,framerate=30/1 "
        + "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=4000 key-int-max=60 "
        + "! video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline ! appsink name=sink"

    static func load(cachePath: String) -> EncodedClip {
        if let cached = readCache(cachePath) { return EncodedClip(accessUnits: cached, source: "cached x264enc clip (\(cachePath))") }
        #if KVS_GSTREAMER
        do {
            let p = try AppSinkPipeline(description: pipeline, sinkName: "sink")
            var units: [[UInt8]] = []
            while let sample = try p.pull(timeoutNanoseconds: 60_000_000_000) { units.append(sample.data) }
            if units.count == 300 {
                writeCache(cachePath, units)
                return EncodedClip(accessUnits: units, source: "x264enc 1920x1080 30 fps 4000 kbit/s, 300 frames")
            }
            printError("kvsbench: GStreamer produced \(units.count) frames instead of 300; using a synthetic clip")
        } catch {
            printError("kvsbench: could not encode with GStreamer (\(error)); using a synthetic clip")
        }
        #endif
        return synthetic()
    }

    /// 300 frames: an IDR (SPS + PPS + 60 KB slice) every 60 frames, P slices of ~15 KB between,
    /// which is 4 Mbit/s at 30 fps.
    static func synthetic() -> EncodedClip {
        var rng = SplitMix64(seed: 4_000_000)
        var units: [[UInt8]] = []
        for i in 0..<300 {
            var au: [UInt8] = []
            if i % 60 == 0 {
                au += [0, 0, 0, 1, 0x67] + rng.bytes(14) + [0, 0, 0, 1, 0x68] + rng.bytes(4)
                au += [0, 0, 0, 1, 0x65] + rng.bytes(60_000).map { $0 | 1 }
            } else {
                au += [0, 0, 0, 1, 0x41] + rng.bytes(15_500).map { $0 | 1 }
            }
            units.append(au)
        }
        return EncodedClip(accessUnits: units, source: "synthetic clip (GStreamer not available)")
    }

    // Cache format: a sequence of (UInt32 big-endian length, access unit).
    private static func readCache(_ path: String) -> [[UInt8]]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        var reader = ByteReader(bytes)
        var units: [[UInt8]] = []
        while !reader.isAtEnd {
            guard let length = try? reader.readU32(), let unit = try? reader.readArray(Int(length)) else { return nil }
            units.append(unit)
        }
        return units.count == 300 ? units : nil
    }

    private static func writeCache(_ path: String, _ units: [[UInt8]]) {
        var w = ByteWriter()
        for u in units {
            w.writeU32(UInt32(u.count))
            w.writeBytes(u)
        }
        guard let f = fopen(path, "wb") else { return }
        _ = w.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
