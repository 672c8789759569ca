import STUN
import WireKit

extension ICEAgent {
    /// A relay allocation made by the I/O layer's TURN client (RFC 8445 §5.1.1.2): the relayed
    /// address the server allocated, the server-reflexive address it saw, and the server's IP
    /// (for the foundation).
    public struct RelayAllocation: Hashable, Sendable {
        public var relay: RelayID
        public var relayedAddress: SocketAddress
        public var mappedAddress: SocketAddress?
        public var serverIP: IPAddress?
        public init(relay: RelayID, relayedAddress: SocketAddress, mappedAddress: SocketAddress? = nil,
                    serverIP: IPAddress? = nil) {
            self.relay = relay
            self.relayedAddress = relayedAddress
            self.mappedAddress = mappedAddress
            self.serverIP = serverIP
        }
    }

    /// Whether a local interface address may become a host candidate under the configuration.
    public func acceptsLocalAddress(_ ip: IPAddress) -> Bool {
        if ip.isUnspecified { return false }
        if ip.isLoopback && !configuration.includeLoopback { return false }
        if ip.isLinkLocal && !configuration.includeLinkLocal { return false }
        if !ip.isIPv4 && !configuration.includeIPv6 { return false }
        return true
    }

    /// Starts gathering (RFC 8445 §5.1.1) on the sockets the I/O layer bound, best interface
    /// first: host candidates at once, server-reflexive ones from the configured STUN servers,
    /// relayed ones as the allocations in `pendingRelays` report through
    /// ``addRelayCandidate(_:now:)`` or ``relayAllocationFailed(_:now:)``. Each candidate is
    /// emitted as gathered, then end-of-candidates (RFC 8838 §4.3) when all are in or at the
    /// gathering timeout. Under the relay policy host and reflexive candidates are not used.
    public mutating func startGathering(localAddresses: [SocketAddress], pendingRelays: [RelayID] = [], now: Instant) {
        guard gathering == .idle, !isClosed else { return }
        gathering = .gathering(deadline: now + configuration.gatheringTimeout)
        self.pendingRelays = Set(pendingRelays)
        if configuration.policy == .all {
            let usable = localAddresses.filter { acceptsLocalAddress($0.ip) }
            localPreferences = ICECandidate.localPreferences(for: usable.map(\.ip))
            for address in usable { addHostCandidate(address, now: now) }
        }
        checkGatheringComplete()
        startChecksIfReady(now: now)
    }

    mutating func addHostCandidate(_ address: SocketAddress, now: Instant) {
        guard !localCandidates.contains(where: { $0.kind == .host && $0.address == address }) else { return }
        let preference = localPreferences[address.ip] ?? 65535
        let host = ICECandidate(
            kind: .host, address: address,
            priority: ICECandidate.priority(kind: .host, localPreference: preference),
            foundation: ICECandidate.foundation(kind: .host, baseIP: address.ip))
        let index = addLocalCandidate(host)
        for server in configuration.stunServers where server.ip.isIPv4 == address.ip.isIPv4 {
            var attributes: [STUNAttribute] = []
            if let software = configuration.software { attributes.append(.software(software)) }
            let request = STUNMessage(
                method: .binding, messageClass: .request, transactionID: newTransactionID(), attributes: attributes)
            startTransaction(
                request, purpose: .serverReflexive(hostIndex: index, server: server), from: address, relay: nil,
                to: server, key: nil, schedule: configuration.gatheringRetransmission, now: now)
        }
    }

    /// A relay allocation succeeded: its relayed candidate joins the checklist.
    public mutating func addRelayCandidate(_ allocation: RelayAllocation, now: Instant) {
        pendingRelays.remove(allocation.relay)
        guard !isClosed,
            !localCandidates.contains(where: { $0.kind == .relayed && $0.address == allocation.relayedAddress })
        else { return }
        let rank = localCandidates.filter { $0.kind == .relayed }.count
        let relayed = ICECandidate(
            kind: .relayed, address: allocation.relayedAddress, relatedAddress: allocation.mappedAddress,
            priority: ICECandidate.priority(kind: .relayed, localPreference: UInt16(max(0, 65535 - 128 * rank))),
            foundation: ICECandidate.foundation(
                kind: .relayed, baseIP: allocation.mappedAddress?.ip ?? allocation.relayedAddress.ip,
                serverIP: allocation.serverIP),
            relay: allocation.relay)
        addLocalCandidate(relayed)
        checkGatheringComplete()
        startChecksIfReady(now: now)
    }

    /// A relay allocation failed; gathering no longer waits for it.
    public mutating func relayAllocationFailed(_ relay: RelayID, now: Instant) {
        pendingRelays.remove(relay)
        checkGatheringComplete()
    }

    /// Stores a local candidate, signals it, and pairs it with the remote candidates.
    @discardableResult
    mutating func addLocalCandidate(_ candidate: ICECandidate) -> Int {
        localCandidates.append(candidate)
        let index = localCandidates.count - 1
        if candidate.kind != .peerReflexive { emit(.localCandidate(candidate)) }
        if isPairable(localIndex: index) {
            for remoteIndex in remoteCandidates.indices { addPair(localIndex: index, remoteIndex: remoteIndex) }
        }
        return index
    }

    /// RFC 8445 §6.1.2.4: a server-reflexive local candidate pairs like its base, so only host,
    /// relayed (and peer-reflexive, §7.2.5.3.1, made by checks) candidates form pairs; under
    /// the relay policy only relayed ones.
    func isPairable(localIndex: Int) -> Bool {
        let kind = localCandidates[localIndex].kind
        switch configuration.policy {
        case .relay: return kind == .relayed
        case .all: return kind == .host || kind == .relayed
        }
    }

    mutating func handleServerReflexiveResponse(_ message: STUNMessage, transaction: STUNTransaction) {
        guard case .serverReflexive(let hostIndex, let server) = transaction.purpose else { return }
        defer { checkGatheringComplete() }
        guard message.messageClass == .success, let mapped = message.mappedAddress,
            localCandidates.indices.contains(hostIndex)
        else { return }
        let host = localCandidates[hostIndex]
        // §5.1.3: a reflexive address equal to its base (no NAT) or already known is redundant.
        guard mapped != host.address,
            !localCandidates.contains(where: { $0.kind == .serverReflexive && $0.address == mapped })
        else { return }
        let preference = UInt16(truncatingIfNeeded: host.priority >> 8)
        addLocalCandidate(ICECandidate(
            kind: .serverReflexive, address: mapped, base: host.address, relatedAddress: host.address,
            priority: ICECandidate.priority(kind: .serverReflexive, localPreference: preference),
            foundation: ICECandidate.foundation(kind: .serverReflexive, baseIP: host.address.ip, serverIP: server.ip)))
    }

    /// Ends gathering when no server-reflexive request or relay allocation is outstanding.
    mutating func checkGatheringComplete() {
        guard case .gathering = gathering, pendingRelays.isEmpty,
            !transactions.contains(where: { $0.purpose.isGathering })
        else { return }
        finishGathering()
    }

    mutating func finishGathering() {
        transactions.removeAll { $0.purpose.isGathering }
        pendingRelays.removeAll()
        gathering = .complete
        emit(.endOfLocalCandidates)
        updateConnectionState()
    }
}
