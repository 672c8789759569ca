import EventLoop
import Logging
import Signaling
import WireKit

extension Daemon {
    /// `--local`: the signaling server in place of the KVS client, and the URL to open on stdout
    /// (the only place the token is written: the log never carries it).
    static func startLocalSignaling(
        configuration: DaemonConfiguration, loop: EventLoop, onEvent: @escaping @Sendable (SignalingEvent) -> Void
    ) -> Result<LocalSignalingServer, LocalSignalingError> {
        let settings = LocalSignalingSettings.resolve(
            listen: configuration.listen, token: configuration.localToken, maxConnections: configuration.maxViewers)
        // lws' own lines (warnings and errors only) go to our log, not straight to stderr.
        let lwsLogger = Logger(label: "lws")
        WebSocketLibraryLog.route(level: .warning) { level, line in
            switch level {
            case .error: lwsLogger.error("\(line)")
            case .warning: lwsLogger.warning("\(line)")
            case .notice, .info, .debug: lwsLogger.info("\(line)")
            }
        }
        let server: LocalSignalingServer
        do throws(LocalSignalingError) {
            server = try LocalSignalingServer(settings: settings, loop: loop, onEvent: onEvent)
        } catch {
            return .failure(error)
        }
        let gate = settings.token == nil ? "" : " (access token required)"
        Logger(label: "daemon").notice(
            "local mode for channel \(configuration.channelName): viewer page on \(settings.listen.ip) port \(server.port)\(gate)")
        StandardOutput.writeLine("kvsmaster: local mode (no AWS): open \(server.viewerURL) in a browser")
        if settings.listen.ip.isUnspecified {
            StandardOutput.writeLine("kvsmaster: replace <camera-address> with an address of this machine")
        }
        return .success(server)
    }
}

extension MasterSettings {
    /// Local mode on a loopback address serves browsers and tools on this same machine, so
    /// loopback host candidates are offered too (next to the other interfaces'): a machine
    /// with no other interface still connects, and clients that do use loopback (aiortc,
    /// Firefox) can. Chromium ignores loopback candidates and pairs on the LAN address. Off
    /// loopback the viewers are elsewhere and loopback candidates would only be noise.
    public mutating func adoptLocalMode(listen: SocketAddress) {
        if listen.ip.isLoopback { ice.includeLoopback = true }
    }
}
