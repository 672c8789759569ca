import ICE
import ICETransport
import Synchronization
import WireKit

/// What the ``Master`` runs with: the daemon configuration plus the ICE settings derived from
/// it and from the environment.
public struct MasterSettings: Sendable {
    public var daemon: DaemonConfiguration
    /// The base ICE configuration of every viewer (policy, timeouts, address families); STUN
    /// servers are filled in from GetIceServerConfig.
    public var ice: ICEConfiguration
    /// Gather only on these addresses (nil: every usable interface).
    public var localAddresses: [IPAddress]?
    /// Whom `turns:` servers' certificates must chain to (the CA bundle signaling uses).
    public var turnTrust: TLSTrustStore = .system
    /// How long a viewer may take from its offer to a connected DTLS transport.
    public var sessionSetupTimeout: Duration = .seconds(40)

    /// `KVSMASTER_ICE_ADDRESSES` (comma-separated IPs) restricts host candidates to those
    /// addresses; `KVSMASTER_ICE_LOOPBACK=1` allows loopback ones (local testing only: browsers
    /// ignore them). KVS_ICE_TRANSPORT_POLICY=relay is `daemon.relayOnly`.
    public init(daemon: DaemonConfiguration, environment: [String: String] = [:]) {
        self.daemon = daemon
        var ice = ICEConfiguration()
        ice.policy = daemon.relayOnly ? .relay : .all
        if let addresses = environment["KVSMASTER_ICE_ADDRESSES"] {
            let parsed = addresses.split(separator: ",").compactMap { IPAddress(String($0.trimmingWhitespace())) }
            if !parsed.isEmpty { localAddresses = parsed }
        }
        let loopback = environment["KVSMASTER_ICE_LOOPBACK"]?.lowercased()
        if loopback == "1" || loopback == "true" || localAddresses?.contains(where: \.isLoopback) == true {
            ice.includeLoopback = true
        }
        self.ice = ice
    }
}


/// Hooks the daemon (sd_notify, stdout) and the tests attach to the master. Each runs on the
/// loop thread and must return quickly.
public struct MasterEvents: Sendable {
    public var onSignalingConnected: @Sendable () -> Void = {}
    public var onSignalingDisconnected: @Sendable (String) -> Void = { _ in }
    public var onAnswerSent: @Sendable (ViewerKey) -> Void = { _ in }
    public var onSessionEnded: @Sendable (ViewerKey) -> Void = { _ in }
    public var onDataChannelLine: @Sendable (String) -> Void = { _ in }
    public var onDataChannelMessage: @Sendable (ViewerKey, [UInt8], Bool) -> Void = { _, _, _ in }
    public var onStatusLine: @Sendable (String) -> Void = { _ in }

    public init() {}

    func signalingConnected() { onSignalingConnected() }
    func signalingDisconnected(_ reason: String) { onSignalingDisconnected(reason) }
    func answerSent(_ key: ViewerKey) { onAnswerSent(key) }
    func sessionEnded(_ key: ViewerKey) { onSessionEnded(key) }
    func dataChannelLine(_ line: String) { onDataChannelLine(line) }
    func dataChannelMessage(_ key: ViewerKey, _ data: [UInt8], _ isBinary: Bool) { onDataChannelMessage(key, data, isBinary) }
}

/// True for the first caller only (a completion that two paths race to call).
final class OnceFlag: Sendable {
    private let claimed = Atomic(false)

    func claim() -> Bool { !claimed.exchange(true, ordering: .acquiringAndReleasing) }
}
