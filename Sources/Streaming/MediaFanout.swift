import Media
import RTP
import WireKit

/// Sends the source's frames to every viewer (sans-IO; the caller serializes access): each
/// frame is packetized once (RFC 6184, RFC 7798, RFC 7741, RFC 7587, RFC 3551) under shared
/// SSRCs, and each viewer gets a copy with its own payload type. Media is gated until the
/// viewer's DTLS is up, and video starts on a keyframe (RFC 6184 §8.4: parameter sets are
/// put in front of every IDR). Per viewer it keeps RTCP state: sender reports with its own
/// counts (RFC 3550 §6.4.1), NACK answers from the shared ``RetransmissionCache`` (as RTX,
/// RFC 4588 §4, when negotiated), PLI/FIR keyframe requests (RFC 4585 §6.3.1, RFC 5104
/// §4.3.1) and a bitrate estimate from REMB and loss.
///
/// Inputs carry `now`; outputs queue up for ``pollOutput()`` (or ``takeOutputs()``), and
/// ``pollTimeout()`` names the next instant ``handleTimeout(now:)`` has work.
public struct MediaFanout<ViewerID: Hashable & Sendable>: Sendable {
    /// How the fan-out is set up.
    public struct Configuration: Sendable {
        public var codecs: [MediaCodec]
        public var videoSSRC: UInt32
        public var videoRTXSSRC: UInt32
        public var audioSSRC: UInt32
        /// RTCP CNAME (RFC 3550 §6.5.1).
        public var cname: String
        /// Seeds initial sequence numbers, timestamps and report intervals.
        public var seed: UInt64
        /// The wall clock at `Instant.zero`, nanoseconds since the Unix epoch: NTP times of
        /// sender reports are `unixTimeAtZero + now`.
        public var unixTimeAtZero: Int64
        public var bitrate: BitrateBounds
        /// At most one keyframe request per interval, across viewers.
        public var keyframeRequestInterval: Duration
        /// Mean RTCP report interval per viewer (each randomized to 0.5–1.5×, RFC 3550 §6.2).
        public var reportInterval: Duration
        /// Video packets kept for retransmission, and for how long.
        public var retransmissionCapacity: Int
        public var retransmissionMaxAge: Duration
        public var payloadBudget: Int

        public init(
            codecs: [MediaCodec], videoSSRC: UInt32, videoRTXSSRC: UInt32, audioSSRC: UInt32, cname: String,
            seed: UInt64, unixTimeAtZero: Int64, bitrate: BitrateBounds,
            keyframeRequestInterval: Duration = .milliseconds(500), reportInterval: Duration = .seconds(1),
            retransmissionCapacity: Int = 512, retransmissionMaxAge: Duration = .seconds(1),
            payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget
        ) {
            self.codecs = codecs
            self.videoSSRC = videoSSRC
            self.videoRTXSSRC = videoRTXSSRC
            self.audioSSRC = audioSSRC
            self.cname = cname
            self.seed = seed
            self.unixTimeAtZero = unixTimeAtZero
            self.bitrate = bitrate
            self.keyframeRequestInterval = keyframeRequestInterval
            self.reportInterval = reportInterval
            self.retransmissionCapacity = retransmissionCapacity
            self.retransmissionMaxAge = retransmissionMaxAge
            self.payloadBudget = payloadBudget
        }
    }

    /// Where a viewer is in its start-up: nothing is sent before DTLS is up, and video waits
    /// for a keyframe (audio flows meanwhile).
    enum Phase: Sendable {
        case awaitingTransport
        case awaitingKeyframe
        case streaming
    }

    struct Viewer: Sendable {
        let id: ViewerID
        var phase: Phase = .awaitingTransport
        /// The sections that carry what we send and what the viewer sends us.
        let video: NegotiatedMedia.Section?
        let audio: NegotiatedMedia.Section?
        let audioIn: NegotiatedMedia.Section?
        var rtxSequenceNumber: UInt16
        var stats = ViewerMediaStats()
        var reception: ReceptionStatistics?
        var depacketizer = WholePayloadDepacketizer()
        var nextReport: Instant?
        var lastFIRSequence: UInt8?
        var estimate: BitrateEstimate
    }

