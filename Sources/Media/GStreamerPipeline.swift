#if KVS_GSTREAMER
import CGStreamer

/// Errors from the GStreamer wrapper, with GStreamer's own message where it gave one.
public enum GStreamerError: Error, Equatable, Sendable, CustomStringConvertible {
    case initializationFailed(String)
    case invalidPipeline(String)
    case missingAppSink(String)
    case stateChangeFailed
    case streamError(String)

    public var description: String {
        switch self {
        case .initializationFailed(let m): "GStreamer could not be initialized: \(m)"
        case .invalidPipeline(let m): "invalid GStreamer pipeline: \(m)"
        case .missingAppSink(let name): "the pipeline has no appsink named '\(name)'"
        case .stateChangeFailed: "the GStreamer pipeline refused to start (see GStreamer's warnings above)"
        case .streamError(let m): "GStreamer stream error: \(m)"
        }
    }
}

/// Process-wide GStreamer initialization.
public enum GStreamerLibrary {
    private static let initResult: String? = {
        var error: UnsafeMutablePointer<GError>? = nil
        if gst_init_check(nil, nil, &error) == 0 {
            defer { g_error_free(error) }
            return error.map { String(cString: $0.pointee.message) } ?? "unknown error"
        }
        return nil
    }()

    public static func initialize() throws(GStreamerError) {
        if let message = initResult { throw .initializationFailed(message) }
    }

    /// e.g. "GStreamer 1.22.0".
    public static var version: String {
        guard let v = gst_version_string() else { return "GStreamer (unknown version)" }
        defer { g_free(v) }
        return String(cString: v)
    }

    /// Whether an element factory (e.g. "x264enc") is installed.
    public static func hasElement(_ name: String) -> Bool {
        guard let factory = gst_element_factory_find(name) else { return false }
        gst_object_unref(UnsafeMutableRawPointer(factory))
        return true
    }
}

/// One encoded buffer pulled from an appsink.
public struct EncodedSample: Sendable {
    public var data: [UInt8]
    /// Presentation time in nanoseconds, if the buffer carried one.
    public var presentationTime: UInt64?
    public var isKeyframe: Bool
}

/// A GStreamer pipeline built from a gst-launch description that ends in a named appsink.
/// Owns the pipeline and the sink and releases both (after stopping) in `deinit`.
public final class AppSinkPipeline {
    private let pipeline: UnsafeMutablePointer<GstElement>
    private let sink: UnsafeMutablePointer<GstElement>
    private let bus: UnsafeMutablePointer<GstBus>

    public init(description: String, sinkName: String) throws(GStreamerError) {
        try GStreamerLibrary.initialize()
        var error: UnsafeMutablePointer<GError>? = nil
        let element = gst_parse_launch(description, &error)
        if let error {
            let message = String(cString: error.pointee.message)
            g_error_free(error)
            if let element { kvs_gst_object_unref(UnsafeMutableRawPointer(element)) }
            throw .invalidPipeline(message)
        }
        guard let element else { throw .invalidPipeline("gst_parse_launch returned nothing") }
        let bin = UnsafeMutableRawPointer(element).assumingMemoryBound(to: GstBin.self)
        guard let sink = gst_bin_get_by_name(bin, sinkName) else {
            kvs_gst_object_unref(UnsafeMutableRawPointer(element))
            throw .missingAppSink(sinkName)
        }
        self.pipeline = element
        self.sink = sink
        self.bus = gst_element_get_bus(element)
        kvs_g_object_set_bool(UnsafeMutableRawPointer(sink), "sync", 0)
        if gst_element_set_state(element, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE {
            throw .stateChangeFailed
        }
    }

    /// The next sample, or nil at end of stream. Blocks up to `timeoutNanoseconds`.
    public func pull(timeoutNanoseconds: UInt64 = 5_000_000_000) throws(GStreamerError) -> EncodedSample? {
        let appsink = UnsafeMutableRawPointer(sink).assumingMemoryBound(to: GstAppSink.self)
        guard let sample = gst_app_sink_try_pull_sample(appsink, GstClockTime(timeoutNanoseconds)) else {
            if let message = busError() { throw .streamError(message) }
            return nil
        }
        defer { kvs_gst_sample_unref(sample) }
        guard let buffer = gst_sample_get_buffer(sample) else { return nil }
        var map = GstMapInfo()
        guard gst_buffer_map(buffer, &map, GST_MAP_READ) != 0 else { return nil }
        defer { gst_buffer_unmap(buffer, &map) }
        let data = Array(UnsafeBufferPointer(start: map.data, count: Int(map.size)))
        let pts = kvs_gst_buffer_pts(buffer)
        return EncodedSample(
            data: data, presentationTime: pts == .max ? nil : UInt64(pts),
            isKeyframe: kvs_gst_buffer_is_delta_unit(buffer) == 0)
    }

    private func busError() -> String? {
        guard let message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR) else { return nil }
        defer { kvs_gst_message_unref(message) }
        var error: UnsafeMutablePointer<GError>? = nil
        gst_message_parse_error(message, &error, nil)
        defer { if let error { g_error_free(error) } }
        return error.map { String(cString: $0.pointee.message) } ?? "unknown error"
    }

    deinit {
        gst_element_set_state(pipeline, GST_STATE_NULL)
        kvs_gst_object_unref(UnsafeMutableRawPointer(bus))
        kvs_gst_object_unref(UnsafeMutableRawPointer(sink))
        kvs_gst_object_unref(UnsafeMutableRawPointer(pipeline))
    }
}
#endif
