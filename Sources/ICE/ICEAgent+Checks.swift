import STUN
import WireKit

extension ICEAgent {
    /// Checks start once the remote credentials and at least one pair exist (RFC 8445 §6.1.4).
    mutating func startChecksIfReady(now: Instant) {
        guard !isClosed, failureReason == nil, remoteCredentials != nil, !pairs.isEmpty, checking == .idle else {
            return
        }
        checking = .running(started: now, firstValid: nil, nominating: nil)
        updateConnectionState()
    }

    /// Whether the pacer has a check to send now (§6.1.4.2): a triggered check, or, until a
    /// pair is selected, a Waiting or Frozen pair.
    var hasCheckToSend: Bool {
        guard remoteCredentials != nil, failureReason == nil, !isClosed else { return false }
        if !triggeredQueue.isEmpty { return true }
        guard case .running = checking else { return false }
        return pairs.contains { $0.state == .waiting || $0.state == .frozen }
    }

    /// Every Ta, one check (§6.1.4.2): the triggered queue first, then the highest-priority
    /// Waiting pair, then a Frozen pair unfrozen.
    mutating func runPacer(now: Instant) {
        guard hasCheckToSend, nextPacing.map({ $0 <= now }) ?? true else { return }
        var next: Int?
        while next == nil, !triggeredQueue.isEmpty {
            let id = triggeredQueue.removeFirst()
            if let index = pairIndex(id: id), pairs[index].state != .inProgress { next = index }
        }
        if next == nil, case .running = checking {
            next = pairs.firstIndex { $0.state == .waiting } ?? pairs.firstIndex { $0.state == .frozen }
        }
        guard let index = next else { return }
        sendCheck(pairIndex: index, nominating: role == .controlling && isNominating(pairID: pairs[index].id), now: now)
        nextPacing = now + configuration.pacing
    }

    func isNominating(pairID: Int) -> Bool {
        if case .running(_, _, let nominating) = checking { return nominating == pairID }
        return false
    }

    /// The request of a check (§7.2.4): USERNAME `remote:local`, PRIORITY of a would-be
    /// peer-reflexive candidate, the role with the tie-breaker, USE-CANDIDATE when nominating;
    /// MESSAGE-INTEGRITY with the remote password and FINGERPRINT are added when encoding.
    func checkRequest(localIndex: Int, nominating: Bool, transactionID: TransactionID) -> (STUNMessage, UInt32)? {
        guard let remote = remoteCredentials else { return nil }
        let local = localCandidates[localIndex]
        let preference = UInt16(truncatingIfNeeded: local.priority >> 8)
        let priority = ICECandidate.priority(kind: .peerReflexive, localPreference: preference,
                                             componentID: local.componentID)
        var attributes: [STUNAttribute] = [
            .username("\(remote.ufrag):\(localCredentials.ufrag)"), .priority(priority),
            role == .controlling ? .iceControlling(tieBreaker) : .iceControlled(tieBreaker),
        ]
        if nominating { attributes.append(.useCandidate) }
        let message = STUNMessage(
            method: .binding, messageClass: .request, transactionID: transactionID, attributes: attributes)
        return (message, priority)
    }

    mutating func sendCheck(pairIndex index: Int, nominating: Bool, now: Instant) {
        let id = newTransactionID()
        guard let remote = remoteCredentials,
            let (message, priority) = checkRequest(localIndex: pairs[index].localIndex, nominating: nominating,
                                                   transactionID: id)
        else { return }
        let pair = pairs[index]
        let local = localCandidates[pair.localIndex]
        if pair.state != .succeeded { pairs[index].state = .inProgress }
        startTransaction(
            message, purpose: .check(pairID: pair.id, nominating: nominating), from: local.base, relay: local.relay,
            to: remoteCandidates[pair.remoteIndex].address, key: remote.key, priority: priority,
            schedule: configuration.checkRetransmission, now: now)
        pairs[index].counters.requestsSent += 1
    }

    // MARK: - Nomination (RFC 8445 §8.1)

