import STUN
import WireKit

/// A sans-IO TURN client: one allocation on one server (RFC 8656).
///
/// Bytes from the server and `now` go in (``handleReceived(_:now:)``, ``handleTimeout(now:)``);
/// datagrams or stream bytes for the server (``pollTransmit()``), events (``pollEvent()``) and
/// the next deadline (``pollTimeout()``) come out. The client never reads a clock or touches a
/// socket.
///
/// It authenticates with long-term credentials (RFC 8489 §9.2: challenge, stale nonce),
/// refreshes the allocation before its lifetime ends (§8), renews permissions (§9) and channel
/// bindings (§12) before the server forgets them, relays with Send/Data indications (§10)
/// until a channel is bound and with ChannelData (§12.4) after, and frames TCP/TLS streams
/// (§12.5).
public struct TURNClient: Sendable {
    /// Where the allocation stands.
    public enum Phase: Hashable, Sendable {
        case idle
        case allocating
        case allocated
        case deallocating
        case failed(TURNFailure)
        case closed
    }

    /// The allocation the server granted (RFC 8656 §7.3).
    struct Allocation: Sendable {
        var relayed: SocketAddress
        var mapped: SocketAddress?
        var expiresAt: Instant
        /// When to send the next Refresh; nil while one is outstanding.
        var refreshAt: Instant?
    }

    enum State: Sendable {
        case idle
        case allocating
        case allocated(Allocation)
        case deallocating
        case failed(TURNFailure)
        case closed
    }

    /// What the server told the client in its challenge (RFC 8489 §9.2.3).
    struct Authentication: Sendable {
        var realm: String
        var nonce: String
        var key: STUNKey
    }

    /// A permission for one peer IP (RFC 8656 §9), ports ignored.
    enum Permission: Sendable {
        /// Asked for before the allocation exists.
        case waiting
        /// A CreatePermission is outstanding; for a renewal, `expiresAt` is when the server
        /// forgets the permission installed before.
        case requesting(TransactionID, expiresAt: Instant?)
        case installed(refreshAt: Instant, expiresAt: Instant)

        var expiresAt: Instant? {
            switch self {
            case .waiting: nil
            case .requesting(_, let expiresAt): expiresAt
            case .installed(_, let expiresAt): expiresAt
            }
        }

        var isInstalled: Bool { expiresAt != nil }
    }

    /// A channel binding for one peer transport address (RFC 8656 §12).
    struct Channel: Sendable {
        enum Status: Sendable {
            case waiting
            /// A ChannelBind is outstanding; for a renewal, `expiresAt` is when the server
            /// forgets the binding made before.
            case binding(TransactionID, expiresAt: Instant?)
            case bound(refreshAt: Instant, expiresAt: Instant)
        }

        var number: UInt16
        var status: Status

        var expiresAt: Instant? {
            switch status {
            case .waiting: nil
            case .binding(_, let expiresAt): expiresAt
            case .bound(_, let expiresAt): expiresAt
            }
        }

        var isBound: Bool { expiresAt != nil }
    }

    public let configuration: TURNClientConfiguration
    var state: State = .idle
    var authentication: Authentication?
    var transactions: [TransactionID: Transaction] = [:]
    var permissions: [IPAddress: Permission] = [:]
    var channels: [SocketAddress: Channel] = [:]
    var peersByChannel: [UInt16: SocketAddress] = [:]
    var nextChannelNumber: UInt16 = ChannelData.validChannelNumbers.lowerBound
    var transmits: [Transmit] = []
    var events: [TURNEvent] = []
    var framer = TURNStreamFramer()
    var random: any RandomNumberGenerator & Sendable
    public internal(set) var statistics = TURNClientStatistics()

    /// `random` draws transaction ids; give it a cryptographically secure generator in
    /// production (RFC 8489 §6.3: ids an off-path attacker cannot guess).
    public init(configuration: TURNClientConfiguration, random: some RandomNumberGenerator & Sendable) {
        self.configuration = configuration
        self.random = random
    }

    // MARK: - Observation

    public var phase: Phase {
        switch state {
        case .idle: .idle
        case .allocating: .allocating
        case .allocated: .allocated
        case .deallocating: .deallocating
        case .failed(let failure): .failed(failure)
        case .closed: .closed
        }
    }

    /// The relayed transport address once allocated: the relay candidate's address.
    public var relayedAddress: SocketAddress? {
        if case .allocated(let allocation) = state { allocation.relayed } else { nil }
    }

    /// The client's address as the server sees it (XOR-MAPPED-ADDRESS of the Allocate response).
    public var mappedAddress: SocketAddress? {
        if case .allocated(let allocation) = state { allocation.mapped } else { nil }
    }

    /// When the allocation expires unless refreshed.
    public var allocationExpiry: Instant? {
        if case .allocated(let allocation) = state { allocation.expiresAt } else { nil }
    }

    /// Whether the server holds a permission for `ip` (installed and not yet failed).
    public func hasPermission(for ip: IPAddress) -> Bool { permissions[ip]?.isInstalled ?? false }

