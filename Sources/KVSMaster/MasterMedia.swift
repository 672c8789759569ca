import EventLoop
import Glibc
import KVSCrypto
import Logging
import Media
import PeerConnection
import SDP
import Streaming
import Synchronization
import WireKit

/// The master's media plane: the source, the hand-over of its frames to the loop, answer
/// negotiation for the source's codecs and the fan-out to the viewers (packetize once,
/// protect per viewer). Lives on the loop, owned by the ``Master``.
struct MasterMedia {
    let source: (any MediaSource)?
    let codecs: [MediaCodec]
    let negotiator: MediaNegotiator?
    let inFlight = FrameGate()
    var fanout: MediaFanout<ViewerKey>?
    var fanoutTimer: (id: TimerID, deadline: Instant)?
    var started = false
    var active = false
    var audioSink: (any ReceivedAudioSink)?
    var audioFramesReceived = 0
    var framesFromSource = 0
    var sendFailures = 0

    init(settings: MasterSettings, source: (any MediaSource)?) {
        self.source = source
        let codecs = (source?.codecs ?? []).filter { settings.daemon.sendsAudio || $0.kind == .video }
        self.codecs = codecs
        guard !codecs.isEmpty else {
            negotiator = nil
            return
        }
        var random = SecureRandom()
        let cname = Hex.encode((try? Crypto.randomBytes(8)) ?? withUnsafeBytes(of: random.next() as UInt64) { Array($0) })
        negotiator = MediaNegotiator(
            codecs: codecs, videoSSRC: random.next(), videoRTXSSRC: random.next(), audioSSRC: random.next(), cname: cname,
            streamID: "kvsmaster", videoTrackID: "video0", audioTrackID: "audio0")
    }

    /// The fan-out, created on the loop once its clock is known (sender-report NTP times).
    mutating func makeFanout(settings: MasterSettings, now: Instant) {
        guard let negotiator else { return }
        var random = SecureRandom()
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let wallNanoseconds = Int64(wall.tv_sec) &* 1_000_000_000 &+ Int64(wall.tv_nsec)
        let daemon = settings.daemon
        fanout = MediaFanout(
            MediaFanout.Configuration(
                codecs: codecs, videoSSRC: negotiator.videoSSRC, videoRTXSSRC: negotiator.videoRTXSSRC,
                audioSSRC: negotiator.audioSSRC, cname: negotiator.cname, seed: random.next(),
                unixTimeAtZero: wallNanoseconds &- now.nanoseconds,
                bitrate: BitrateBounds(
                    minimum: daemon.minVideoBitrate, maximum: daemon.maxVideoBitrate, initial: daemon.videoBitrate)))
    }

    func answerer() -> MediaSectionAnswerer? {
        guard let negotiator else { return nil }
        return MediaSectionAnswerer { offered, offer in negotiator.answer(offered: offered, offer: offer) }
    }
}

/// Where the viewers' audio goes (GStreamer playback with `--playback-audio`).
protocol ReceivedAudioSink: AnyObject {
    func play(_ payload: [UInt8], codec: MediaCodec)
    func close()
}

extension Master {
    // MARK: Source

    func startMedia() {
        media.makeFanout(settings: settings, now: loop.now)
        guard let source = media.source, !media.started else { return }
        media.started = true
        let gate = media.inFlight
        let loop = self.loop
        do throws(MediaSourceError) {
            try source.start(
                deliver: { [weak self] frame in
                    // Bounded hand-over: a loop that falls behind drops frames here rather than
                    // queueing without limit (the next keyframe request heals the picture).
                    guard gate.enter() else { return }
                    loop.execute {
                        gate.leave()
                        self?.assumeIsolated { $0.handleFrame(frame) }
                    }
                },
                onEnd: { [weak self] end in
                    self?.hop { $0.sourceEnded(end) }
                })
            source.setActive(false)
            logger.info("media source: \(source.name) (\(media.codecs.map(\.rawValue).joined(separator: ", ")))")
        } catch {
            logger.error("the media source \(source.name) could not start: \(error)")
        }
        media.audioSink = makeAudioSink()
    }

    func stopMedia() {
        if let timer = media.fanoutTimer { loop.cancel(timer.id) }
        media.fanoutTimer = nil
        media.source?.stop()
        media.audioSink?.close()
        media.audioSink = nil
        media.started = false
    }

    func handleFrame(_ frame: MediaFrame) {
        guard phase == .running, media.fanout != nil else { return }
        media.framesFromSource += 1
        media.fanout?.push(frame, now: loop.now)
        drainFanout()
    }

    func sourceEnded(_ end: MediaSourceEnd) {
        switch end {
        case .endOfStream: logger.notice("the media source ended (end of stream)")
        case .failed(let message): logger.error("the media source failed: \(message)")
        }
    }

    /// The source idles while nobody watches and resumes (with a keyframe) for the first viewer.
    func updateSourceActivity() {
        let wanted = viewers.values.contains { $0.mediaReady != nil }
        guard wanted != media.active, let source = media.source else { return }
        media.active = wanted
        source.setActive(wanted)
        logger.info(wanted ? "a viewer is connected: the media source resumes" : "no viewer connected: the media source idles")
    }

    // MARK: Viewers