    /// Controlling agent: nominate the best valid pair once no better pair is still being
    /// checked, or once ``ICEConfiguration/nominationDelay`` has passed since the first valid
    /// pair, by repeating its check with USE-CANDIDATE (regular nomination, §8.1.1).
    mutating func nominateIfReady(now: Instant) {
        guard role == .controlling, selectedPairID == nil,
            case .running(let started, let firstValid?, nil) = checking,
            let best = pairs.firstIndex(where: { $0.isValid && $0.state != .failed })
        else { return }
        let betterPending = pairs[..<best].contains {
            $0.state == .waiting || $0.state == .inProgress || $0.state == .frozen
        }
        guard !betterPending || now >= firstValid + configuration.nominationDelay else { return }
        checking = .running(started: started, firstValid: firstValid, nominating: pairs[best].id)
        sendCheck(pairIndex: best, nominating: true, now: now)
    }

    mutating func nominationFailed(pairID: Int) {
        guard case .running(let started, let firstValid, pairID?) = checking else { return }
        if let index = pairIndex(id: pairID) {
            pairs[index].isValid = false
            pairs[index].state = .failed
        }
        checking = .running(started: started, firstValid: firstValid, nominating: nil)
    }

    /// A nominated valid pair becomes the selected pair (§8.1.1 controlling, §7.3.1.5
    /// controlled). A controlled agent moves to a later nominated pair only if it has higher
    /// priority (peers that nominate more than one pair).
    mutating func nominate(pairIndex index: Int, now: Instant) {
        // A failed checklist stays failed until an ICE restart (RFC 8445 §6.1.2.1, §9): a late
        // nomination must not hand the owner a selected pair while the state says failed.
        guard failureReason == nil else { return }
        pairs[index].isNominated = true
        guard pairs[index].isValid else { return }
        if let current = selectedPairID, let currentIndex = pairIndex(id: current),
            pairs[currentIndex].priority >= pairs[index].priority
        {
            return
        }
        let pair = pairs[index]
        selectedPairID = pair.id
        checking = .done
        let selected = ICESelectedPair(local: localCandidates[pair.localIndex], remote: remoteCandidates[pair.remoteIndex])
        // Ordinary checks stop (§8.1.2); triggered checks still answer the peer.
        for i in pairs.indices where pairs[i].state == .waiting || pairs[i].state == .frozen {
            pairs[i].state = .failed
        }
        if selected != selectedPair {
            selectedPair = selected
            emit(.selectedPairChanged(selected))
        }
        consent = ConsentTimer(lastResponse: now, nextCheck: now + consentInterval())
        updateConnectionState()
    }

    // MARK: - Timers

    /// Runs everything due at `now`: retransmissions, gathering timeout, paced checks,
    /// nomination, consent and the failure timeouts.
    public mutating func handleTimeout(now: Instant) {
        guard !isClosed else { return }
        runTransactionTimers(now: now)
        if case .gathering(let deadline) = gathering, now >= deadline { finishGathering() }
        runPacer(now: now)
        nominateIfReady(now: now)
        runConsent(now: now)
        checkFailureTimeouts(now: now)
        updateConnectionState()
    }

    func checkingDeadlines() -> [Instant?] {
        guard failureReason == nil, case .running(let started, let firstValid, let nominating) = checking else {
            return []
        }
        var deadlines: [Instant?] = []
        if let firstValid {
            if selectedPairID == nil { deadlines.append(firstValid + configuration.nominationTimeout) }
            // Only while a pair can be nominated, or the deadline would stay due forever.
            if role == .controlling, nominating == nil, pairs.contains(where: { $0.isValid && $0.state != .failed }) {
                deadlines.append(firstValid + configuration.nominationDelay)
            }
        } else {
            deadlines.append(started + configuration.connectivityCheckTimeout)
        }
        return deadlines
    }

    mutating func checkFailureTimeouts(now: Instant) {
        guard case .running(let started, let firstValid, _) = checking else { return }
        if let firstValid {
            if selectedPairID == nil, now >= firstValid + configuration.nominationTimeout {
                fail(.nominationTimeout, now: now)
            }
        } else if now >= started + configuration.connectivityCheckTimeout {
            fail(.connectivityCheckTimeout, now: now)
        } else {
            checkAllPairsFailed(now: now)
        }
    }

    /// RFC 8445 §8.1.2: with both sides done gathering and every pair failed, ICE failed.
    mutating func checkAllPairsFailed(now: Instant) {
        guard case .running = checking, remoteEndOfCandidates, gathering == .complete, triggeredQueue.isEmpty,
            !pairs.isEmpty, pairs.allSatisfy({ $0.state == .failed })
        else { return }
        fail(.allPairsFailed, now: now)
    }
}
