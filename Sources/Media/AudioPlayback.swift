#if KVS_GSTREAMER
import CGStreamer
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Plays a viewer's audio (Opus packets per RFC 7587, or G.711 per RFC 3551, already
/// unprotected and depacketized) through GStreamer: appsrc → decoder → audioconvert →
/// audioresample → a sink (autoaudiosink unless told otherwise).
///
/// ``push(_:timestamp:)`` is thread-safe and never blocks: the appsrc queue is bounded and
/// drops the oldest packets when the sink falls behind.
public final class AudioPlayback: Sendable {
    private struct Timing {
        var first: Duration?
        var base: UInt64 = 0
        var last: Duration?
        var ended: MediaSourceEnd?
        var stopped = false
    }

    public let codec: MediaCodec
    public let pipelineDescription: String
    private let handle: PlaybackHandle
    private let timing: Mutex<Timing>

    /// `sink`: a gst-launch fragment for the output, e.g. "autoaudiosink", "alsasink device=hw:0",
    /// "filesink location=/tmp/out.raw".
    public init(codec: MediaCodec, sink: String = "autoaudiosink", maxQueuedPackets: Int = 50) throws(MediaSourceError) {
        let caps: String
        let decoder: String
        switch codec {
        case .opus: (caps, decoder) = ("audio/x-opus,channel-mapping-family=0,channels=2,rate=48000", "opusdec plc=true")
        case .pcmu: (caps, decoder) = ("audio/x-mulaw,rate=8000,channels=1", "mulawdec")
        case .pcma: (caps, decoder) = ("audio/x-alaw,rate=8000,channels=1", "alawdec")
        default: throw .invalidConfiguration("audio playback: \(codec) is not an audio codec")
        }
        do {
            try GStreamerLibrary.initialize()
        } catch {
            throw .unavailable(error.description)
        }
        let decoderName = String(decoder.prefix { $0 != " " })
        for element in ["appsrc", decoderName, "audioconvert", "audioresample"] where !GStreamerLibrary.hasElement(element) {
            throw .unavailable("audio playback: " + GStreamerSource.missingElementMessage(element))
        }
        self.codec = codec
        self.pipelineDescription =
            "appsrc name=src format=time is-live=true max-buffers=\(max(maxQueuedPackets, 1)) leaky-type=downstream block=false "
            + "! \(decoder) ! audioconvert ! audioresample ! \(sink)"
        self.handle = try PlaybackHandle(description: pipelineDescription, caps: caps)
        self.timing = Mutex(Timing())
    }

    /// Queues one packet. `timestamp` is its media time (RTP timestamp / clock rate); packets
    /// are played at the pipeline's running time when the first one arrived plus that offset.
    public func push(_ payload: [UInt8], timestamp: Duration) {
        guard !payload.isEmpty else { return }
        let pts = timing.withLock { t -> UInt64? in
            guard !t.stopped else { return nil }
            if let last = t.last, timestamp <= last { return nil }
            t.last = timestamp
            guard let first = t.first else {
                t.first = timestamp
                t.base = handle.runningTime
                return t.base
            }
            let (s, atto) = (timestamp - first).components
            return t.base &+ UInt64(s) &* 1_000_000_000 &+ UInt64(atto / 1_000_000_000)
        }
        guard let pts else { return }
        handle.push(payload, pts: pts)
    }

    /// Sends end-of-stream and waits until the sink has played everything (or `timeout`).
    /// Returns true when the sink reached the end.
    public func finish(timeout: Duration = .seconds(10)) -> Bool {
        handle.endOfStream()
        // The bus handler signals when the pipeline reaches its end; no polling.
        guard handle.waitForEnd(timeout: .now() + .nanoseconds(Int(max(0, timeout.nanoseconds)))) else { return false }
        return handle.end == .endOfStream
    }

    /// The error that stopped playback, if any.
    public var failure: String? {
        if case .failed(let message)? = handle.end { return message }
        return nil
    }

    public func stop() {
        timing.withLock { $0.stopped = true }
        handle.shutdown()
    }

    deinit { stop() }
}

/// Owns the playback pipeline and its appsrc.
final class PlaybackHandle: @unchecked Sendable {
    private let pipeline: UnsafeMutablePointer<GstElement>
    private let source: UnsafeMutablePointer<GstElement>
    private let endState: EndState
    private let isShutDown = Mutex(false)

