#if KVS_GSTREAMER
import CGStreamer
import Synchronization

/// Owns a parsed GStreamer pipeline, its appsinks and encoders; sets it to NULL and unrefs
/// everything on ``shutdown()`` / deinit. Callbacks reach Swift through retained contexts that
/// GStreamer releases when the elements are freed.
final class GStreamerPipelineHandle: @unchecked Sendable {
    private let pipeline: UnsafeMutablePointer<GstElement>
    private let videoSink: UnsafeMutablePointer<GstElement>?
    let videoEncoder: UnsafeMutablePointer<GstElement>?
    private let audioEncoder: UnsafeMutablePointer<GstElement>?
    private let isShutDown = Mutex(false)

    init(description: String, videoCodec: MediaCodec?, audioCodec: MediaCodec?, dispatcher: FrameDispatcher)
        throws(MediaSourceError)
    {
        var error: UnsafeMutablePointer<GError>? = nil
        let parsed = gst_parse_launch(description, &error)
        if let error {
            let message = String(cString: error.pointee.message)
            let missing = kvs_gst_parse_error_is_missing_element(error) != 0
            g_error_free(error)
            if let parsed { kvs_gst_object_unref(UnsafeMutableRawPointer(parsed)) }
            if missing { throw .unavailable("GStreamer: \(message)") }
            throw .invalidConfiguration("invalid GStreamer pipeline description: \(message)")
        }
        guard let parsed else { throw .invalidConfiguration("invalid GStreamer pipeline description: nothing parsed") }
        guard kvs_gst_is_pipeline(UnsafeMutableRawPointer(parsed)) != 0 else {
            kvs_gst_object_unref(UnsafeMutableRawPointer(parsed))
            throw .invalidConfiguration("the GStreamer description is a single element, not a pipeline ending in appsinks")
        }
        let bin = UnsafeMutableRawPointer(parsed).assumingMemoryBound(to: GstBin.self)
        func element(_ name: String) -> UnsafeMutablePointer<GstElement>? { gst_bin_get_by_name(bin, name) }
        func unrefAll(_ elements: [UnsafeMutablePointer<GstElement>?]) {
            for case let e? in elements { kvs_gst_object_unref(UnsafeMutableRawPointer(e)) }
        }
        var sinks: [(MediaCodec, UnsafeMutablePointer<GstElement>)] = []
        for (codec, sinkName) in [(videoCodec, "video"), (audioCodec, "audio")] {
            guard let codec else { continue }
            guard let sink = element(sinkName), kvs_gst_is_app_sink(UnsafeMutableRawPointer(sink)) != 0 else {
                unrefAll(sinks.map(\.1) + [parsed])
                throw .invalidConfiguration(
                    "the GStreamer pipeline has no appsink named '\(sinkName)' (needed for \(codec) \(codec.kind.rawValue))")
            }
            sinks.append((codec, sink))
        }
        pipeline = parsed
        videoSink = sinks.first { $0.0.kind == .video }?.1
        let audioSink = sinks.first { $0.0.kind == .audio }?.1
        videoEncoder = videoCodec == nil ? nil : element("venc")
        audioEncoder = audioCodec == nil ? nil : element("aenc")
        for (codec, sink) in sinks { Self.configure(sink, codec: codec, dispatcher: dispatcher) }
        if let audioSink { kvs_gst_object_unref(UnsafeMutableRawPointer(audioSink)) }
        let bus = gst_element_get_bus(parsed)
        gst_bus_set_sync_handler(
            bus, Self.busHandler, Unmanaged.passRetained(dispatcher).toOpaque(),
            { raw in if let raw { Unmanaged<FrameDispatcher>.fromOpaque(raw).release() } })
        kvs_gst_object_unref(UnsafeMutableRawPointer(bus))
    }

    private static func configure(_ sink: UnsafeMutablePointer<GstElement>, codec: MediaCodec, dispatcher: FrameDispatcher) {
        let raw = UnsafeMutableRawPointer(sink)
        kvs_g_object_set_bool(raw, "sync", 0)
        kvs_g_object_set_bool(raw, "drop", 1)
        kvs_g_object_set_uint(raw, "max-buffers", codec.kind == .video ? 8 : 16)
        kvs_g_object_set_bool(raw, "emit-signals", 0)
        if let caps = gst_caps_from_string(GStreamerSource.sinkCaps(codec)) {
            kvs_g_object_set_pointer(raw, "caps", UnsafeMutableRawPointer(caps))
            kvs_gst_caps_unref(caps)
        }
        let context = SinkContext(dispatcher: dispatcher, codec: codec)
        kvs_gst_app_sink_set_new_sample(
            raw.assumingMemoryBound(to: GstAppSink.self), Self.newSample, Unmanaged.passRetained(context).toOpaque(),
            { raw in if let raw { Unmanaged<SinkContext>.fromOpaque(raw).release() } })
    }

    /// Returns a failure text, or nil once the pipeline is going to PLAYING.
    func play() -> String? {
        if gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE {
            return "state change to PLAYING failed"
        }
        return nil
    }

    func setPlaying(_ playing: Bool) {
        isShutDown.withLock { down in
            guard !down else { return }
            gst_element_set_state(pipeline, playing ? GST_STATE_PLAYING : GST_STATE_PAUSED)
        }
    }

