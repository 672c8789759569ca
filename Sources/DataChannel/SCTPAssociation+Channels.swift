import CUsrsctp

/// Where a data channel is in its life (RFC 8832 §6 for opening, RFC 8831 §6.7 for closing).
enum ChannelState: Hashable {
    /// We sent DATA_CHANNEL_OPEN; until the ACK, user messages go ordered.
    case awaitingAck
    case open
    /// Closing by stream reset: each direction's reset completes separately, and the stream id
    /// is free again only when both have.
    case closing(outgoingReset: Bool, incomingReset: Bool)
}

struct ChannelRecord {
    var info: DataChannelInfo
    var state: ChannelState
    /// Parts of a message sent with the deprecated partial PPIDs 52/54, waiting for the final part.
    var legacyPartial: [UInt8] = []
}

/// Work waiting for room in usrsctp's send buffer (or for the association to come up), kept
/// in order so a channel's reset never overtakes its last messages.
enum PendingItem {
    case message(stream: UInt16, ppid: PayloadProtocolIdentifier, payload: [UInt8], ordered: Bool,
                 reliability: DataChannelReliability)
    case resetStream(UInt16)
    case shutdown

    /// User bytes (DCEP messages and markers count as none), as ``SCTPAssociation/bufferedAmount``.
    var byteCount: Int {
        if case .message(_, let ppid, let payload, _, _) = self {
            switch ppid {
            case .dcep, .stringEmpty, .binaryEmpty: return 0
            default: return payload.count
            }
        }
        return 0
    }
}

extension SCTPAssociation {
    // MARK: Channels opened here

    /// Opens a data channel (RFC 8832 §6): allocates a stream of our parity, sends
    /// DATA_CHANNEL_OPEN and returns the stream id. Messages may be sent at once; the channel is
    /// reported open when the peer's DATA_CHANNEL_ACK arrives.
    public func openChannel(_ parameters: DataChannelParameters) throws(SCTPError) -> UInt16 {
        guard isActive, !isShuttingDown else { throw .associationNotActive }
        let open: [UInt8]
        do throws(DCEPError) {
            open = try DCEPMessage.open(parameters).serialized()
        } catch {
            throw .invalidParameters(error)
        }
        guard let stream = freeStream() else { throw .noStreamAvailable }
        let info = DataChannelInfo(streamID: stream, parameters: parameters, origin: .local)
        channelTable[stream] = ChannelRecord(info: info, state: .awaitingAck)
        // RFC 8832 §6: DCEP messages are sent reliably and in order.
        enqueue(.message(stream: stream, ppid: .dcep, payload: open, ordered: true, reliability: .reliable))
        flushPending()
        return stream
    }

    /// The lowest free stream id of our parity below the negotiated stream count.
    func freeStream() -> UInt16? {
        let limit = Int(min(negotiatedOutboundStreams, negotiatedInboundStreams))
        var candidate = configuration.role == .client ? 0 : 1
        while candidate < limit {
            if channelTable[UInt16(candidate)] == nil { return UInt16(candidate) }
            candidate += 2
        }
        return nil
    }

    /// The channels that are not fully closed.
    public var channels: [DataChannelInfo] {
        channelTable.values.map(\.info).sorted { $0.streamID < $1.streamID }
    }

    public func channel(_ stream: UInt16) -> DataChannelInfo? { channelTable[stream]?.info }

    /// Whether the channel accepts messages (open, or opened here and awaiting the ACK).
    public func isChannelOpen(_ stream: UInt16) -> Bool {
        switch channelTable[stream]?.state {
        case .awaitingAck, .open: return true
        case .closing, nil: return false
        }
    }

    var isShuttingDown: Bool { state == .shuttingDown }

    // MARK: Sending