    func mediaViewerNegotiated(_ session: ViewerSession, answer: SessionDescription) {
        guard let offer = session.connection.remoteDescription, media.fanout != nil else { return }
        let negotiated = NegotiatedMedia(offer: offer, answer: answer)
        media.fanout?.addViewer(session.key, media: negotiated, now: loop.now)
        drainFanout()
    }

    func mediaViewerReady(_ session: ViewerSession) {
        updateSourceActivity()
        media.fanout?.viewerTransportReady(session.key, now: loop.now)
        drainFanout()
    }

    func mediaViewerRemoved(_ session: ViewerSession) {
        media.fanout?.removeViewer(session.key)
        updateSourceActivity()
    }

    func mediaReceivedRTCP(_ packet: [UInt8], from session: ViewerSession) {
        media.fanout?.handleRTCP(session.key, packet, now: loop.now)
        drainFanout()
    }

    func mediaReceivedRTP(_ packet: [UInt8], from session: ViewerSession) {
        media.fanout?.handleRTP(session.key, packet, now: loop.now)
        drainFanout()
    }

    // MARK: Fan-out outputs

    func drainFanout() {
        guard media.fanout != nil else { return }
        while let output = media.fanout?.pollOutput() {
            switch consume output {
            case .rtp(let key, let packet):
                guard let session = viewers[key] else { continue }
                let isFirstVideo = session.firstVideoPacket == nil && isVideoPayload(packet)
                do throws(PeerConnectionError) {
                    // Handed over without another reference, so SRTP protects it in place.
                    try session.connection.sendRTP(consume packet)
                    if isFirstVideo {
                        session.firstVideoPacket = loop.now
                        let latency = loop.now - session.created
                        firstPacketLatencies.append(latency)
                        logger.info("\(key): first video packet \(latency.milliseconds) ms after the offer")
                    }
                } catch {
                    media.sendFailures += 1
                }
            case .rtcp(let key, let packet):
                guard let session = viewers[key] else { continue }
                do throws(PeerConnectionError) {
                    try session.connection.sendRTCP(consume packet)
                } catch {
                    media.sendFailures += 1
                }
            case .requestKeyframe:
                media.source?.requestKeyframe()
            case .setVideoBitrate(let bitrate):
                logger.info("video bitrate target \(bitrate / 1000) kbit/s")
                media.source?.setVideoBitrate(bitrate)
            case .receivedAudio(_, let codec, let payload):
                media.audioFramesReceived += 1
                media.audioSink?.play(payload, codec: codec)
            }
        }
        rearmFanoutTimer()
    }

    func isVideoPayload(_ packet: [UInt8]) -> Bool {
        guard let ssrc = media.negotiator?.videoSSRC, packet.count >= 12 else { return false }
        return packet.readU32(at: 8) == ssrc
    }

    func rearmFanoutTimer() {
        let deadline = media.fanout?.pollTimeout()
        if let timer = media.fanoutTimer, timer.deadline == deadline { return }
        if let timer = media.fanoutTimer { loop.cancel(timer.id) }
        media.fanoutTimer = nil
        guard let deadline, phase == .running else { return }
        let id = loop.schedule(at: deadline) { [weak self] now in
            guard let self else { return }
            self.assumeIsolated { master in
                master.media.fanoutTimer = nil
                master.media.fanout?.handleTimeout(now: now)
                master.drainFanout()
            }
        }
        media.fanoutTimer = (id, deadline)
    }

    /// The per-viewer media part of the status line.
    func mediaStatusParts(for session: ViewerSession) -> [String] {
        guard let stats = media.fanout?.stats(for: session.key) else { return [] }
        var parts: [String] = []
        if let video = stats.video {
            parts.append("video \(video.codec) frames \(video.framesSent) packets \(video.packetsSent)")
            parts.append("nacks \(video.nackCount) rtx \(video.retransmittedPacketsSent) plis \(video.pliCount) firs \(video.firCount)")
            if let remote = video.remote {
                parts.append("loss \(Int(remote.fractionLost * 1000) / 10)% lost \(remote.packetsLost)")
                if let rtt = remote.roundTripTime { parts.append("media rtt \(rtt.milliseconds) ms") }
            }
        }
        if let estimate = stats.bitrateEstimate { parts.append("estimate \(estimate / 1000) kbit/s") }
        if let audio = stats.audio { parts.append("audio \(audio.codec) packets \(audio.packetsSent)") }
        if let received = stats.audioReceived { parts.append("audio in \(received.packetsReceived)") }
        return parts
    }

    /// The media statistics of a viewer (tests, SIGUSR1).
    public func mediaStatistics(of key: ViewerKey) -> ViewerMediaStats? { media.fanout?.stats(for: key) }
    /// Frames the source delivered to the loop, and viewer audio frames received.
    public var mediaCounters: (framesFromSource: Int, audioFramesReceived: Int, framesDropped: Int) {
        (media.framesFromSource, media.audioFramesReceived, media.inFlight.dropped)
    }
}

/// Counts frames handed to the loop and not yet taken; refuses more than `limit`.
final class FrameGate: Sendable {
    private let pending = Atomic(0)
    private let droppedCount = Atomic(0)
    let limit: Int

    init(limit: Int = 90) { self.limit = limit }

    func enter() -> Bool {
        if pending.add(1, ordering: .relaxed).newValue > limit {
            pending.subtract(1, ordering: .relaxed)
            droppedCount.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { pending.subtract(1, ordering: .relaxed) }

    var dropped: Int { droppedCount.load(ordering: .relaxed) }
}
