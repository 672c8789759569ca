extension DaemonArguments {
    /// The KVS sample's positional arguments, with the names their error messages use.
    static let positionalNames = ["channel-name", "mode", "source", "rtsp-uri|audio-codec", "video-codec"]

    /// The command line as a setting layer: named flags, then the positionals, which must agree
    /// with a flag that gives the same setting.
    func commandLineLayer() -> Result<SettingLayer, ConfigurationError> {
        var layer = SettingLayer()
        let named: [(ConfigurationKey, String?)] = [
            (.channelName, channelName), (.mode, mode), (.source, source), (.rtspURI, rtspURI), (.pipeline, pipeline),
            (.sampleFrames, sampleFrames), (.sampleAudio, sampleAudio), (.annexB, annexB), (.videoCodec, videoCodec),
            (.audioCodec, audioCodec), (.width, width), (.height, height), (.fps, fps), (.bitrate, bitrate),
            (.minBitrate, minBitrate), (.maxBitrate, maxBitrate), (.maxViewers, maxViewers), (.logLevel, logLevel),
            (.logFile, logFile), (.region, region), (.controlPlaneURI, controlPlaneURI), (.stunURI, stunURI),
            (.caCertPath, caCertPath), (.stateDirectory, stateDirectory), (.iceServerIndex, iceServerIndex),
            (.statsInterval, statsInterval), (.dataChannelReply, dataChannelReply), (.listen, listen), (.token, token),
        ]
        for case (let key, let raw?) in named {
            layer[key] = SettingLayer.Value(raw: raw, origin: .commandLine("--\(key.rawValue)"))
        }
        let flags: [(ConfigurationKey, Bool?)] = [
            (.fileLogging, fileLogging), (.logSDP, logSDP), (.dataChannelStdout, dataChannelStdout),
            (.playbackAudio, playbackAudio), (.local, local),
        ]
        for case (let key, let on?) in flags {
            layer[key] = SettingLayer.Value(raw: on ? "true" : "false", origin: .commandLine(on ? "--\(key.rawValue)" : "--no-\(key.rawValue)"))
        }
        if let relayOnly {
            layer[.iceTransportPolicy] = SettingLayer.Value(
                raw: relayOnly ? "relay" : "all", origin: .commandLine(relayOnly ? "--relay-only" : "--no-relay-only"))
        }
        if noDataChannelReply {
            if let reply = layer[.dataChannelReply] {
                return .failure(
                    ConfigurationError(
                        .conflict, origin: reply.origin, key: nil, message: "cannot be combined with --no-data-channel-reply"))
            }
            layer[.dataChannelReply] = SettingLayer.Value(raw: "", origin: .commandLine("--no-data-channel-reply"))
        }
        // The 4th positional is the RTSP URI only when the source is rtspsrc, as in the sample.
        let sourceText = sourceArgument ?? source
        let fourthKey: ConfigurationKey = sourceText?.lowercased() == SourceKind.rtspsrc.rawValue ? .rtspURI : .audioCodec
        let positionals: [(Int, ConfigurationKey, String?)] = [
            (1, .channelName, channelArgument), (2, .mode, modeArgument), (3, .source, sourceArgument),
            (4, fourthKey, fourthArgument), (5, .videoCodec, videoCodecArgument),
        ]
        for case (let index, let key, let raw?) in positionals {
            let origin = SettingOrigin.commandLine("argument \(index) (\(Self.positionalNames[index - 1]))")
            if let flag = layer[key], !key.sameValue(flag.raw, raw) {
                return .failure(
                    ConfigurationError(
                        .conflict, origin: flag.origin, key: nil,
                        message: "\(flag.raw.quotedForMessage) disagrees with \(origin) \(raw.quotedForMessage)"))
            }
            layer[key] = SettingLayer.Value(raw: raw, origin: origin)
        }
        return .success(layer)
    }
}
