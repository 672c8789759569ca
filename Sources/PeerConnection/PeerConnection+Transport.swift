import DataChannel
import EventLoop
import ICE
import ICETransport
import Security
import WireKit

/// The composition: ICE events and datagrams in, RFC 7983 demultiplexing, DTLS and SCTP driven
/// until quiet, timers re-armed, one derived state.
extension PeerConnection {
    // MARK: ICE

    func handleTransportEvent(_ event: ICETransportEvent) {
        switch event {
        case .localCandidate(let candidate):
            // Before the description is out, candidates are embedded in it instead.
            if localDescription != nil, isTrickling { queue(.localCandidate(candidate, mid: transportMID)) }
        case .endOfCandidates:
            if localDescription == nil {
                publishLocalDescription(endOfCandidates: true)
            } else if isTrickling {
                queue(.endOfCandidates)
            }
        case .connectionStateChanged(let iceState):
            switch iceState {
            case .connected, .completed:
                if timeline.iceConnected == nil { timeline.iceConnected = loop.now }
                startDTLSClientIfReady()
            case .failed:
                if failure == nil { failure = .ice(transport.agent.failureReason) }
            default:
                break
            }
        case .selectedPairChanged(let pair):
            queue(.selectedPairChanged(pair))
        case .agent, .relay, .relayUnavailable:
            break
        }
        pump()
    }

    /// The DTLS client sends its ClientHello once ICE has a pair to send it on.
    func startDTLSClientIfReady() {
        guard phase == .running, dtlsRole == .client, let dtls, case .idle = dtls.state,
            transport.selectedPair != nil
        else { return }
        dtls.start(now: loop.now)
    }

    /// A non-STUN datagram on the selected pair, sorted by its first byte (RFC 7983 §7).
    func handleDatagram(_ datagram: [UInt8]) {
        guard phase == .running else { return }
        counters.packetsReceived &+= 1
        counters.bytesReceived &+= datagram.count
        switch Demultiplexer.classify(datagram) {
        case .dtls:
            guard let dtls else {
                counters.unexpectedDatagrams &+= 1
                return
            }
            dtls.handle(datagram: datagram, now: loop.now)
            pump()
        case .rtp:
            receiveSRTP(datagram, isRTCP: false)
        case .rtcp:
            receiveSRTP(datagram, isRTCP: true)
        default:
            counters.unexpectedDatagrams &+= 1
        }
    }

    func sendDatagram(_ datagram: [UInt8]) {
        do throws(ICETransportError) {
            try transport.send(datagram)
            counters.packetsSent &+= 1
            counters.bytesSent &+= datagram.count
        } catch {
            // Real-time data is not queued: DTLS and SCTP retransmit what mattered.
            counters.sendFailures &+= 1
        }
    }

    // MARK: Driving DTLS and SCTP

    /// Moves everything DTLS and SCTP have to say until both are quiet, then re-arms the DTLS
    /// timer and hands the queued events to the owner. Re-entrant calls (from an owner's
    /// callback) only ask for another round.
    func pump() {
        if isPumping {
            pumpAgain = true
            return
        }
        isPumping = true
        repeat {
            pumpAgain = false
            pumpOnce()
        } while pumpAgain
        isPumping = false
        updateState()
        armDTLSTimer()
        deliverEvents()
    }

    /// One round: DTLS output and events, then SCTP packets into DTLS records and SCTP events.
    /// Reading events lets usrsctp emit more (SACKs, window updates), so packets are polled
    /// again after any event; then every record leaves.
    private func pumpOnce() {
        guard let dtls else { return }
        while let datagram = dtls.pollTransmit() { sendDatagram(datagram) }
        while let event = dtls.pollEvent() { handleDTLSEvent(event) }
        if let sctp {
            sendSCTPPackets(sctp, over: dtls)
            var hadEvents = false
            while let event = sctp.pollEvent() {
                hadEvents = true
                handleSCTPEvent(event)
            }
            if hadEvents { sendSCTPPackets(sctp, over: dtls) }
        }
        while let datagram = dtls.pollTransmit() { sendDatagram(datagram) }
    }

    private func sendSCTPPackets(_ sctp: SCTPAssociation, over dtls: DTLSEndpoint) {
        while let packet = sctp.pollTransmit() {
            do throws(DTLSError) {
                try dtls.send(applicationData: packet)
            } catch {
                counters.sctpPacketsDropped &+= 1
            }
        }
    }

