import EventLoop
import Logging
import Media
import PeerConnection
import SDP
import Synchronization
import WireKit

/// The master's media plane: the source, the hand-over of its frames to the loop, and the
/// fan-out to the viewers. Lives on the loop, owned by the ``Master``.
struct MasterMedia {
    let settings: MasterSettings
    let source: (any MediaSource)?
    let inFlight = FrameGate()
    var started = false
    var active = false

    init(settings: MasterSettings, source: (any MediaSource)?) {
        self.settings = settings
        self.source = source
    }

    mutating func start(master: Master) {
        guard let source, !started else { return }
        started = true
        let gate = inFlight
        let loop = master.loop
        do throws(MediaSourceError) {
            try source.start(
                deliver: { [weak master] frame in
                    // Bounded hand-over: a loop that falls behind drops frames here rather than
                    // queueing without limit (the next keyframe request heals the picture).
                    guard gate.enter() else { return }
                    loop.execute {
                        gate.leave()
                        master?.assumeIsolated { $0.handleFrame(frame) }
                    }
                },
                onEnd: { [weak master] end in
                    master?.hop { $0.sourceEnded(end) }
                })
            source.setActive(false)
        } catch {
            master.logger.error("the media source \(source.name) could not start: \(error)")
        }
    }

    mutating func stop() {
        source?.stop()
        started = false
    }

    func answerer(for key: ViewerKey) -> MediaSectionAnswerer? { nil }
    mutating func viewerAdded(_ session: ViewerSession, offer: SessionDescription) {}
    mutating func viewerReady(_ session: ViewerSession) {}
    mutating func viewerRemoved(_ session: ViewerSession) {}
    mutating func receivedRTCP(_ packet: [UInt8], from session: ViewerSession) {}
    mutating func receivedRTP(_ packet: [UInt8], from session: ViewerSession) {}
}

extension Master {
    func handleFrame(_ frame: MediaFrame) {
        _ = frame
    }

    func sourceEnded(_ end: MediaSourceEnd) {
        switch end {
        case .endOfStream: logger.notice("the media source ended (end of stream)")
        case .failed(let message): logger.error("the media source failed: \(message)")
        }
    }
}

/// Counts frames handed to the loop and not yet taken; refuses more than `limit`.
final class FrameGate: Sendable {
    private let pending = Atomic(0)
    let limit: Int

    init(limit: Int = 90) { self.limit = limit }

    func enter() -> Bool {
        if pending.add(1, ordering: .relaxed).newValue > limit {
            pending.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { pending.subtract(1, ordering: .relaxed) }
}
