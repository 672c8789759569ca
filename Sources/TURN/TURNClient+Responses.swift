import STUN
import WireKit

extension TURNClient {
    /// A verified success response (RFC 8656 §7.3, §8.3, §9.3, §11.3).
    mutating func handleSuccess(of transaction: Transaction, _ message: STUNMessage, now: Instant) {
        switch transaction.purpose {
        case .allocate:
            allocationSucceeded(message, now: now)
        case .refresh(let requested):
            refreshSucceeded(message, requested: requested, now: now)
        case .createPermission(let ip):
            guard let permission = permissions[ip], case .allocated = state else { return }
            installPermission(ip, now: now)
            if !permission.isInstalled { events.append(.permissionCreated(ip)) }
        case .channelBind(let peer, _):
            guard var channel = channels[peer], case .allocated = state else { return }
            let wasBound = channel.isBound
            channel.status = .bound(
                refreshAt: now + configuration.channelRefreshInterval, expiresAt: now + Self.channelLifetime)
            channels[peer] = channel
            if !wasBound { events.append(.channelBound(peer: peer, channel: channel.number)) }
            // The binding installed a permission too (§12); keep renewing it on its own
            // schedule, since the server drops permissions after 5 minutes and channels after 10.
            let hadPermission = permissions[peer.ip]?.isInstalled ?? false
            if case .requesting? = permissions[peer.ip] { return }
            installPermission(peer.ip, now: now)
            if !hadPermission { events.append(.permissionCreated(peer.ip)) }
        }
    }

    /// How long a server keeps a permission (RFC 8656 §9) and a channel binding (§12).
    static let permissionLifetime = Duration.seconds(300)
    static let channelLifetime = Duration.seconds(600)

    private mutating func installPermission(_ ip: IPAddress, now: Instant) {
        permissions[ip] = .installed(
            refreshAt: now + configuration.permissionRefreshInterval, expiresAt: now + Self.permissionLifetime)
    }

    private mutating func allocationSucceeded(_ message: STUNMessage, now: Instant) {
        guard case .allocating = state else { return }
        guard let relayed = message.xorRelayedAddress else {
            fail(.malformedResponse)
            return
        }
        let lifetime = Duration.seconds(message.lifetime ?? configuration.requestedLifetime)
        state = .allocated(
            Allocation(
                relayed: relayed, mapped: message.mappedAddress, expiresAt: now + lifetime,
                refreshAt: now + Self.refreshDelay(lifetime)))
        events.append(.allocated(relayed: relayed, mapped: message.mappedAddress, lifetime: lifetime))
        flushWaitingRequests(now: now)
    }

    private mutating func refreshSucceeded(_ message: STUNMessage, requested: UInt32, now: Instant) {
        switch state {
        case .deallocating:
            state = .closed
            events.append(.deallocated)
        case .allocated(var allocation):
            let lifetime = Duration.seconds(message.lifetime ?? requested)
            allocation.expiresAt = now + lifetime
            allocation.refreshAt = now + Self.refreshDelay(lifetime)
            state = .allocated(allocation)
            events.append(.refreshed(lifetime: lifetime))
        case .idle, .allocating, .failed, .closed:
            break
        }
    }

    /// Refresh at 80% of the lifetime: enough margin for a full transaction timeout (39.5 s)
    /// with the default 600 s, while a short lifetime still gets renewed in time.
    static func refreshDelay(_ lifetime: Duration) -> Duration { lifetime * 4 / 5 }

    /// An error response, a timeout, or a challenge that cannot be answered.
    mutating func handleFailure(of transaction: Transaction, id: TransactionID, _ failure: TURNFailure, now: Instant) {
        switch transaction.purpose {
        case .allocate:
            guard case .allocating = state else { return }
            fail(failure)
        case .refresh(let lifetime):
            refreshFailed(failure, lifetime: lifetime, now: now)
        case .createPermission(let ip):
            guard let permission = permissions[ip] else { return }
            if renewalMayBeRetried(failure, expiresAt: permission.expiresAt, now: now) {
                requestPermission(ip, now: now)
                return
            }
            permissions[ip] = nil
            events.append(.permissionFailed(ip, failure))
        case .channelBind(let peer, let number):
            guard let channel = channels[peer] else { return }
            if renewalMayBeRetried(failure, expiresAt: channel.expiresAt, now: now) {
                requestChannel(peer, now: now)
                return
            }
            channels[peer] = nil
            peersByChannel[number] = nil
            events.append(.channelBindFailed(peer: peer, failure))
        }
    }

    /// A renewal lost to a timeout is sent again while the server still holds what it renews
    /// for long enough to answer a whole new transaction.
    private func renewalMayBeRetried(_ failure: TURNFailure, expiresAt: Instant?, now: Instant) -> Bool {
        guard failure == .timeout, let expiresAt, case .allocated = state else { return false }
        return expiresAt - now > configuration.transactionTimeout
    }

    /// RFC 8656 §8.3: 437 means the allocation is gone. A timeout is retried while the
    /// allocation still has time left for a whole new transaction.
    private mutating func refreshFailed(_ failure: TURNFailure, lifetime: UInt32, now: Instant) {
        switch state {
        case .deallocating:
            state = .closed
            events.append(.deallocated)
        case .allocated(let allocation):
            if failure == .timeout, allocation.expiresAt - now > configuration.transactionTimeout {
                startTransaction(.refresh(lifetime: lifetime), now: now)
            } else {
                fail(failure)
            }
        case .idle, .allocating, .failed, .closed:
            break
        }
    }
}
