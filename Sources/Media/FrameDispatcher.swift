#if KVS_GSTREAMER
import CGStreamer
import Synchronization

/// Turns appsink samples into ``MediaFrame``s (relative running-time timestamps, keyframe
/// flags, caps checks), applies the active/keyframe gate and forwards bus errors and EOS once.
/// Runs on GStreamer's streaming threads; all state is behind one lock.
final class FrameDispatcher: Sendable {
    private struct State {
        var active = true
        var awaitingKeyframe = true
        /// While `start()` runs, an error is held so that `start()` can throw instead.
        var starting = true
        var heldEnd: MediaSourceEnd?
        var baseRunningTime: UInt64?
        var lastTimestamp: [MediaCodec: Duration] = [:]
        var checkedCaps: Set<MediaCodec> = []
    }

    let pausesWhenIdle: Bool
    private let gate = CallbackGate()
    private let state = Mutex(State())

    init(pausesWhenIdle: Bool) { self.pausesWhenIdle = pausesWhenIdle }

    func open(deliver: @escaping @Sendable (MediaFrame) -> Void, onEnd: @escaping @Sendable (MediaSourceEnd) -> Void) {
        // A failed earlier start may have left an error and timing behind.
        state.withLock { s in
            let active = s.active
            s = State()
            s.active = active
        }
        gate.open(deliver: deliver, onEnd: onEnd)
    }

    func close() { gate.close() }

    /// The error GStreamer reported while `start()` ran, if any.
    var heldFailure: String? { state.withLock { s in s.heldEnd.map(\.description) } }

    func finishStarting() {
        let held = state.withLock { s -> MediaSourceEnd? in
            s.starting = false
            return s.heldEnd
        }
        if let held { gate.end(held) }
    }

    /// Returns whether the state changed.
    func setActive(_ active: Bool) -> Bool {
        state.withLock { s in
            guard s.active != active else { return false }
            s.active = active
            if active { s.awaitingKeyframe = true }
            return true
        }
    }

    func report(_ end: MediaSourceEnd) {
        let now = state.withLock { s -> MediaSourceEnd? in
            guard s.starting else { return end }
            if s.heldEnd == nil { s.heldEnd = end }
            return nil
        }
        if let now { gate.end(now) }
    }

    func handle(_ sample: OpaquePointer, codec: MediaCodec) {
        guard let buffer = gst_sample_get_buffer(sample) else { return }
        if let mismatch = capsMismatch(sample, codec: codec) {
            report(.failed(mismatch))
            return
        }
        let isKeyframe = codec.kind == .audio || kvs_gst_buffer_is_delta_unit(buffer) == 0
        let runningTime = Self.runningTime(sample, buffer)
        let decision = state.withLock { s -> Duration? in
            let base: UInt64
            if let b = s.baseRunningTime { base = b } else { base = runningTime ?? 0; s.baseRunningTime = base }
            let relative = runningTime.map { $0 >= base ? $0 - base : 0 } ?? 0
            var timestamp = Duration.nanoseconds(Int64(clamping: relative))
            if let last = s.lastTimestamp[codec], timestamp < last { timestamp = last }
            s.lastTimestamp[codec] = timestamp
            guard s.active else { return nil }
            if codec.kind == .video && s.awaitingKeyframe {
                guard isKeyframe else { return nil }
                s.awaitingKeyframe = false
            }
            return timestamp
        }
        guard let timestamp = decision else { return }
        var map = GstMapInfo()
        guard gst_buffer_map(buffer, &map, GST_MAP_READ) != 0 else { return }
        let data = Array(UnsafeBufferPointer(start: map.data, count: Int(map.size)))
        gst_buffer_unmap(buffer, &map)
        guard !data.isEmpty else { return }
        gate.deliver(MediaFrame(codec: codec, data: data, timestamp: timestamp, isKeyframe: isKeyframe))
    }

    /// The buffer's running time (its PTS in the segment, which also removes the offset video
    /// encoders add to PTS), or nil without a timestamp.
    private static func runningTime(_ sample: OpaquePointer, _ buffer: UnsafeMutablePointer<GstBuffer>) -> UInt64? {
        let pts = kvs_gst_buffer_pts(buffer)
        guard pts != .max else { return nil }
        guard let segment = gst_sample_get_segment(sample) else { return UInt64(pts) }
        let running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, pts)
        return running == .max ? nil : UInt64(running)
    }

    /// Checks the first sample of each stream against the configured codec.
    private func capsMismatch(_ sample: OpaquePointer, codec: MediaCodec) -> String? {
        let first = state.withLock { s in s.checkedCaps.insert(codec).inserted }
        guard first, let caps = gst_sample_get_caps(sample), let structure = gst_caps_get_structure(caps, 0),
            let cName = gst_structure_get_name(structure)
        else { return nil }
        let mediaType = String(cString: cName)
        let expected = String(GStreamerSource.sinkCaps(codec).prefix { $0 != "," })
        guard mediaType != expected else { return nil }
        return "the \(codec.kind.rawValue) appsink receives \(mediaType), but the source is configured for \(codec) (\(expected))"
    }
}
#endif