    private func handleDTLSEvent(_ event: DTLSEvent) {
        switch event {
        case .connected(let connection):
            dtlsConnection = connection
            timeline.dtlsConnected = loop.now
            do throws(SRTPError) {
                let keys = connection.keyingMaterial
                srtpOutbound = try SRTPSession(
                    profile: connection.srtpProfile, masterKey: keys.localKey, masterSalt: keys.localSalt,
                    direction: .outbound)
                srtpInbound = try SRTPSession(
                    profile: connection.srtpProfile, masterKey: keys.remoteKey, masterSalt: keys.remoteSalt,
                    direction: .inbound, replayWindow: configuration.replayWindow)
            } catch {
                fail(.srtp(error))
                return
            }
            queue(.dtlsConnected(profile: connection.srtpProfile, cipherSuite: connection.cipherSuite))
            startSCTP()
        case .applicationData(let packet):
            if let sctp {
                sctp.handle(packet: packet)
            } else {
                counters.sctpPacketsDropped &+= 1
            }
        case .failed(let error):
            fail(.dtls(error))
        case .closed:
            // close_notify from the peer: the viewer hung up.
            dtlsClosed = true
            if phase == .running { loop.schedule(after: .zero) { [weak self] _ in self?.close() } }
        }
    }

    /// Creates the association once DTLS is up, when both descriptions have an application
    /// section (RFC 8841); roles and ports follow DTLS and the SDP.
    private func startSCTP() {
        guard sctp == nil, let remotePort = remote?.sctpPort, let remote,
            localDescription?.media.contains(where: { $0.type == .application && $0.port != 0 }) ?? false
        else { return }
        let sctpConfiguration = SCTPConfiguration(
            role: dtlsRole == .client ? .client : .server, localPort: configuration.sctpPort, remotePort: remotePort,
            remoteMaxMessageSize: remote.maxMessageSize, localMaxMessageSize: configuration.maxMessageSize)
        do throws(SCTPError) {
            sctp = try SCTPAssociation(configuration: sctpConfiguration)
        } catch {
            sctpFailure = .cannotStart
            counters.sctpSetupErrors &+= 1
            return
        }
        SCTPTimerClock.advance(to: loop.now)
        scheduleSCTPTick()
        pumpAgain = true
    }

    private func scheduleSCTPTick() {
        sctpTicker = loop.schedule(after: .milliseconds(Int64(SCTPLibrary.recommendedTickMilliseconds))) {
            [weak self] now in
            guard let self, phase == .running, sctp != nil else { return }
            SCTPTimerClock.advance(to: now)
            pump()
            scheduleSCTPTick()
        }
    }

    private func handleSCTPEvent(_ event: DataChannelEvent) {
        switch event {
        case .associationUp:
            queue(.dataChannelTransportReady)
        case .channelOpened(let info):
            if timeline.firstDataChannelOpen == nil { timeline.firstDataChannelOpen = loop.now }
            var entry = channelCounters[info.streamID] ?? DataChannelCounters(info: info)
            entry.info = info
            entry.state = .open
            channelCounters[info.streamID] = entry
            queue(.dataChannelOpened(info))
        case .message(let channel, let data, let isBinary):
            channelCounters[channel]?.messagesReceived &+= 1
            channelCounters[channel]?.bytesReceived &+= data.count
            queue(.dataChannelMessage(channel: channel, data: data, isBinary: isBinary))
        case .channelClosed(let channel):
            channelCounters[channel]?.state = .closed
            queue(.dataChannelClosed(channel))
        case .associationClosed:
            break
        case .associationFailed(let reason):
            sctpFailure = reason
        }
    }

    // MARK: Timers

    func armDTLSTimer() {
        let deadline = phase == .running ? dtls?.pollTimeout() : nil
        guard deadline != armedDTLSDeadline else { return }
        if let dtlsTimer { loop.cancel(dtlsTimer) }
        dtlsTimer = nil
        armedDTLSDeadline = deadline
        guard let deadline else { return }
        dtlsTimer = loop.schedule(at: deadline) { [weak self] now in
            guard let self else { return }
            dtlsTimer = nil
            armedDTLSDeadline = nil
            dtls?.handleTimeout(now: now)
            pump()
        }
    }

    // MARK: State

    func fail(_ reason: PeerConnectionFailure) {
        guard failure == nil else { return }
        failure = reason
    }

    /// The W3C-like state from the ICE state, the DTLS state and our own phase: the one place
    /// ``state`` changes.
    func updateState() {
        let next: PeerConnectionState
        if phase == .closed {
            next = .closed
        } else if failure != nil {
            next = .failed
        } else {
            switch transport.connectionState {
            case .failed: next = .failed
            case .disconnected: next = .disconnected
            case .closed: next = .closed
            case .connected, .completed: next = dtlsConnection != nil ? .connected : .connecting
            case .checking: next = .connecting
            case .new: next = phase == .running && dtls.map { if case .handshaking = $0.state { true } else { false } } == true ? .connecting : .new
            }
        }
        guard next != state else { return }
        state = next
        queue(.stateChanged(next))
    }

    func queue(_ event: PeerConnectionEvent) {
        pendingEvents.append(event)
    }

    /// Hands queued events over in order; callbacks may call back into the connection, whose
    /// events join the queue behind.
    func deliverEvents() {
        guard !isDelivering else { return }
        isDelivering = true
        var index = 0
        while index < pendingEvents.count {
            let event = pendingEvents[index]
            index += 1
            onEvent?(event)
        }
        pendingEvents.removeAll(keepingCapacity: true)
        isDelivering = false
    }
}
