import EventLoop
import Logging
import PeerConnection
import Signaling

/// Observability: one compact line per viewer every `statsInterval`, plus the signaling
/// metrics (KVS developer guide, "Client metrics for the C SDK"); the full W3C-style
/// statistics on SIGUSR1.
extension Master {
    func scheduleStatistics() {
        let interval = settings.daemon.statsInterval
        guard interval > .zero else { return }
        statsTimer = loop.schedule(after: interval) { [weak self] _ in
            guard let self else { return }
            self.assumeIsolated { master in
                master.logStatusLines()
                master.scheduleStatistics()
            }
        }
    }

    /// The compact lines (also what tests read through ``MasterEvents/onStatusLine``).
    func statusLines() -> [String] {
        var lines: [String] = []
        for (key, session) in viewers.sorted(by: { $0.key.description < $1.key.description }) {
            let stats = session.connection.statistics()
            var parts = ["\(key): \(stats.state.rawValue)"]
            if let pair = session.connection.selectedPair {
                parts.append("pair \(pair.local.kind.sdpName)->\(pair.remote.kind.sdpName)")
            }
            if let rtt = stats.candidatePair?.currentRoundTripTime { parts.append("rtt \(Int(rtt * 1000)) ms") }
            parts.append("sent \(stats.transport.bytesSent) B")
            parts.append(contentsOf: mediaStatusParts(for: session))
            parts.append("dc msgs \(session.dataChannelMessages)")
            lines.append(parts.joined(separator: ", "))
        }
        if let signaling {
            lines.append(
                signaling.statusSummary + ", viewers \(viewers.count)/\(settings.daemon.maxViewers), offers \(counters.offers) "
                    + "(refused \(counters.offersRefused), rejected \(counters.offersRejected))")
        }
        return lines
    }

    func logStatusLines() {
        for line in statusLines() {
            logger.notice("\(line)")
            events.onStatusLine(line)
        }
    }

    func logFullStatistics() {
        logger.notice("statistics of \(viewers.count) viewer session(s):")
        for (key, session) in viewers {
            logger.notice("\(key): \(session.connection.statistics())")
            if let stats = mediaStatistics(of: key) { logger.notice("\(key): media \(stats)") }
        }
        if let signaling { logger.notice("\(signaling.statusSummary)") }
    }
}
