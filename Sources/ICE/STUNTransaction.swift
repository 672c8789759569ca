import STUN
import WireKit

/// One outstanding STUN request of the agent and its retransmission timer (RFC 8489 §6.2.1).
struct STUNTransaction: Sendable {
    enum Purpose: Hashable, Sendable {
        /// A Binding request to a STUN server from a host candidate (RFC 8445 §5.1.1.2).
        case serverReflexive(hostIndex: Int, server: SocketAddress)
        /// A connectivity check on a pair (RFC 8445 §7.2.4); `nominating` when it carries
        /// USE-CANDIDATE.
        case check(pairID: Int, nominating: Bool)
        /// A consent check on the selected pair (RFC 7675 §5.1).
        case consent

        var isGathering: Bool { if case .serverReflexive = self { true } else { false } }
    }

    var id: TransactionID
    var purpose: Purpose
    var request: [UInt8]
    var source: SocketAddress
    var relay: RelayID?
    var destination: SocketAddress
    /// The key the response must be authenticated with (the remote password for checks).
    var key: STUNKey?
    /// The role and PRIORITY the request was sent with (§7.2.5.1, §7.2.5.3.1).
    var role: ICERole
    var priority: UInt32
    var schedule: STUNRetransmission
    var sends = 1
    var nextEvent: Instant
    /// When the request last went out: round trips are measured from here.
    var lastSentAt: Instant

    init(id: TransactionID, purpose: Purpose, request: [UInt8], source: SocketAddress, relay: RelayID?,
         destination: SocketAddress, key: STUNKey?, role: ICERole, priority: UInt32, schedule: STUNRetransmission,
         now: Instant) {
        self.id = id
        self.purpose = purpose
        self.request = request
        self.source = source
        self.relay = relay
        self.destination = destination
        self.key = key
        self.role = role
        self.priority = priority
        self.schedule = schedule
        self.nextEvent = now + schedule.interval(after: 0)
        self.lastSentAt = now
    }

    /// Whether the request went out as many times as allowed and the last wait is over.
    var isExhausted: Bool { sends >= schedule.requestCount }

    mutating func recordRetransmit() {
        nextEvent = nextEvent + schedule.interval(after: sends)
        sends += 1
    }
}

extension ICEAgent {
    mutating func newTransactionID() -> TransactionID {
        TransactionID(high: UInt32(truncatingIfNeeded: rng.next()), low: rng.next())
    }

    /// Sends a new request and keeps the transaction for its retransmissions.
    mutating func startTransaction(
        _ message: STUNMessage, purpose: STUNTransaction.Purpose, from source: SocketAddress, relay: RelayID?,
        to destination: SocketAddress, key: STUNKey?, priority: UInt32 = 0, schedule: STUNRetransmission,
        now: Instant
    ) {
        guard let bytes = try? message.encode(integrity: key, fingerprint: true) else { return }
        transactions.append(STUNTransaction(
            id: message.transactionID, purpose: purpose, request: bytes, source: source, relay: relay,
            destination: destination, key: key, role: role, priority: priority, schedule: schedule, now: now))
        send(bytes, from: source, relay: relay, to: destination)
    }

    /// Retransmits due requests and fails exhausted transactions.
    mutating func runTransactionTimers(now: Instant) {
        var failed: [STUNTransaction] = []
        var index = 0
        while index < transactions.count {
            guard transactions[index].nextEvent <= now else {
                index += 1
                continue
            }
            if transactions[index].isExhausted {
                failed.append(transactions.remove(at: index))
                continue
            }
            transactions[index].recordRetransmit()
            transactions[index].lastSentAt = now
            let t = transactions[index]
            send(t.request, from: t.source, relay: t.relay, to: t.destination)
            index += 1
        }
        for t in failed { transactionFailed(t, now: now) }
    }

    mutating func transactionFailed(_ t: STUNTransaction, now: Instant) {
        switch t.purpose {
        case .serverReflexive:
            checkGatheringComplete()
        case .check(let pairID, let nominating):
            setPairState(pairID, .failed)
            if nominating { nominationFailed(pairID: pairID) }
        case .consent:
            break
        }
    }
}