    final class EndState: Sendable {
        let end = Mutex<MediaSourceEnd?>(nil)
        /// Signaled once, when `end` is first set.
        let reached = DispatchSemaphore(value: 0)

        func record(_ value: MediaSourceEnd) {
            let first = end.withLock { current -> Bool in
                guard current == nil else { return false }
                current = value
                return true
            }
            if first { reached.signal() }
        }
    }

    init(description: String, caps: String) throws(MediaSourceError) {
        var error: UnsafeMutablePointer<GError>? = nil
        let parsed = gst_parse_launch(description, &error)
        if let error {
            let message = String(cString: error.pointee.message)
            g_error_free(error)
            if let parsed { kvs_gst_object_unref(UnsafeMutableRawPointer(parsed)) }
            throw .invalidConfiguration("audio playback pipeline: \(message)")
        }
        guard let parsed else { throw .invalidConfiguration("audio playback pipeline: nothing parsed") }
        let bin = UnsafeMutableRawPointer(parsed).assumingMemoryBound(to: GstBin.self)
        guard let source = gst_bin_get_by_name(bin, "src") else {
            kvs_gst_object_unref(UnsafeMutableRawPointer(parsed))
            throw .invalidConfiguration("audio playback pipeline: no appsrc")
        }
        if let gstCaps = gst_caps_from_string(caps) {
            kvs_g_object_set_pointer(UnsafeMutableRawPointer(source), "caps", UnsafeMutableRawPointer(gstCaps))
            kvs_gst_caps_unref(gstCaps)
        }
        pipeline = parsed
        self.source = source
        endState = EndState()
        let bus = gst_element_get_bus(parsed)
        gst_bus_set_sync_handler(
            bus, Self.busHandler, Unmanaged.passRetained(endState).toOpaque(),
            { raw in if let raw { Unmanaged<EndState>.fromOpaque(raw).release() } })
        kvs_gst_object_unref(UnsafeMutableRawPointer(bus))
        if gst_element_set_state(parsed, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE {
            let message = endState.end.withLock { $0?.description } ?? "state change to PLAYING failed"
            shutdown()
            throw .invalidConfiguration("audio playback pipeline did not start: \(message)")
        }
    }

    var end: MediaSourceEnd? { endState.end.withLock { $0 } }

    /// Waits until the pipeline reached end-of-stream or failed; false on timeout.
    func waitForEnd(timeout: DispatchTime) -> Bool {
        guard endState.reached.wait(timeout: timeout) == .success else { return false }
        endState.reached.signal()  // later waiters see it too
        return true
    }

    var runningTime: UInt64 {
        let t = gst_element_get_current_running_time(pipeline)
        return t == .max ? 0 : UInt64(t)
    }

    func push(_ payload: [UInt8], pts: UInt64) {
        guard let buffer = gst_buffer_new_allocate(nil, gsize(payload.count), nil) else { return }
        _ = payload.withUnsafeBytes { gst_buffer_fill(buffer, 0, $0.baseAddress, gsize($0.count)) }
        kvs_gst_buffer_set_pts(buffer, GstClockTime(pts))
        // Takes the buffer; with leaky-type=downstream a full queue drops its oldest packet.
        gst_app_src_push_buffer(UnsafeMutableRawPointer(source).assumingMemoryBound(to: GstAppSrc.self), buffer)
    }

    func endOfStream() {
        gst_app_src_end_of_stream(UnsafeMutableRawPointer(source).assumingMemoryBound(to: GstAppSrc.self))
    }

    func shutdown() { isShutDown.stopOnce(pipeline) }

    deinit {
        shutdown()
        kvs_gst_object_unref(UnsafeMutableRawPointer(source))
        kvs_gst_object_unref(UnsafeMutableRawPointer(pipeline))
    }

    private static let busHandler: GstBusSyncHandler = { _, message, userData in
        guard let message, let userData else { return GST_BUS_DROP }
        let state = Unmanaged<EndState>.fromOpaque(userData).takeUnretainedValue()
        switch kvs_gst_message_type(message) {
        case GST_MESSAGE_ERROR:
            var error: UnsafeMutablePointer<GError>? = nil
            gst_message_parse_error(message, &error, nil)
            let text = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            if let error { g_error_free(error) }
            state.record(.failed("audio playback: \(text)"))
        case GST_MESSAGE_EOS:
            state.record(.endOfStream)
        default:
            break
        }
        return GST_BUS_DROP
    }
}
#endif