    /// The channel number bound to `peer`, once the server confirmed it.
    public func boundChannel(for peer: SocketAddress) -> UInt16? {
        guard let channel = channels[peer], channel.isBound else { return nil }
        return channel.number
    }

    // MARK: - Output

    /// The next message for the server, in order.
    public mutating func pollTransmit() -> Transmit? {
        transmits.isEmpty ? nil : transmits.removeFirst()
    }

    public mutating func pollEvent() -> TURNEvent? {
        events.isEmpty ? nil : events.removeFirst()
    }

    // MARK: - Commands

    /// Sends the first Allocate (RFC 8656 §7.1), without credentials: the server's 401 brings
    /// the realm and nonce (RFC 8489 §9.2.3). Does nothing unless idle.
    public mutating func start(now: Instant) {
        guard case .idle = state else { return }
        state = .allocating
        startTransaction(.allocate, now: now)
    }

    /// Asks for a permission for `ip` (RFC 8656 §9.1) and keeps it renewed. Queued until the
    /// allocation exists. Asking again for an installed permission does nothing.
    public mutating func createPermission(for ip: IPAddress, now: Instant) {
        switch state {
        case .failed, .closed, .deallocating:
            events.append(.permissionFailed(ip, .noAllocation))
        case .idle, .allocating:
            if permissions[ip] == nil { permissions[ip] = .waiting }
        case .allocated:
            guard permissions[ip] == nil || isWaiting(permissions[ip]) else { return }
            requestPermission(ip, now: now)
        }
    }

    /// Binds a channel to `peer` (RFC 8656 §11.1) and keeps it renewed; the binding also
    /// installs a permission for the peer's IP. Queued until the allocation exists.
    public mutating func bindChannel(to peer: SocketAddress, now: Instant) {
        switch state {
        case .failed, .closed, .deallocating:
            events.append(.channelBindFailed(peer: peer, .noAllocation))
        case .idle, .allocating, .allocated:
            guard channels[peer] == nil else { return }
            guard let number = freeChannelNumber() else {
                events.append(.channelBindFailed(peer: peer, .insufficientCapacity))
                return
            }
            channels[peer] = Channel(number: number, status: .waiting)
            peersByChannel[number] = peer
            if case .allocated = state { requestChannel(peer, now: now) }
        }
    }

    /// Releases the allocation with a Refresh of LIFETIME 0 (RFC 8656 §8.1); ``TURNEvent/deallocated``
    /// follows its response (or its timeout). Before an allocation exists the client just closes.
    public mutating func close(now: Instant) {
        switch state {
        case .allocated:
            transactions = [:]
            permissions = [:]
            channels = [:]
            peersByChannel = [:]
            state = .deallocating
            startTransaction(.refresh(lifetime: 0), now: now)
        case .idle, .allocating:
            transactions = [:]
            state = .closed
            events.append(.deallocated)
        case .deallocating, .failed, .closed:
            break
        }
    }

    // MARK: - Helpers shared by the extensions

    private func isWaiting(_ permission: Permission?) -> Bool {
        if case .waiting? = permission { true } else { false }
    }

    /// The next channel number not in use, wrapping around the range (RFC 8656 §12).
    private mutating func freeChannelNumber() -> UInt16? {
        let range = ChannelData.validChannelNumbers
        for _ in 0..<range.count {
            let candidate = nextChannelNumber
            nextChannelNumber = candidate == range.upperBound ? range.lowerBound : candidate + 1
            if peersByChannel[candidate] == nil { return candidate }
        }
        return nil
    }

    mutating func requestPermission(_ ip: IPAddress, now: Instant) {
        let expiresAt = permissions[ip]?.expiresAt
        let id = startTransaction(.createPermission(ip), now: now)
        permissions[ip] = .requesting(id, expiresAt: expiresAt)
    }

    mutating func requestChannel(_ peer: SocketAddress, now: Instant) {
        guard var channel = channels[peer] else { return }
        let id = startTransaction(.channelBind(peer, channel.number), now: now)
        channel.status = .binding(id, expiresAt: channel.expiresAt)
        channels[peer] = channel
    }

    /// Sends what was asked for before the allocation existed.
    mutating func flushWaitingRequests(now: Instant) {
        for (ip, permission) in permissions {
            if case .waiting = permission { requestPermission(ip, now: now) }
        }
        for (peer, channel) in channels {
            if case .waiting = channel.status { requestChannel(peer, now: now) }
        }
    }

    /// Ends the allocation for good: nothing outstanding, nothing to renew.
    mutating func fail(_ failure: TURNFailure) {
        transactions = [:]
        permissions = [:]
        channels = [:]
        peersByChannel = [:]
        state = .failed(failure)
        events.append(.allocationFailed(failure))
    }

    mutating func enqueue(_ payload: [UInt8]) {
        transmits.append(
            Transmit(
                transport: configuration.transport, source: configuration.localAddress,
                destination: configuration.server, payload: payload))
    }
}