    var isPlaying: Bool {
        var current = GST_STATE_NULL
        var pending = GST_STATE_VOID_PENDING
        gst_element_get_state(pipeline, &current, &pending, 0)
        return pending == GST_STATE_PLAYING || (pending == GST_STATE_VOID_PENDING && current == GST_STATE_PLAYING)
    }

    func forceKeyUnit() {
        guard let videoSink, let event = kvs_gst_force_key_unit_event() else { return }
        gst_element_send_event(videoSink, event)
    }

    func setVideoBitrate(_ bitsPerSecond: Int) {
        guard let videoEncoder else { return }
        switch factoryName(videoEncoder) {
        case "x264enc", "x265enc":
            kvs_g_object_set_uint(UnsafeMutableRawPointer(videoEncoder), "bitrate", UInt32(clamping: max(bitsPerSecond / 1000, 1)))
        default:
            break
        }
    }

    var videoBitrate: Int? {
        guard let videoEncoder else { return nil }
        switch factoryName(videoEncoder) {
        case "x264enc", "x265enc": return Int(kvs_g_object_get_uint(UnsafeMutableRawPointer(videoEncoder), "bitrate")) * 1000
        default: return nil
        }
    }

    func setAudioBitrate(_ bitsPerSecond: Int) {
        guard let audioEncoder, factoryName(audioEncoder) == "opusenc" else { return }
        kvs_g_object_set_int(UnsafeMutableRawPointer(audioEncoder), "bitrate", Int32(min(max(bitsPerSecond, 4000), 650_000)))
    }

    var audioBitrate: Int? {
        guard let audioEncoder, factoryName(audioEncoder) == "opusenc" else { return nil }
        return Int(kvs_g_object_get_int(UnsafeMutableRawPointer(audioEncoder), "bitrate"))
    }

    private func factoryName(_ element: UnsafeMutablePointer<GstElement>) -> String? {
        kvs_gst_element_factory_name(element).map { String(cString: $0) }
    }

    /// Stops the pipeline; GStreamer joins its streaming threads before this returns.
    func shutdown() { isShutDown.stopOnce(pipeline) }

    deinit {
        shutdown()
        for case let e? in [videoSink, videoEncoder, audioEncoder] { kvs_gst_object_unref(UnsafeMutableRawPointer(e)) }
        kvs_gst_object_unref(UnsafeMutableRawPointer(pipeline))
    }

    // MARK: C callbacks

    private static let newSample: kvs_new_sample_fn = { sink, userData in
        guard let sink, let userData else { return GST_FLOW_OK }
        let context = Unmanaged<SinkContext>.fromOpaque(userData).takeUnretainedValue()
        guard let sample = gst_app_sink_pull_sample(sink) else { return GST_FLOW_OK }
        defer { kvs_gst_sample_unref(sample) }
        context.dispatcher.handle(sample, codec: context.codec)
        return GST_FLOW_OK
    }

    private static let busHandler: GstBusSyncHandler = { _, message, userData in
        guard let message, let userData else { return GST_BUS_DROP }
        let dispatcher = Unmanaged<FrameDispatcher>.fromOpaque(userData).takeUnretainedValue()
        switch kvs_gst_message_type(message) {
        case GST_MESSAGE_ERROR:
            var error: UnsafeMutablePointer<GError>? = nil
            var debug: UnsafeMutablePointer<gchar>? = nil
            gst_message_parse_error(message, &error, &debug)
            var text = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            if let error { g_error_free(error) }
            if let debug {
                // "streaming stopped, reason not-negotiated (-4)" says more than "Internal data stream error".
                let details = String(cString: debug)
                g_free(debug)
                let words = details.split { $0 == " " || $0 == "\n" }
                if let i = words.firstIndex(of: "reason"), i + 1 < words.count {
                    let reason = words[i + 1]
                    text += " (\(reason))"
                    if reason == "not-negotiated" { text += "; the appsinks accept only the configured codecs' caps" }
                }
            }
            let source = kvs_gst_object_name(kvs_gst_message_src(message).map { UnsafeMutableRawPointer($0) })
                .map { String(cString: $0) } ?? "pipeline"
            dispatcher.report(.failed("GStreamer error from element '\(source)': \(text)"))
        case GST_MESSAGE_EOS:
            dispatcher.report(.endOfStream)
        default:
            break
        }
        return GST_BUS_DROP
    }
}

/// What an appsink callback needs: where frames go and which codec the sink carries.
final class SinkContext: Sendable {
    let dispatcher: FrameDispatcher
    let codec: MediaCodec
    init(dispatcher: FrameDispatcher, codec: MediaCodec) {
        self.dispatcher = dispatcher
        self.codec = codec
    }
}

/// A pipeline's shut-down flag: set to NULL once (which joins GStreamer's streaming threads),
/// after which state changes are refused.
extension Mutex where Value == Bool {
    func stopOnce(_ pipeline: UnsafeMutablePointer<GstElement>) {
        withLock { down in
            guard !down else { return }
            down = true
            gst_element_set_state(pipeline, GST_STATE_NULL)
        }
    }
}
#endif