    /// Sends one message (RFC 8831 §6.6): PPID 53 for binary, 51 for text, and for an empty
    /// message PPID 57 or 56 with a single zero byte, since SCTP cannot carry empty messages.
    public func send(_ data: [UInt8], on stream: UInt16, isBinary: Bool = true) throws(SCTPError) {
        guard isActive, !isShuttingDown else { throw .associationNotActive }
        guard let record = channelTable[stream] else { throw .channelNotOpen(stream) }
        let ordered: Bool
        switch record.state {
        case .awaitingAck: ordered = true  // RFC 8832 §6: ordered until the ACK arrives
        case .open: ordered = record.info.parameters.ordered
        case .closing: throw .channelNotOpen(stream)
        }
        let limit = maxMessageSize
        guard data.count <= limit else { throw .messageTooLarge(size: data.count, limit: limit) }
        guard pendingBytes + data.count <= configuration.maxBufferedAmount else {
            throw .bufferFull(buffered: pendingBytes, limit: configuration.maxBufferedAmount)
        }
        let ppid: PayloadProtocolIdentifier
        let payload: [UInt8]
        if data.isEmpty {
            (ppid, payload) = (isBinary ? .binaryEmpty : .stringEmpty, [0])
        } else {
            (ppid, payload) = (isBinary ? .binary : .string, data)
        }
        enqueue(.message(stream: stream, ppid: ppid, payload: payload, ordered: ordered,
                         reliability: record.info.parameters.reliability))
        flushPending()
    }

    /// Sends a text message (PPID 51, or 56 when empty).
    public func send(text: String, on stream: UInt16) throws(SCTPError) {
        try send(Array(text.utf8), on: stream, isBinary: false)
    }

    func enqueue(_ item: PendingItem) {
        pending.append(item)
        pendingBytes += item.byteCount
    }

    /// Hands queued items to usrsctp in order until its send buffer is full.
    func flushPending() {
        guard state == .established || (state == .shuttingDown && !pending.isEmpty) else { return }
        while let item = pending.first {
            switch submit(item) {
            case .done:
                _ = pending.popFirst()
                pendingBytes -= item.byteCount
            case .retryLater:
                return
            case .failed:
                _ = pending.popFirst()
                pendingBytes -= item.byteCount
                stats.sendErrors &+= 1
            }
        }
    }

    private enum SubmitResult { case done, retryLater, failed }

    private func submit(_ item: PendingItem) -> SubmitResult {
        switch item {
        case .message(let stream, let ppid, let payload, let ordered, let reliability):
            let (policy, value) = Self.prPolicy(reliability)
            let sent = payload.withUnsafeBytes { bytes in
                kvs_sctp_send(socket, bytes.baseAddress, bytes.count, stream, ppid.rawValue,
                              ordered ? 0 : 1, policy, value)
            }
            if sent >= 0 {
                if ppid != .dcep { stats.messagesSent &+= 1 }
                return .done
            }
            return Self.isTransient(kvs_sctp_errno()) ? .retryLater : .failed
        case .resetStream(let stream):
            if kvs_sctp_reset_outgoing_stream(socket, stream) == 0 { return .done }
            let error = kvs_sctp_errno()
            return Self.isTransient(error) || error == EALREADY || error == EBUSY ? .retryLater : .failed
        case .shutdown:
            state = .shuttingDown
            return kvs_sctp_shutdown(socket) == 0 ? .done : .failed
        }
    }

    private static func isTransient(_ error: Int32) -> Bool {
        error == EWOULDBLOCK || error == EAGAIN || error == EINPROGRESS
    }

    /// RFC 8831 §6.1: max-retransmits maps to PR-SCTP's RTX policy, max-packet-lifetime to TTL.
    private static func prPolicy(_ reliability: DataChannelReliability) -> (UInt16, UInt32) {
        switch reliability {
        case .reliable: return (UInt16(SCTP_PR_SCTP_NONE), 0)
        case .maxRetransmits(let count): return (UInt16(SCTP_PR_SCTP_RTX), count)
        case .maxPacketLifetime(let milliseconds): return (UInt16(SCTP_PR_SCTP_TTL), milliseconds)
        }
    }

    // MARK: Closing

    /// Closes a channel by resetting its outgoing stream (RFC 8831 §6.7) after the messages
    /// already queued on it. The peer answers by resetting its own, and
    /// ``DataChannelEvent/channelClosed(channel:)`` follows.
    public func closeChannel(_ stream: UInt16) {
        guard let record = channelTable[stream] else { return }
        switch record.state {
        case .awaitingAck, .open:
            channelTable[stream]?.state = .closing(outgoingReset: false, incomingReset: false)
            enqueue(.resetStream(stream))
            flushPending()
        case .closing:
            return
        }
    }

    /// The peer reset its outgoing stream (our incoming): the channel is closed, and we reset
    /// ours in turn if we had not (RFC 8831 §6.7).
    func incomingStreamReset(_ stream: UInt16) {
        guard let record = channelTable[stream] else { return }
        reassembly[stream] = nil
        switch record.state {
        case .awaitingAck, .open:
            channelTable[stream]?.state = .closing(outgoingReset: false, incomingReset: true)
            enqueue(.resetStream(stream))
            events.append(.channelClosed(channel: stream))
        case .closing(let outgoing, let incoming):
            guard !incoming else { return }
            events.append(.channelClosed(channel: stream))
            if outgoing {
                channelTable[stream] = nil
            } else {
                channelTable[stream]?.state = .closing(outgoingReset: false, incomingReset: true)
            }
        }
    }

