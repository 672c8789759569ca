import Media

extension Master {
    /// `--playback-audio`: the viewers' audio through GStreamer; otherwise it is only counted.
    func makeAudioSink() -> (any ReceivedAudioSink)? {
        nil
    }
}
