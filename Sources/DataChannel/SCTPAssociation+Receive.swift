import CUsrsctp

/// A message being read in parts (usrsctp hands over large messages in several reads).
struct InboundMessage {
    var ppid: UInt32
    var bytes: [UInt8]
    /// Set once the message passed the local max-message-size: the rest is read and dropped.
    var discarding: Bool
}

extension SCTPAssociation {
    /// Bytes asked for per read; larger messages arrive in several reads.
    static let readChunk = 65536

    /// Reads everything the socket holds: user messages and notifications.
    func drainSocket() {
        withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 8) { buffer in
            guard let base = buffer.baseAddress else { return }
            var received = kvs_sctp_received()
            while true {
                let count = kvs_sctp_recv(socket, base, buffer.count, &received)
                if count < 0 { return }  // EWOULDBLOCK, or the socket is no longer connected
                if count == 0 {
                    reachedEndOfFile = true
                    endOfFile()
                    return
                }
                let bytes = UnsafeRawBufferPointer(start: base, count: count)
                if received.is_notification != 0 {
                    notificationPart(bytes, complete: received.is_end_of_record != 0)
                } else {
                    dataPart(bytes, stream: received.stream, ppid: received.ppid,
                             complete: received.is_end_of_record != 0)
                }
            }
        }
    }

    private func dataPart(_ bytes: UnsafeRawBufferPointer, stream: UInt16, ppid: UInt32, complete: Bool) {
        var message = reassembly.removeValue(forKey: stream) ?? InboundMessage(ppid: ppid, bytes: [], discarding: false)
        if !message.discarding {
            if message.bytes.count + bytes.count > configuration.localMaxMessageSize {
                message.discarding = true
                message.bytes = []
                stats.droppedMessages &+= 1
            } else {
                message.bytes.append(contentsOf: bytes)
            }
        }
        guard complete else {
            reassembly[stream] = message
            return
        }
        if !message.discarding {
            deliver(message.bytes, stream: stream, ppid: message.ppid)
        }
    }

    private func notificationPart(_ bytes: UnsafeRawBufferPointer, complete: Bool) {
        // Notifications are small; a bounded buffer keeps a confused stack from growing it.
        guard notificationBuffer.count + bytes.count <= 65536 else {
            notificationBuffer = []
            return
        }
        notificationBuffer.append(contentsOf: bytes)
        guard complete else { return }
        let notification = notificationBuffer
        notificationBuffer = []
        handleNotification(notification)
    }

    /// Dispatches a usrsctp notification (RFC 6458 §6.1, in host byte order).
    private func handleNotification(_ bytes: [UInt8]) {
        guard bytes.count >= MemoryLayout<sctp_tlv>.size else { return }
        let header: sctp_tlv = Self.load(bytes)
        switch Int32(header.sn_type) {
        case SCTP_ASSOC_CHANGE:
            associationChanged(Self.load(bytes))
        case SCTP_SHUTDOWN_EVENT:
            if isActive { state = .shuttingDown }
        case SCTP_STREAM_RESET_EVENT:
            streamReset(bytes)
        case SCTP_STREAM_CHANGE_EVENT:
            let change: sctp_stream_change_event = Self.load(bytes)
            if change.strchange_flags & UInt16(SCTP_STREAM_CHANGE_DENIED | SCTP_STREAM_CHANGE_FAILED) == 0 {
                negotiatedInboundStreams = change.strchange_instrms
                negotiatedOutboundStreams = change.strchange_outstrms
            }
        default:
            break
        }
    }

    /// A copy of the notification's fixed part; bytes past the end read as zero.
    private static func load<T>(_ bytes: [UInt8]) -> T {
        withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { slot in
            let raw = UnsafeMutableRawBufferPointer(slot)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            bytes.withUnsafeBytes { source in
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(raw.count)))
            }
            return raw.load(as: T.self)
        }
    }

    private func associationChanged(_ change: sctp_assoc_change) {
        switch Int32(change.sac_state) {
        case SCTP_COMM_UP:
            guard state == .connecting else { return }
            state = .established
            if change.sac_outbound_streams > 0 { negotiatedOutboundStreams = change.sac_outbound_streams }
            if change.sac_inbound_streams > 0 { negotiatedInboundStreams = change.sac_inbound_streams }
            events.append(.associationUp)
        case SCTP_COMM_LOST:
            finish(.failed(.communicationLost(error: change.sac_error)))
        case SCTP_CANT_STR_ASSOC:
            finish(.failed(.cannotStart))
        case SCTP_SHUTDOWN_COMP:
            finish(.closed)
        default:
            break  // SCTP_RESTART: the peer restarted; streams and channels carry on.
        }
    }

    /// The socket reached end of file without a notification saying why (usrsctp reports the
    /// SHUTDOWN or ABORT first in the normal case).
    private func endOfFile() {
        if isActive { finish(state == .shuttingDown ? .closed : .failed(.communicationLost(error: 0))) }
    }

    private func finish(_ final: SCTPAssociationState) {
        guard isActive else { return }
        closeAllChannels()
        state = final
        switch final {
        case .failed(let failure): events.append(.associationFailed(failure))
        default: events.append(.associationClosed)
        }
    }

    /// RFC 6525 results: INCOMING_SSN means the peer reset streams toward us, OUTGOING_SSN that
    /// our request was performed. Denied or failed requests are retried.
    private func streamReset(_ bytes: [UInt8]) {
        let event: sctp_stream_reset_event = Self.load(bytes)
        let headerLength = MemoryLayout<sctp_stream_reset_event>.size
        let declared = min(Int(event.strreset_length), bytes.count)
        guard declared >= headerLength else { return }
        let streams = bytes.withUnsafeBytes { raw in
            stride(from: headerLength, to: declared - 1, by: 2).map {
                raw.loadUnaligned(fromByteOffset: $0, as: UInt16.self)
            }
        }
        let flags = Int32(event.strreset_flags)
        if flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED) != 0 {
            if flags & SCTP_STREAM_RESET_OUTGOING_SSN != 0 {
                for stream in streams { enqueue(.resetStream(stream)) }
            }
            return
        }
        if flags & SCTP_STREAM_RESET_INCOMING_SSN != 0 {
            for stream in streams { incomingStreamReset(stream) }
        }
        if flags & SCTP_STREAM_RESET_OUTGOING_SSN != 0 {
            for stream in streams { outgoingStreamReset(stream) }
        }
    }
}
