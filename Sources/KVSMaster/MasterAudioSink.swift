import Media

extension Master {
    /// `--playback-audio`: the viewers' audio through GStreamer; otherwise it is only counted.
    func makeAudioSink() -> (any ReceivedAudioSink)? {
        #if KVS_GSTREAMER
            guard settings.daemon.playbackAudio else { return nil }
            return GStreamerAudioSink(logger: { [logger] line in logger.warning("\(line)") })
        #else
            if settings.daemon.playbackAudio {
                logger.warning("--playback-audio needs GStreamer, which this build does not have: viewer audio is only counted")
            }
            return nil
        #endif
    }
}

#if KVS_GSTREAMER
    /// Plays viewers' audio with ``AudioPlayback``, one player per codec (created on first use).
    final class GStreamerAudioSink: ReceivedAudioSink {
        private var players: [MediaCodec: AudioPlayback] = [:]
        private var failed: Set<MediaCodec> = []
        private let log: (String) -> Void
        private var played: Duration = .zero

        init(logger: @escaping (String) -> Void) { log = logger }

        func play(_ payload: [UInt8], codec: MediaCodec) {
            guard !failed.contains(codec) else { return }
            if players[codec] == nil {
                do throws(MediaSourceError) {
                    players[codec] = try AudioPlayback(codec: codec)
                } catch {
                    failed.insert(codec)
                    log("cannot play viewer audio (\(codec)): \(error)")
                    return
                }
            }
            players[codec]?.push(payload, timestamp: played)
            played += codec == .opus ? .milliseconds(20) : .milliseconds(Int64(payload.count) / 8)
        }

        func close() {
            for player in players.values { player.stop() }
            players = [:]
        }
    }
#endif
