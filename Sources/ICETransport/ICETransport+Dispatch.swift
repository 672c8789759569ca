import EventLoop
import ICE
import WireKit

extension ICETransport {
    // MARK: - Network → agent or owner (RFC 7983 demultiplexing)

    /// A datagram on a host socket: STUN for the agent (checks, their responses, STUN server
    /// responses), anything else for the owner when it comes over a valid pair.
    func receiveHost(_ datagram: UDPSocket.Datagram, local: SocketAddress) {
        guard phase == .running else { return }
        statistics.datagramsReceived += 1
        guard !datagram.truncated else {
            statistics.truncatedDatagrams += 1
            return
        }
        let now = loop.now
        if Demultiplexer.classify(datagram.payload) == .stun {
            statistics.stunReceived += 1
            agent.handleDatagram(datagram.payload, from: datagram.source, to: local, now: now)
            pump()
        } else {
            deliverData(datagram.payload, from: datagram.source, localBase: local, relay: nil, now: now)
        }
    }

    /// Data a relay received from `peer` (unwrapped from a Data indication or ChannelData).
    func receiveRelayed(_ data: [UInt8], from peer: SocketAddress, relay: RelayID, now: Instant) {
        statistics.datagramsReceived += 1
        if Demultiplexer.classify(data) == .stun {
            statistics.stunReceived += 1
            agent.handleRelayedDatagram(data, from: peer, relay: relay, now: now)
            return
        }
        guard let base = agent.localCandidates.first(where: { $0.kind == .relayed && $0.relay == relay })?.base else {
            statistics.unexpectedDatagrams += 1
            return
        }
        deliverData(data, from: peer, localBase: base, relay: relay, now: now)
    }

    func deliverData(_ data: [UInt8], from remote: SocketAddress, localBase: SocketAddress, relay: RelayID?,
                     now: Instant) {
        guard isValidPath(localBase: localBase, relay: relay, remote: remote) else {
            statistics.unexpectedDatagrams += 1
            return
        }
        statistics.dataReceived += 1
        agent.dataReceived(from: remote, to: localBase, now: now)
        onData?(data)
    }

    /// The selected pair, or any pair whose check succeeded: the peer may start DTLS on the
    /// pair it nominated before this side has processed the nomination.
    func isValidPath(localBase: SocketAddress, relay: RelayID?, remote: SocketAddress) -> Bool {
        if let pair = agent.selectedPair, pair.local.base == localBase, pair.local.relay == relay,
            pair.remote.address == remote
        {
            return true
        }
        return agent.pairs.contains { pair in
            guard pair.isValid, agent.localCandidates.indices.contains(pair.localIndex),
                agent.remoteCandidates.indices.contains(pair.remoteIndex)
            else { return false }
            let local = agent.localCandidates[pair.localIndex]
            return local.base == localBase && local.relay == relay
                && agent.remoteCandidates[pair.remoteIndex].address == remote
        }
    }

    // MARK: - The pump

    /// Runs the agent's and the relays' outputs until none is left (each may feed the other),
    /// re-arms the timer, then tells the owner what happened.
    func pump() {
        guard phase == .running else { return deliverEvents() }
        // A call from the owner's data handler, made inside this loop, is covered by it.
        guard !isPumping else { return }
        isPumping = true
        let now = loop.now
        var progressed = true
        while progressed {
            progressed = false
            while let output = agent.pollOutput() {
                progressed = true
                handleAgentOutput(output, now: now)
            }
            for index in relays.indices where drainRelay(index, now: now) { progressed = true }
        }
        isPumping = false
        rearmTimer()
        deliverEvents()
    }

    func handleAgentOutput(_ output: ICEOutput, now: Instant) {
        switch output {
        case .transmit(let transmit):
            guard let socket = hostSockets.first(where: { $0.localAddress == transmit.source }) else {
                statistics.sendFailures += 1
                return
            }
            if case .sent = socket.send(transmit.payload, to: transmit.destination) {
                statistics.datagramsSent += 1
            } else {
                statistics.sendFailures += 1
            }
        case .relayTransmit(let transmit):
            relayTransmit(transmit, now: now)
        case .event(let event):
            if case .selectedPairChanged(let pair) = event { selectedPairChanged(pair, now: now) }
            queue(event)
        }
    }

    // MARK: - Timer

    /// One loop timer for the earliest deadline of the agent and the TURN clients.
    func rearmTimer() {
        var deadline = agent.pollTimeout()
        for relay in relays {
            guard let next = relay.client.pollTimeout() else { continue }
            deadline = deadline.map { min($0, next) } ?? next
        }
        guard deadline != armedDeadline else { return }
        if let timer { loop.cancel(timer) }
        timer = nil
        armedDeadline = deadline
        guard let deadline else { return }
        timer = loop.schedule(at: deadline) { [weak self] now in self?.timerFired(now) }
    }

    func timerFired(_ now: Instant) {
        timer = nil
        armedDeadline = nil
        guard phase == .running else { return }
        agent.handleTimeout(now: now)
        for index in relays.indices { relays[index].client.handleTimeout(now: now) }
        pump()
    }

    // MARK: - Events

    func queue(_ event: ICEEvent) {
        switch event {
        case .localCandidate(let candidate): pendingEvents.append(.localCandidate(candidate.sdpAttribute()))
        case .endOfLocalCandidates: pendingEvents.append(.endOfCandidates)
        case .connectionStateChanged(let state): pendingEvents.append(.connectionStateChanged(state))
        case .selectedPairChanged(let pair): pendingEvents.append(.selectedPairChanged(pair))
        default: pendingEvents.append(.agent(event))
        }
    }

    func queue(_ event: ICETransportEvent) { pendingEvents.append(event) }

    /// Calls the owner outside the pump, once per event and in order. The owner may call back
    /// into the transport from its handler: the new events join the same delivery loop.
    func deliverEvents() {
        guard !isDelivering else { return }
        isDelivering = true
        defer { isDelivering = false }
        var index = 0
        while index < pendingEvents.count {
            let event = pendingEvents[index]
            index += 1
            onEvent?(event)
        }
        pendingEvents.removeAll(keepingCapacity: true)
    }
}
