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
            results.append(CheckResult(.failed, "GStreamer", "missing elements: \(missing.joined(separator: ", ")) (install gstreamer1.0-plugins-ugly/-base)"))
            return results
        }
        return results
        #else
        return [CheckResult(.skipped, "GStreamer", "this build has no GStreamer support (built with --disable-default-traits)")]
        #endif
    }
}
