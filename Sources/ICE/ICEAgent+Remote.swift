import SDP
import STUN
import WireKit

extension ICEAgent {
    /// The peer's ufrag and password (RFC 8839 §5.4). New values for an agent that already had
    /// some are a remote ICE restart (RFC 8445 §9): the checklist starts over, the selected pair
    /// stays until a new one is selected.
    public mutating func setRemoteCredentials(_ credentials: ICECredentials, now: Instant) {
        guard credentials != remoteCredentials, !isClosed else { return }
        if remoteCredentials != nil { resetChecklist() }
        remoteCredentials = credentials
        startChecksIfReady(now: now)
    }

    /// Restarts ICE from this side (RFC 8445 §9): fresh local credentials, a new checklist, the
    /// local candidates signaled again (RFC 8838 §4.2 with the new ufrag). The peer's new
    /// credentials arrive with ``setRemoteCredentials(_:now:)``.
    public mutating func restart(now: Instant) {
        guard !isClosed else { return }
        localCredentials = .random(using: &rng)
        resetChecklist()
        emit(.localCredentialsChanged(localCredentials))
        for candidate in localCandidates where candidate.kind != .peerReflexive { emit(.localCandidate(candidate)) }
        if gathering == .complete { emit(.endOfLocalCandidates) }
        updateConnectionState()
    }

    mutating func resetChecklist() {
        remoteCandidates.removeAll()
        pairs.removeAll()
        triggeredQueue.removeAll()
        transactions.removeAll { if case .check = $0.purpose { true } else { false } }
        localCandidates.removeAll { $0.kind == .peerReflexive }
        remoteEndOfCandidates = false
        selectedPairID = nil
        checking = .idle
        nextPacing = nil
        failureReason = nil
    }

    /// A remote candidate from the offer or trickled (RFC 8838 §4.4). Candidates that cannot be
    /// used are reported with ``ICEEvent/remoteCandidateIgnored(_:_:)``.
    public mutating func addRemoteCandidate(_ attribute: CandidateAttribute, now: Instant) {
        if let ufrag = attribute.ufrag, let remote = remoteCredentials, ufrag != remote.ufrag {
            emit(.remoteCandidateIgnored(attribute.description, .staleGeneration(ufrag)))
            return
        }
        do throws(ICECandidateRejection) {
            try addRemoteCandidate(try ICECandidate(remote: attribute), now: now)
        } catch {
            emit(.remoteCandidateIgnored(attribute.description, error))
        }
    }

    /// A remote candidate already in the agent's form.
    public mutating func addRemoteCandidate(_ candidate: ICECandidate, now: Instant) throws(ICECandidateRejection) {
        guard !isClosed else { return }
        guard candidate.transport == .udp else { throw .unsupportedTransport(candidate.transport.rawValue) }
        guard candidate.componentID == 1 else { throw .unsupportedComponent(candidate.componentID) }
        if let index = remoteCandidates.firstIndex(where: { $0.address == candidate.address }) {
            // A signaled candidate replaces the peer-reflexive one a check revealed (RFC 8838 §8).
            if remoteCandidates[index].kind == .peerReflexive, candidate.kind != .peerReflexive {
                remoteCandidates[index] = candidate
                recomputePairPriorities()
            }
            return
        }
        guard localCandidates.indices.contains(where: { isPairable(localIndex: $0)
            && localCandidates[$0].canPair(with: candidate) }) || gathering != .complete
        else { throw .noMatchingLocalCandidate }
        remoteCandidates.append(candidate)
        let remoteIndex = remoteCandidates.count - 1
        for localIndex in localCandidates.indices where isPairable(localIndex: localIndex) {
            addPair(localIndex: localIndex, remoteIndex: remoteIndex)
        }
        startChecksIfReady(now: now)
    }

    /// The peer signaled end-of-candidates (RFC 8838 §4.4).
    public mutating func addRemoteEndOfCandidates(now: Instant) {
        remoteEndOfCandidates = true
        checkAllPairsFailed(now: now)
        updateConnectionState()
    }

    // MARK: - Pairs (RFC 8445 §6.1.2)

    func pairIndex(id: Int) -> Int? { pairs.firstIndex { $0.id == id } }

    func pairIndex(localIndex: Int, remoteIndex: Int) -> Int? {
        pairs.firstIndex { $0.localIndex == localIndex && $0.remoteIndex == remoteIndex }
    }

    /// Forms a pair (§6.1.2.2), keeps the list ordered (§6.1.2.3), drops a redundant pair
    /// (§6.1.2.4: same local base and remote address, lower priority) and keeps the list under
    /// its limit (§6.1.2.5). New pairs are Waiting unless a pair of the same foundation is
    /// already Waiting or In-Progress (§6.1.2.6; RFC 8838 §10 for trickled pairs).
    @discardableResult
    mutating func addPair(localIndex: Int, remoteIndex: Int, state: CandidatePairState? = nil) -> Int? {
        let local = localCandidates[localIndex]
        let remote = remoteCandidates[remoteIndex]
        guard local.canPair(with: remote), pairIndex(localIndex: localIndex, remoteIndex: remoteIndex) == nil else {
            return nil
        }
        let priority = CandidatePair.priority(local: local.priority, remote: remote.priority, role: role)
        if let existing = pairs.firstIndex(where: {
            localCandidates[$0.localIndex].base == local.base && remoteCandidates[$0.remoteIndex].address == remote.address
        }) {
            guard pairs[existing].priority < priority, pairs[existing].state == .frozen || pairs[existing].state == .waiting
            else { return nil }
            pairs.remove(at: existing)
        }
        let foundation = local.foundation + ":" + remote.foundation
        let busy = pairs.contains { $0.foundation == foundation && ($0.state == .waiting || $0.state == .inProgress) }
        let pair = CandidatePair(
            id: nextPairID, localIndex: localIndex, remoteIndex: remoteIndex, priority: priority,
            foundation: foundation, state: state ?? (busy ? .frozen : .waiting))
        nextPairID += 1
        let position = pairs.firstIndex { $0.priority < priority } ?? pairs.count
        pairs.insert(pair, at: position)
        if pairs.count > configuration.maxPairs, let drop = pairs.lastIndex(where: { $0.state == .frozen || $0.state == .waiting }) {
            pairs.remove(at: drop)
        }
        return pairIndex(id: pair.id).map { _ in pair.id }
    }

    /// After a role change every pair priority changes (§7.2.5.1).
    mutating func recomputePairPriorities() {
        for i in pairs.indices {
            pairs[i].priority = CandidatePair.priority(
                local: localCandidates[pairs[i].localIndex].priority,
                remote: remoteCandidates[pairs[i].remoteIndex].priority, role: role)
        }
        pairs.sort { $0.priority > $1.priority }
    }

    mutating func setPairState(_ id: Int, _ state: CandidatePairState) {
        guard let index = pairIndex(id: id) else { return }
        pairs[index].state = state
    }
}
