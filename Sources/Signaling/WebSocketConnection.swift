import CKVSShims
import CWebSockets
import Glibc

/// One message waiting to be written.
struct WebSocketOutgoing: Sendable {
    let bytes: [UInt8]
    let binary: Bool
}

/// The state of one RFC 6455 client connection, touched only on the service thread.
///
/// libwebsockets drives it through callbacks; this type decides what each callback means
/// (open, message complete, keepalive due, dead peer, which terminal event to report) and
/// keeps the bytes. Times are CLOCK_MONOTONIC nanoseconds.
final class WebSocketConnection {
    enum Phase {
        /// TCP, TLS and the HTTP upgrade are in progress.
        case connecting
        case open
        /// `close` was asked for: queued messages drain, then our close frame goes out.
        case closing(WebSocketClose)
        /// The terminal event was reported; lws may still be tearing the socket down.
        case finished
    }

    let id: UInt64
    let url: WebSocketURL
    let events: @Sendable (WebSocketEvent) -> Void
    let startedAt: UInt64
    /// C strings handed to lws_client_connect_via_info, alive as long as the connection.
    let cHost: UnsafeMutablePointer<CChar>
    let cTarget: UnsafeMutablePointer<CChar>
    let cHostHeader: UnsafeMutablePointer<CChar>
    /// lws stores the new wsi here early, before its first callback (`pwsi`).
    let wsiSlot: UnsafeMutablePointer<OpaquePointer?>

    var wsi: OpaquePointer?
    var phase = Phase.connecting
    /// What to report when lws lets go of the socket, when we decided it ourselves
    /// (timeouts, a dead peer, shutdown, a cancelled connect).
    var verdict: WebSocketEvent?
    var peerClose: WebSocketClose?
    /// OpenSSL's reason when it rejected the server's chain or name during the handshake.
    var tlsVerificationFailure: String?
    var closeFrameSent = false
    /// Set by `kill`: the next timer callback has lws drop the socket.
    var killRequested = false

    var connectDeadline: UInt64
    var nextPingAt: UInt64?
    var pingOutstandingSince: UInt64?
    var pingDue = false
    var closeDeadline: UInt64?

    private var outbox: [WebSocketOutgoing] = []
    private var outboxHead = 0

    private var message: [UInt8] = []
    private var messageIsBinary = false
    private var inMessage = false
    private var discarding = false

    init(id: UInt64, url: WebSocketURL, events: @escaping @Sendable (WebSocketEvent) -> Void, now: UInt64, connectTimeout: Duration) {
        self.id = id
        self.url = url
        self.events = events
        self.startedAt = now
        self.cHost = strdup(url.host)
        self.cTarget = strdup(url.requestTarget)
        self.cHostHeader = strdup(url.hostHeader)
        self.wsiSlot = .allocate(capacity: 1)
        self.wsiSlot.initialize(to: nil)
        self.connectDeadline = now &+ UInt64(connectTimeout.wholeMicroseconds) &* 1000
    }

    deinit {
        free(cHost)
        free(cTarget)
        free(cHostHeader)
        wsiSlot.deallocate()
    }

    var isOpen: Bool {
        if case .open = phase { return true }
        return false
    }

    var isClosing: Bool {
        if case .closing = phase { return true }
        return false
    }

    var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    // MARK: Sending

    func enqueue(_ message: WebSocketOutgoing) {
        outbox.append(message)
    }

    var hasQueuedMessages: Bool { outboxHead < outbox.count }

    func dequeue() -> WebSocketOutgoing? {
        guard outboxHead < outbox.count else { return nil }
        let next = outbox[outboxHead]
        outboxHead += 1
        if outboxHead > 64 && outboxHead * 2 > outbox.count {
            outbox.removeFirst(outboxHead)
            outboxHead = 0
        }
        return next
    }

    /// Bytes still queued (given back to the client's budget when the connection ends).
    func discardQueue() -> Int {
        let bytes = outbox[outboxHead...].reduce(0) { $0 + $1.bytes.count }
        outbox.removeAll()
        outboxHead = 0
        return bytes
    }

    // MARK: Receiving

    /// Adds one chunk delivered by LWS_CALLBACK_CLIENT_RECEIVE. A message is complete when
    /// its final frame (FIN) has no payload left. Returns the event to report, if any.
    func receive(
        _ chunk: UnsafeRawBufferPointer, finalFrame: Bool, remainingInFrame: Int, binary: Bool, limit: Int
    ) -> WebSocketEvent? {
        if !inMessage {
            inMessage = true
            messageIsBinary = binary
            discarding = false
            message.removeAll(keepingCapacity: message.capacity <= 64 * 1024)
        }
        var event: WebSocketEvent?
        if !discarding {
            if message.count + chunk.count > limit {
                discarding = true
                message = []
                event = .messageDiscarded(.messageTooLarge(limit: limit))
            } else {
                message.append(contentsOf: chunk)
            }
        }
        guard finalFrame && remainingInFrame == 0 else { return event }
        inMessage = false
        if discarding { return event }
        if messageIsBinary { return .binaryReceived(message) }
        guard let text = String(validating: message, as: UTF8.self) else { return .messageDiscarded(.invalidUTF8) }
        return .textReceived(text)
    }

    /// The close frame payload of RFC 6455 §5.5.1: a 2-byte status code, then UTF-8 reason.
    static func parseClosePayload(_ payload: UnsafeRawBufferPointer) -> WebSocketClose {
        guard payload.count >= 2 else {
            return WebSocketClose(code: WebSocketClose.noStatusReceived, reason: "", initiator: .remote)
        }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        let reason = String(decoding: payload[2...], as: UTF8.self)
        return WebSocketClose(code: code, reason: reason, initiator: .remote)
    }

    // MARK: Timers

    /// The earliest moment the connection needs attention, for lws_set_timer_usecs.
    var nextDeadline: UInt64? {
        switch phase {
        case .connecting: return connectDeadline
        case .open:
            return [nextPingAt, pingOutstandingSince.map { _ in pongDeadline }].compactMap { $0 }.min()
        case .closing: return closeDeadline
        case .finished: return nil
        }
    }

    var pongTimeout: UInt64 = 0
    private var pongDeadline: UInt64 { (pingOutstandingSince ?? 0) &+ pongTimeout }

    /// The terminal event once lws has closed the socket (LWS_CALLBACK_CLIENT_CLOSED).
    func terminalEventOnClose() -> WebSocketEvent {
        if let verdict { return verdict }
        if case .closing(let local) = phase { return .closed(local) }
        if let peerClose { return .closed(peerClose) }
        return .failed(.connectionLost)
    }
}
