import STUN
import WireKit

extension ICEAgent {
    /// Answers a connectivity check (RFC 8445 §7.3, RFC 8489 §6.3, §9.1.3) and feeds it back
    /// into the checklist: peer-reflexive remote candidates (§7.3.1.3), triggered checks
    /// (§7.3.1.4) and nomination (§7.3.1.5).
    mutating func handleRequest(_ request: STUNMessage, raw: [UInt8], from remote: SocketAddress,
                                localBase: SocketAddress, relay: RelayID?, now: Instant) {
        // Only sockets behind a usable local candidate answer: under the relay policy a host
        // socket stays silent.
        guard let localIndex = localCandidates.firstIndex(where: {
            $0.base == localBase && $0.relay == relay && $0.kind != .peerReflexive
        }), isPairable(localIndex: localIndex)
        else { return drop() }
        let reply = { (agent: inout ICEAgent, message: STUNMessage, key: STUNKey?) in
            if let bytes = try? message.encode(integrity: key, fingerprint: true) {
                agent.send(bytes, from: localBase, relay: relay, to: remote)
            }
        }
        // §9.1.3: no USERNAME or MESSAGE-INTEGRITY is a 400, a wrong username or MAC a 401,
        // both unauthenticated, and never a success.
        guard let username = request.username, request.messageIntegrity != nil else {
            drop()
            return reply(&self, request.errorResponse(.badRequest), nil)
        }
        let key = localCredentials.key
        guard username.split(separator: ":", maxSplits: 1).first.map(String.init) == localCredentials.ufrag,
            STUNMessage.verifyIntegrity(of: raw, key: key)
        else {
            drop()
            return reply(&self, request.errorResponse(.unauthenticated), nil)
        }
        if let unknown = request.unknownAttributeResponse() { return reply(&self, unknown, key) }
        if let conflict = resolveRoleConflict(request) { return reply(&self, request.errorResponse(conflict), key) }
        let response = request.successResponse(attributes: [.xorMappedAddress(remote)])
        reply(&self, response, key)
        recordIncomingCheck(request, from: remote, localIndex: localIndex, now: now)
    }

    /// §7.3.1.1: both sides claim the same role; the larger tie-breaker wins. Returns 487
    /// when this agent keeps its role, nil when there is no conflict or it switched.
    mutating func resolveRoleConflict(_ request: STUNMessage) -> STUNErrorCode? {
        switch role {
        case .controlling:
            guard let theirs = request.iceControlling else { return nil }
            if tieBreaker >= theirs { return .roleConflict }
            switchRole(to: .controlled)
        case .controlled:
            guard let theirs = request.iceControlled else { return nil }
            if tieBreaker < theirs { return .roleConflict }
            switchRole(to: .controlling)
        }
        return nil
    }

    mutating func recordIncomingCheck(_ request: STUNMessage, from remote: SocketAddress, localIndex: Int,
                                      now: Instant) {
        var remoteIndex = remoteCandidates.firstIndex { $0.address == remote }
        if remoteIndex == nil {
            // §7.3.1.3: an unknown source is a peer-reflexive remote candidate.
            let priority = request.priority ?? ICECandidate.priority(kind: .peerReflexive, localPreference: 0)
            remoteCandidates.append(ICECandidate(
                kind: .peerReflexive, address: remote, priority: priority,
                foundation: ICECandidate.foundation(kind: .peerReflexive, baseIP: remote.ip)))
            remoteIndex = remoteCandidates.count - 1
        }
        guard let remoteIndex else { return }
        var index = pairIndex(localIndex: localIndex, remoteIndex: remoteIndex)
        if index == nil, let id = addPair(localIndex: localIndex, remoteIndex: remoteIndex, state: .waiting) {
            index = pairIndex(id: id)
        }
        guard let index else { return }
        pairs[index].counters.requestsReceived += 1
        pairs[index].counters.responsesSent += 1  // the success response went out just before
        let id = pairs[index].id
        // §7.3.1.4: a triggered check, unless the pair already succeeded or is being checked.
        switch pairs[index].state {
        case .succeeded, .inProgress:
            break
        case .waiting, .frozen, .failed:
            pairs[index].state = .waiting
            if !triggeredQueue.contains(id) { triggeredQueue.append(id) }
        }
        if request.useCandidate, role == .controlled {
            pairs[index].nominationRequested = true
            if pairs[index].isValid { nominate(pairIndex: index, now: now) }
        }
        startChecksIfReady(now: now)
    }

    // MARK: - Consent freshness (RFC 7675)

    /// 0.8–1.2 × the consent interval (RFC 7675 §5.1), so peers do not synchronize.
    mutating func consentInterval() -> Duration {
        let base = configuration.consentInterval.nanoseconds
        let jitter = Int64(rng.next() % 401) - 200  // per mille, −200…+200
        return .nanoseconds(base / 1000 * (1000 + jitter))
    }

    /// Sends a consent check when due and expires consent (RFC 7675 §5.1): `disconnected` after
    /// ``ICEConfiguration/disconnectedTimeout`` without a response, `failed` after
    /// ``ICEConfiguration/consentTimeout``, when the selected pair must stop sending.
    mutating func runConsent(now: Instant) {
        guard var timer = consent, let selectedPair else { return }
        let silence = now - timer.lastResponse
        if silence >= configuration.consentTimeout {
            self.selectedPair = nil
            fail(.consentLost, now: now)
            return
        }
        timer.isDisconnected = silence >= configuration.disconnectedTimeout
        if now >= timer.nextCheck {
            timer.nextCheck = now + consentInterval()
            sendConsentCheck(selectedPair, now: now)
        }
        consent = timer
    }

    mutating func sendConsentCheck(_ pair: ICESelectedPair, now: Instant) {
        guard let remote = remoteCredentials, let localIndex = localCandidates.firstIndex(of: pair.local),
            let (message, priority) = checkRequest(localIndex: localIndex, nominating: false,
                                                   transactionID: newTransactionID())
        else { return }
        // A consent check is not retransmitted: the next one follows within 6 s and any
        // response within the 30 s refreshes consent.
        let once = STUNRetransmission(
            initialRTO: configuration.consentTimeout, maxRTO: configuration.consentTimeout, requestCount: 1,
            finalWaitFactor: 1)
        startTransaction(
            message, purpose: .consent, from: pair.local.base, relay: pair.local.relay, to: pair.remote.address,
            key: remote.key, priority: priority, schedule: once, now: now)
        if let index = pairIndex(of: pair) {
            pairs[index].counters.requestsSent += 1
            pairs[index].counters.consentRequestsSent += 1
        }
    }

    /// The checklist entry of a selected pair.
    func pairIndex(of selected: ICESelectedPair) -> Int? {
        pairs.firstIndex { pair in
            localCandidates.indices.contains(pair.localIndex) && remoteCandidates.indices.contains(pair.remoteIndex)
                && localCandidates[pair.localIndex] == selected.local && remoteCandidates[pair.remoteIndex] == selected.remote
        }
    }
}
