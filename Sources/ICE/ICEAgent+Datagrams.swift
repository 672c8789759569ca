import STUN
import WireKit

extension ICEAgent {
    /// A STUN datagram that arrived on the local socket `local` from `remote` (the I/O layer
    /// demultiplexes by first byte, RFC 7983). Malformed or unauthenticated datagrams are
    /// dropped and counted.
    public mutating func handleDatagram(_ bytes: [UInt8], from remote: SocketAddress, to local: SocketAddress,
                                        now: Instant) {
        handleSTUN(bytes, from: remote, localBase: local, relay: nil, now: now)
    }

    /// A STUN datagram the relay `relay` received from `peer` (unwrapped from a Data
    /// indication or ChannelData by the I/O layer's TURN client).
    public mutating func handleRelayedDatagram(_ bytes: [UInt8], from peer: SocketAddress, relay: RelayID,
                                               now: Instant) {
        guard let candidate = localCandidates.first(where: { $0.kind == .relayed && $0.relay == relay }) else {
            droppedDatagrams += 1
            return
        }
        handleSTUN(bytes, from: peer, localBase: candidate.base, relay: relay, now: now)
    }

    mutating func handleSTUN(_ bytes: [UInt8], from remote: SocketAddress, localBase: SocketAddress, relay: RelayID?,
                             now: Instant) {
        guard !isClosed, let message = try? STUNMessage(decoding: bytes),
            message.fingerprint == nil || STUNMessage.verifyFingerprint(of: bytes)
        else {
            droppedDatagrams += 1
            return
        }
        switch message.messageClass {
        case .request:
            guard message.method == .binding else { return drop() }
            handleRequest(message, raw: bytes, from: remote, localBase: localBase, relay: relay, now: now)
        case .success, .error:
            handleResponse(message, raw: bytes, from: remote, localBase: localBase, now: now)
        case .indication:
            break  // Binding indications are keepalives (RFC 8445 §11); nothing to do.
        }
        updateConnectionState()
    }

    mutating func drop() { droppedDatagrams += 1 }

    // MARK: - Responses (RFC 8445 §7.2.5)

    mutating func handleResponse(_ message: STUNMessage, raw: [UInt8], from remote: SocketAddress,
                                 localBase: SocketAddress, now: Instant) {
        guard let index = transactions.firstIndex(where: { $0.id == message.transactionID }) else { return drop() }
        let transaction = transactions[index]
        // §7.2.5.1: an unauthenticated response is ignored; the transaction goes on.
        if let key = transaction.key, !STUNMessage.verifyIntegrity(of: raw, key: key) { return drop() }
        transactions.remove(at: index)
        switch transaction.purpose {
        case .serverReflexive:
            handleServerReflexiveResponse(message, transaction: transaction)
        case .consent:
            if message.messageClass == .success, remote == transaction.destination, localBase == transaction.source {
                consent?.lastResponse = now
                consent?.isDisconnected = false
                if let selectedPair, let index = pairIndex(of: selectedPair) {
                    pairs[index].counters.recordResponse(roundTrip: now - transaction.lastSentAt)
                }
            }
        case .check(let pairID, let nominating):
            handleCheckResponse(message, transaction: transaction, pairID: pairID, nominating: nominating,
                                from: remote, localBase: localBase, now: now)
        }
    }

    mutating func handleCheckResponse(
        _ message: STUNMessage, transaction: STUNTransaction, pairID: Int, nominating: Bool, from remote: SocketAddress,
        localBase: SocketAddress, now: Instant
    ) {
        guard let index = pairIndex(id: pairID) else { return }
        // §7.2.5.2.1: the response must come back on the path the request took.
        guard remote == transaction.destination, localBase == transaction.source else {
            pairs[index].state = .failed
            if nominating { nominationFailed(pairID: pairID) }
            return
        }
        if message.messageClass == .error {
            if message.errorCode?.code == STUNErrorCode.roleConflict.code {
                handleRoleConflictResponse(pairIndex: index, sentAs: transaction.role)
            } else {
                pairs[index].state = .failed
                if nominating { nominationFailed(pairID: pairID) }
            }
            return
        }
        guard let mapped = message.mappedAddress else {
            pairs[index].state = .failed
            return
        }
        pairs[index].counters.recordResponse(roundTrip: now - transaction.lastSentAt)
        learnLocalPeerReflexive(mapped: mapped, pairIndex: index, priority: transaction.priority)
        pairs[index].state = .succeeded
        pairs[index].isValid = true
        // §7.2.5.3.3: pairs of the same foundation may go ahead.
        let foundation = pairs[index].foundation
        for i in pairs.indices where pairs[i].state == .frozen && pairs[i].foundation == foundation {
            pairs[i].state = .waiting
        }
        if case .running(let started, nil, let nominatingID) = checking {
            checking = .running(started: started, firstValid: now, nominating: nominatingID)
        }
        if (nominating && role == .controlling) || (role == .controlled && pairs[index].nominationRequested) {
            nominate(pairIndex: index, now: now)
        }
    }

    /// §7.2.5.3.1: a mapped address that is no local candidate is a new peer-reflexive one,
    /// with the PRIORITY the request carried and the pair's local base.
    mutating func learnLocalPeerReflexive(mapped: SocketAddress, pairIndex index: Int, priority: UInt32) {
        guard !localCandidates.contains(where: { $0.address == mapped }) else { return }
        let local = localCandidates[pairs[index].localIndex]
        localCandidates.append(ICECandidate(
            kind: .peerReflexive, address: mapped, base: local.base, relatedAddress: local.base, priority: priority,
            foundation: ICECandidate.foundation(kind: .peerReflexive, baseIP: local.base.ip), relay: local.relay))
    }

    /// §7.2.5.1: a 487 to a request sent in the current role switches the role and repeats the
    /// check; one sent before an earlier switch just repeats it.
    mutating func handleRoleConflictResponse(pairIndex index: Int, sentAs sentRole: ICERole) {
        let id = pairs[index].id
        pairs[index].state = .waiting
        if sentRole == role { switchRole(to: role == .controlling ? .controlled : .controlling) }
        if !triggeredQueue.contains(id) { triggeredQueue.append(id) }
    }

    mutating func switchRole(to newRole: ICERole) {
        guard newRole != role else { return }
        role = newRole
        recomputePairPriorities()
        if case .running(let started, let firstValid, _) = checking {
            checking = .running(started: started, firstValid: firstValid, nominating: nil)
        }
        emit(.roleChanged(newRole))
    }
}
