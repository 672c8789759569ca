import Dispatch
import EventLoop
import Glibc
import Logging
import Media
import Security
import Signaling

/// The daemon's entry point: runs the master for a configuration until SIGTERM/SIGINT and
/// returns the process exit code (0 after a graceful stop, 1 when it cannot run, 2 for a
/// configuration error).
public enum Daemon {
    public static func run(configuration: DaemonConfiguration, environment: [String: String]) -> Int32 {
        let logger = Logger(label: "daemon")
        // Before any thread exists, so every thread inherits the mask and only sigwait sees them.
        ProcessSignals.block()
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "kvsmaster")
        } catch {
            logger.critical("cannot create the event loop: \(error)")
            return 1
        }
        defer {
            loop.stop()
            loop.join()
        }
        let source: (any MediaSource)?
        switch MediaSourceFactory.make(configuration) {
        case .success(let made): source = made
        case .failure(let error):
            logger.critical("\(error)")
            return 1
        }
        // Local mode never resolves KVS endpoints or credentials: it makes no AWS call at all.
        var signalingConfiguration: SignalingClientConfiguration?
        if !configuration.localMode {
            switch SignalingClientConfiguration.resolve(channelName: configuration.channelName, environment: environment) {
            case .success(var resolved):
                resolved.includeWebRTCEndpoint = configuration.mode == .audioVideoStorage
                if let directory = configuration.stateDirectory {
                    resolved.endpointCachePath = directory + "/endpoint-cache.json"
                }
                signalingConfiguration = resolved
            case .failure(let error):
                logger.critical("\(error)")
                return 2
            }
        }
        let notifier = SystemdNotifier(environment: environment)
        var events = MasterEvents()
        let readyOnce = OnceFlag()
        events.onSignalingConnected = {
            if readyOnce.claim() { notifier.ready() }
            notifier.status("signaling connected to channel \(configuration.channelName)")
        }
        events.onSignalingDisconnected = { reason in notifier.status("signaling reconnecting (\(reason))") }
        events.onDataChannelLine = { line in StandardOutput.writeLine(line) }
        var settings = MasterSettings(daemon: configuration, environment: environment)
        switch signalingConfiguration?.trust {
        case .libraryDefault, nil: settings.turnTrust = .system
        case .file(let path): settings.turnTrust = .caFile(path)
        case .directory(let path): settings.turnTrust = .caDirectory(path)
        }
        if configuration.localMode { settings.adoptLocalMode(listen: configuration.listen) }
        let master = Master(
            settings: settings, loop: loop,
            certificates: CertificateProvider(), source: source, events: events)
        let onEvent: @Sendable (SignalingEvent) -> Void = { [weak master] event in
            master?.assumeIsolated { $0.handleSignaling(event) }
        }
        let client: any MasterSignaling
        if let signalingConfiguration {
            do {
                client = try SignalingClient(
                    configuration: signalingConfiguration, credentials: .chain(environment: environment), loop: loop,
                    onEvent: onEvent)
            } catch {
                logger.critical("cannot start the signaling client: \(error)")
                return 1
            }
        } else {
            switch startLocalSignaling(configuration: configuration, loop: loop, onEvent: onEvent) {
            case .success(let server): client = server
            case .failure(let error):
                logger.critical("\(error)")
                return 1
            }
        }
        master.start(signaling: client)
        let watchdog = notifier.watchdogInterval.map { interval in
            WatchdogPinger(loop: loop, interval: interval) { notifier.watchdog() }
        }
        // The main thread waits for signals: SIGUSR1 dumps statistics, SIGTERM/SIGINT stop.
        let stopSignal = ProcessSignals.wait { master.dumpStatistics() }
        logger.notice("\(ProcessSignals.name(stopSignal)) received: stopping")
        notifier.stopping()
        watchdog?.cancel()
        let stopped = DispatchSemaphore(value: 0)
        master.shutdown(deadline: .milliseconds(1500)) { stopped.signal() }
        if stopped.wait(timeout: .now() + .seconds(2)) == .timedOut {
            logger.warning("shutdown did not finish within 2 s; exiting anyway")
        }
        return 0
    }
}

/// SIGTERM, SIGINT and SIGUSR1 are blocked in every thread and taken with sigwait(2) by the
/// main thread, so no handler ever runs on a thread that holds a lock.
enum ProcessSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGUSR1]

    static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Returns the stop signal; runs `onStatistics` for every SIGUSR1 before it.
    static func wait(onStatistics: () -> Void) -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        while true {
            var received: Int32 = 0
            guard sigwait(&set, &received) == 0 else { continue }
            if received == SIGUSR1 {
                onStatistics()
                continue
            }
            return received
        }
    }

    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(signal)"
        }
    }
}

/// Sends WATCHDOG=1 from the loop every `interval` (half of WatchdogSec), so a stuck loop is
/// what systemd notices.
final class WatchdogPinger: @unchecked Sendable {
    let loop: EventLoop
    let interval: Duration
    let ping: @Sendable () -> Void
    private var timer: TimerID?
    private var cancelled = false

    init(loop: EventLoop, interval: Duration, ping: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.interval = interval
        self.ping = ping
        loop.execute { [self] in self.arm() }
    }

    private func arm() {
        guard !cancelled else { return }
        ping()
        timer = loop.schedule(after: interval) { [weak self] _ in self?.arm() }
    }

    func cancel() {
        loop.execute { [self] in
            self.cancelled = true
            if let timer = self.timer { self.loop.cancel(timer) }
        }
    }
}

/// Lines for stdout (`--data-channel-stdout`), written whole with one write(2) each.
enum StandardOutput {
    static func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written <= 0 {
                if written < 0, errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