    public let configuration: Configuration
    var rng: SplitMix64
    var video: OutboundStream?
    var audio: OutboundStream?
    var viewers: [Viewer] = []
    var viewerIndex: [ViewerID: Int] = [:]
    var outputs: [FanoutOutput<ViewerID>] = []
    var outputHead = 0
    var lastKeyframeRequest: Instant?
    var keyframeRequestPending = false
    /// The bitrate last handed to the encoder.
    public private(set) var videoBitrate: Int
    /// Packets of the frame being fanned out (reused).
    var scratch: [[UInt8]] = []
    /// Inputs for a viewer id that is not (or no longer) added.
    public internal(set) var unknownViewerInputs = 0
    /// Frames of a codec the fan-out was not configured with, or that produced no packet.
    public private(set) var droppedFrames = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        rng = SplitMix64(seed: configuration.seed)
        videoBitrate = configuration.bitrate.initial
        if let codec = configuration.codecs.first(where: { $0.kind == .video }) {
            video = OutboundStream(
                codec: codec, ssrc: configuration.videoSSRC, rng: &rng, payloadBudget: configuration.payloadBudget,
                cache: RetransmissionCache(
                    capacity: configuration.retransmissionCapacity, maxAge: configuration.retransmissionMaxAge))
        }
        if let codec = configuration.codecs.first(where: { $0.kind == .audio }) {
            // Audio is not retransmitted (browsers do not NACK it); a short cache answers
            // the odd NACK anyway.
            audio = OutboundStream(
                codec: codec, ssrc: configuration.audioSSRC, rng: &rng, payloadBudget: configuration.payloadBudget,
                cache: RetransmissionCache(capacity: 64, maxAge: .milliseconds(500)))
        }
    }

    // MARK: Viewers

    /// Adds a viewer (replacing one with the same id) with what its negotiation settled.
    public mutating func addViewer(_ id: ViewerID, media: NegotiatedMedia, now: Instant) {
        removeViewer(id)
        let videoSection = media.sending(.video).flatMap { $0.codec == video?.codec ? $0 : nil }
        let audioSection = media.sending(.audio).flatMap { $0.codec == audio?.codec ? $0 : nil }
        let audioIn = media.receiving(.audio)
        var viewer = Viewer(
            id: id, video: videoSection, audio: audioSection, audioIn: audioIn,
            rtxSequenceNumber: UInt16(truncatingIfNeeded: rng.next()), estimate: BitrateEstimate(bounds: configuration.bitrate))
        if let video, videoSection != nil { viewer.stats.video = OutboundRTPStats(ssrc: video.ssrc, codec: video.codec) }
        if let audio, audioSection != nil { viewer.stats.audio = OutboundRTPStats(ssrc: audio.ssrc, codec: audio.codec) }
        if let audioIn {
            viewer.stats.audioReceived = InboundRTPStats(codec: audioIn.codec)
            viewer.reception = ReceptionStatistics(clockRate: audioIn.clockRate)
        }
        viewerIndex[id] = viewers.count
        viewers.append(viewer)
    }

    /// The viewer's DTLS is up: media may flow (video from the next keyframe, which is asked for).
    public mutating func viewerTransportReady(_ id: ViewerID, now: Instant) {
        guard let i = viewerIndex[id] else {
            unknownViewerInputs += 1
            return
        }
        switch viewers[i].phase {
        case .awaitingTransport:
            viewers[i].nextReport = now + nextReportDelay()
            if viewers[i].video != nil {
                viewers[i].phase = .awaitingKeyframe
                requestKeyframe(now: now)
            } else {
                viewers[i].phase = .streaming
            }
            updateBitrate()
        case .awaitingKeyframe, .streaming:
            break
        }
    }

    /// Forgets a viewer; the encoder target may rise if it was the weakest.
    public mutating func removeViewer(_ id: ViewerID) {
        guard let i = viewerIndex.removeValue(forKey: id) else { return }
        let last = viewers.count - 1
        if i != last {
            viewers.swapAt(i, last)
            viewerIndex[viewers[i].id] = i
        }
        viewers.removeLast()
        updateBitrate()
    }

    public var viewerCount: Int { viewers.count }

    public func stats(for id: ViewerID) -> ViewerMediaStats? {
        guard let i = viewerIndex[id] else { return nil }
        var stats = viewers[i].stats
        stats.bitrateEstimate = viewers[i].video == nil ? nil : viewers[i].estimate.value
        return stats
    }

    /// Bytes held by the shared retransmission caches (plaintext packets).
    public var retransmissionCacheBytes: Int { (video?.cache.byteCount ?? 0) + (audio?.cache.byteCount ?? 0) }

    /// Keyframes that went out with parameter sets put back in front of them.
    public var parameterSetInjections: Int { video?.parameterSets.injections ?? 0 }

    // MARK: Outputs

    /// The next thing to do, in order.
    public mutating func pollOutput() -> FanoutOutput<ViewerID>? {
        guard outputHead < outputs.count else {
            if !outputs.isEmpty {
                outputs.removeAll(keepingCapacity: true)
                outputHead = 0
            }
            return nil
        }
        // Moved out, not copied: the caller protects RTP packets in place, and a second
        // reference left in the queue would make that a copy of every packet.
        var output = FanoutOutput<ViewerID>.requestKeyframe
        swap(&output, &outputs[outputHead])
        outputHead += 1
        return output
    }

    /// Every pending output at once.
    public mutating func takeOutputs() -> [FanoutOutput<ViewerID>] {
        var taken: [FanoutOutput<ViewerID>] = []
        if outputHead == 0 {
            swap(&taken, &outputs)
        } else {
            taken = Array(outputs[outputHead...])
            outputs.removeAll(keepingCapacity: true)
        }
        outputHead = 0
        return taken
    }

    // MARK: Media

    /// Packetizes `frame` once and queues a copy of each packet, with the viewer's payload
    /// type, for every viewer that takes it.
    public mutating func push(_ frame: MediaFrame, now: Instant) {
        let kind = frame.codec.kind
        scratch.removeAll(keepingCapacity: true)
        let timestamp: UInt32?
        switch kind {
        case .video:
            timestamp = video?.codec == frame.codec ? video?.packetize(frame, now: now, into: &scratch) : nil
        case .audio:
            timestamp = audio?.codec == frame.codec ? audio?.packetize(frame, now: now, into: &scratch) : nil
        }
        guard timestamp != nil else {
            droppedFrames += 1
            return
        }
        if kind == .video && frame.isKeyframe { keyframeRequestPending = false }
        var wantKeyframe = false
        for i in viewers.indices {
            guard let section = kind == .video ? viewers[i].video : viewers[i].audio else { continue }
            switch (viewers[i].phase, kind) {
            case (.awaitingTransport, _):
                continue
            case (.awaitingKeyframe, .video):
                guard frame.isKeyframe else {
                    wantKeyframe = true
                    continue
                }
                viewers[i].phase = .streaming
            case (.awaitingKeyframe, .audio), (.streaming, _):
                break
            }
            send(scratch, to: i, payloadType: section.payloadType, kind: kind)
        }
        if wantKeyframe { requestKeyframe(now: now) }
    }

    private mutating func send(_ packets: [[UInt8]], to i: Int, payloadType: UInt8, kind: MediaKind) {
        let id = viewers[i].id
        var bytes: UInt64 = 0
        for packet in packets {
            outputs.append(.rtp(id, Self.copy(packet, payloadType: payloadType)))
            bytes += UInt64(packet.count - RTPHeader.fixedLength)
        }
        let count = UInt64(packets.count)
        switch kind {
        case .video:
            viewers[i].stats.video?.packetsSent += count
            viewers[i].stats.video?.bytesSent += bytes
            viewers[i].stats.video?.framesSent += 1
        case .audio:
            viewers[i].stats.audio?.packetsSent += count
            viewers[i].stats.audio?.bytesSent += bytes
            viewers[i].stats.audio?.framesSent += 1
        }
    }

    /// The one copy per viewer: the packet with its payload type replaced, with capacity for
    /// the SRTP authentication tag so protecting it in place does not reallocate.
    @inlinable
    static func copy(_ packet: [UInt8], payloadType: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(packet.count + RTPPacketWriter.trailerRoom)
        out.append(contentsOf: packet)
        out[1] = out[1] & 0x80 | payloadType & 0x7F
        return out
    }

    // MARK: Keyframes and bitrate

    /// Asks for a keyframe now, or once the rate limit allows.
    mutating func requestKeyframe(now: Instant) {
        if let last = lastKeyframeRequest, now - last < configuration.keyframeRequestInterval {
            keyframeRequestPending = true
            return
        }
        lastKeyframeRequest = now
        keyframeRequestPending = false
        outputs.append(.requestKeyframe)
    }

    /// Hands the encoder the weakest viewer's estimate when it moved by 5% or more (or hit a
    /// bound).
    mutating func updateBitrate() {
        var target: Int?
        for viewer in viewers where viewer.video != nil && viewer.phase != .awaitingTransport {
            target = min(target ?? .max, viewer.estimate.value)
        }
        guard let target else { return }
        let bounded = configuration.bitrate.clamp(target)
        guard bounded != videoBitrate else { return }
        let atBound = bounded == configuration.bitrate.minimum || bounded == configuration.bitrate.maximum
        guard atBound || abs(bounded - videoBitrate) * 20 >= videoBitrate else { return }
        videoBitrate = bounded
        outputs.append(.setVideoBitrate(bounded))
    }

    // MARK: Time

    public func pollTimeout() -> Instant? {
        var next: Instant?
        if keyframeRequestPending, let last = lastKeyframeRequest {
            next = last + configuration.keyframeRequestInterval
        }
        for viewer in viewers {
            if let at = viewer.nextReport, next.map({ at < $0 }) ?? true { next = at }
        }
        return next
    }

    public mutating func handleTimeout(now: Instant) {
        if keyframeRequestPending, let last = lastKeyframeRequest,
            now - last >= configuration.keyframeRequestInterval
        {
            requestKeyframe(now: now)
        }
        for i in viewers.indices {
            guard let at = viewers[i].nextReport, at <= now else { continue }
            sendReport(to: i, now: now)
            viewers[i].nextReport = now + nextReportDelay()
        }
    }

    /// The report interval randomized to 0.5–1.5× (RFC 3550 §6.2).
    mutating func nextReportDelay() -> Duration {
        let base = configuration.reportInterval.nanoseconds
        let factor = 500 + Int64(rng.next() % 1001)
        return .nanoseconds(base / 1000 * factor)
    }

    /// The wall clock at `now` in NTP format (RFC 3550 §4).
    func ntpTime(at now: Instant) -> NTPTimestamp {
        NTPTimestamp(unixNanoseconds: configuration.unixTimeAtZero &+ now.nanoseconds)
    }
}
