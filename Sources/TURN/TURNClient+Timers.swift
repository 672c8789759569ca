import STUN
import WireKit

extension TURNClient {
    /// The earliest instant at which ``handleTimeout(now:)`` has work: a retransmission, a
    /// transaction timeout, or a refresh of the allocation, a permission or a channel.
    public func pollTimeout() -> Instant? {
        var earliest: Instant?
        func consider(_ instant: Instant?) {
            guard let instant else { return }
            if earliest.map({ instant < $0 }) ?? true { earliest = instant }
        }
        for transaction in transactions.values {
            consider(transaction.nextRetransmit ?? transaction.deadline)
        }
        guard case .allocated(let allocation) = state else { return earliest }
        consider(allocation.refreshAt)
        for permission in permissions.values {
            if case .installed(let refreshAt, _) = permission { consider(refreshAt) }
        }
        for channel in channels.values {
            if case .bound(let refreshAt, _) = channel.status { consider(refreshAt) }
        }
        return earliest
    }

    /// Does whatever is due at `now`; call it when ``pollTimeout()`` passes (calling it early
    /// is harmless).
    public mutating func handleTimeout(now: Instant) {
        handleTransactionTimers(now: now)
        guard case .allocated(var allocation) = state else { return }
        if let refreshAt = allocation.refreshAt, refreshAt <= now {
            allocation.refreshAt = nil
            state = .allocated(allocation)
            startTransaction(.refresh(lifetime: configuration.requestedLifetime), now: now)
        }
        for (ip, permission) in permissions {
            if case .installed(let refreshAt, _) = permission, refreshAt <= now {
                requestPermission(ip, now: now)
            }
        }
        for (peer, channel) in channels {
            if case .bound(let refreshAt, _) = channel.status, refreshAt <= now {
                requestChannel(peer, now: now)
            }
        }
    }
}