    /// The peer acknowledged the reset of our outgoing stream.
    func outgoingStreamReset(_ stream: UInt16) {
        guard case .closing(_, let incoming)? = channelTable[stream]?.state else { return }
        if incoming {
            channelTable[stream] = nil
        } else {
            channelTable[stream]?.state = .closing(outgoingReset: true, incomingReset: false)
        }
    }

    /// The association ended: every channel still in the table is closed with it.
    func closeAllChannels() {
        for stream in channelTable.keys.sorted() {
            switch channelTable[stream]?.state {
            case .closing(_, true)?: break  // already reported
            default: events.append(.channelClosed(channel: stream))
            }
        }
        channelTable.removeAll()
        reassembly.removeAll()
        pending = FIFO()
        pendingBytes = 0
    }

    // MARK: Receiving

    /// One complete inbound user message from `stream` with its PPID (RFC 8831 §6.6, §8).
    func deliver(_ payload: [UInt8], stream: UInt16, ppid: UInt32) {
        if ppid == PayloadProtocolIdentifier.dcep.rawValue {
            handleDCEP(payload, stream: stream)
            return
        }
        guard let record = channelTable[stream], let kind = PayloadProtocolIdentifier(rawValue: ppid) else {
            stats.droppedMessages &+= 1
            return
        }
        if case .awaitingAck = record.state {
            // A user message on the stream means the peer processed our OPEN: the ACK is
            // implied (it can be overtaken by an unordered message).
            acknowledge(stream)
        }
        switch kind {
        case .binaryPartial, .stringPartial:
            appendLegacyPart(payload, stream: stream)
        case .binary, .string:
            var data = payload
            if !record.legacyPartial.isEmpty {
                data = record.legacyPartial + payload
                channelTable[stream]?.legacyPartial = []
            }
            emitMessage(stream, data, isBinary: kind == .binary)
        case .binaryEmpty, .stringEmpty:
            emitMessage(stream, [], isBinary: kind == .binaryEmpty)
        case .dcep:
            break
        }
    }

    private func appendLegacyPart(_ payload: [UInt8], stream: UInt16) {
        let current = channelTable[stream]?.legacyPartial.count ?? 0
        guard current + payload.count <= configuration.localMaxMessageSize else {
            channelTable[stream]?.legacyPartial = []
            stats.droppedMessages &+= 1
            return
        }
        channelTable[stream]?.legacyPartial.append(contentsOf: payload)
    }

    private func emitMessage(_ stream: UInt16, _ data: [UInt8], isBinary: Bool) {
        stats.messagesReceived &+= 1
        events.append(.message(channel: stream, data: data, isBinary: isBinary))
    }

    /// DATA_CHANNEL_OPEN from the peer: the channel exists once we ACK it (RFC 8832 §6).
    /// Stream parity is not enforced, so a peer that got the DTLS roles backwards still works
    /// as long as the stream is free.
    private func handleDCEP(_ payload: [UInt8], stream: UInt16) {
        let message: DCEPMessage
        do throws(DCEPError) {
            message = try DCEPMessage.parse(payload)
        } catch {
            stats.malformedDCEPMessages &+= 1
            return
        }
        switch message {
        case .open(let parameters):
            guard channelTable[stream] == nil, !isShuttingDown else {
                stats.malformedDCEPMessages &+= 1
                return
            }
            let info = DataChannelInfo(streamID: stream, parameters: parameters, origin: .remote)
            channelTable[stream] = ChannelRecord(info: info, state: .open)
            enqueue(.message(stream: stream, ppid: .dcep, payload: [DCEPMessage.ackType], ordered: true,
                             reliability: .reliable))
            events.append(.channelOpened(info))
        case .ack:
            guard case .awaitingAck? = channelTable[stream]?.state else {
                stats.malformedDCEPMessages &+= 1
                return
            }
            acknowledge(stream)
        }
    }

    private func acknowledge(_ stream: UInt16) {
        guard let record = channelTable[stream] else { return }
        channelTable[stream]?.state = .open
        events.append(.channelOpened(record.info))
    }
}
