import CKVSShims
import CWebSockets
import Glibc

/// The one protocol callback lws calls for our context (reasons in lws-callbacks.h). It finds
/// the service through the context's user pointer and the connection through the wsi's.
func webSocketServiceCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    let slot = raw.assumingMemoryBound(to: WebSocketContextUser.self)
    if reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS {
        // Runs inside lws_create_context; `user` is the client SSL_CTX.
        if let directory = slot.pointee.caDirectory, let sslContext = user {
            _ = kvs_lws_ssl_ctx_add_ca_directory(sslContext, directory)
        }
        return 0
    }
    guard let serviceRaw = slot.pointee.service else { return 0 }
    let service = Unmanaged<WebSocketService>.fromOpaque(serviceRaw).takeUnretainedValue()
    return service.handle(wsi, reason, user, input, length)
}

extension WebSocketService {
    func handle(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
        _ input: UnsafeMutableRawPointer?, _ length: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainCommands()
            return 0
        case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
            // Here `user` is the X509_STORE_CTX and `length` OpenSSL's preverify result. lws
            // 4.1 reports a rejected chain only as an opaque SSL error later, so keep OpenSSL's
            // reason now. Returning 0 leaves OpenSSL's verdict alone.
            if length == 0, let user { recordVerificationFailure(wsi: wsi, store: user) }
            return 0
        default:
            break
        }
        guard let user, let connection = connections[user] else { return 0 }
        if connection.wsi == nil { connection.wsi = connection.wsiSlot.pointee ?? wsi }
        guard connection.wsi == wsi else { return 0 }
        switch reason {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
            return appendHandshakeHeaders(connection, cursor: input, remaining: length)
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            connectionError(connection, wsi: wsi, input: input, length: length)
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            established(connection)
        case LWS_CALLBACK_CLIENT_RECEIVE:
            received(connection, wsi: wsi, chunk: UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))
        case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
            guard connection.isOpen else { return 0 }
            connection.pingOutstandingSince = nil
            connection.events(.pongReceived)
            armTimer(connection)
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            return writeable(connection, wsi: wsi)
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            let payload = UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length)
            connection.peerClose = WebSocketConnection.parseClosePayload(payload)
        case LWS_CALLBACK_CLIENT_CLOSED:
            finish(connection, with: connection.terminalEventOnClose())
        case LWS_CALLBACK_TIMER:
            return timerFired(connection)
        case LWS_CALLBACK_WSI_DESTROY:
            finish(connection, with: connection.verdict ?? .failed(.connectionLost))
            connection.wsi = nil
            connections[user] = nil
        default:
            break
        }
        return 0
    }

    private func recordVerificationFailure(wsi: OpaquePointer, store: UnsafeMutableRawPointer) {
        var depth: Int32 = 0
        guard let reason = kvs_lws_x509_verify_error(store, &depth),
            let connection = connections.values.first(where: { $0.wsi == wsi || $0.wsiSlot.pointee == wsi }),
            connection.tlsVerificationFailure == nil
        else { return }
        connection.tlsVerificationFailure = "\(String(cString: reason)) (certificate depth \(depth))"
    }

    // MARK: Commands

    func drainCommands() {
        let commands = shared.withLock { state in
            let commands = state.commands
            state.commands = []
            return commands
        }
        for command in commands {
            switch command {
            case .connect(let id, let url, let events):
                startConnection(id: id, url: url, events: events)
            case .send(let id, let message):
                if let connection = live(id), !connection.isFinished {
                    connection.enqueue(message)
                    if let wsi = connection.wsi { lws_callback_on_writable(wsi) }
                } else {
                    release(bytes: message.bytes.count)
                }
            case .close(let id, let close):
                if let connection = live(id) { beginClose(connection, close) }
            case .stop:
                draining = true
                for connection in connections.values {
                    switch connection.phase {
                    case .connecting:
                        connection.verdict = .failed(.shutDown)
                        kill(connection)
                    case .open:
                        beginClose(connection, WebSocketClose(code: WebSocketClose.goingAway, reason: "", initiator: .local))
                    case .closing, .finished:
                        break
                    }
                }
            }
        }
    }

    private func live(_ id: UInt64) -> WebSocketConnection? {
        connections.values.first { $0.id == id }
    }

    private func startConnection(id: UInt64, url: WebSocketURL, events: @escaping @Sendable (WebSocketEvent) -> Void) {
        let connection = WebSocketConnection(
            id: id, url: url, events: events, now: kvs_monotonic_nanoseconds(), connectTimeout: configuration.connectTimeout)
        connection.pongTimeout = UInt64(configuration.pongTimeout.wholeMicroseconds) &* 1000
        guard !draining else {
            finish(connection, with: .failed(.shutDown))
            return
        }
        let key = Unmanaged.passUnretained(connection).toOpaque()
        connections[key] = connection
        log(.info, "connecting to \(url.host):\(url.port) (request target \(url.requestTarget.utf8.count) bytes)")
        log(.debug, "request: \(url)")
        var info = lws_client_connect_info()
        info.context = context
        info.address = UnsafePointer(connection.cHost)
        info.port = Int32(url.port)
        info.ssl_connection = Int32(LCCSCF_USE_SSL.rawValue)
        info.path = UnsafePointer(connection.cTarget)
        info.host = UnsafePointer(connection.cHostHeader)
        info.local_protocol_name = UnsafePointer(protocolName)
        info.alpn = UnsafePointer(alpn)
        info.ietf_version_or_minus_one = -1
        info.userdata = key
        info.pwsi = connection.wsiSlot
        let wsi = lws_client_connect_via_info(&info)
        if connection.wsi == nil { connection.wsi = wsi ?? connection.wsiSlot.pointee }
        if wsi == nil {
            // lws 4.1 gives up inside lws_client_connect_via_info without any callback when
            // name resolution fails; ask the resolver again to tell that case apart.
            let error: WebSocketError =
                Self.resolves(url.host)
                ? .connectFailed(detail: "libwebsockets could not start the connection") : .hostNotFound(host: url.host)
            finish(connection, with: .failed(error))
            connection.wsi = nil
            connections[key] = nil
            return
        }
        armTimer(connection)
    }

    static func resolves(_ host: String) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        return status == 0
    }

    // MARK: Connection life

    /// Makes sure the request line carries the whole request target (lws 4.1 truncates it
    /// past 2047 bytes, and presigned URLs with session tokens are longer).
    private func appendHandshakeHeaders(_ connection: WebSocketConnection, cursor: UnsafeMutableRawPointer?, remaining: Int) -> Int32 {
        let line = "GET \(connection.url.requestTarget) HTTP/1.1\r\n"
        guard Self.repairsRequestLine, line.utf8.count >= 2048 else { return 0 }
        guard let cursor, remaining > 0 else { return -1 }
        let status = line.withCString { text in
            kvs_lws41_repair_request_line(
                cursor.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self), remaining,
                Self.serviceBufferSize, text, line.utf8.count)
        }
        if status != 0 {
            connection.verdict = .failed(.connectFailed(detail: "the \(line.utf8.count)-byte request line does not fit libwebsockets' buffer"))
        }
        return status
    }

    private func connectionError(
        _ connection: WebSocketConnection, wsi: OpaquePointer, input: UnsafeMutableRawPointer?, length: Int
    ) {
        let text: String
        if let input {
            let bytes = UnsafeRawBufferPointer(start: input, count: length)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            text = String(decoding: bytes[..<end], as: UTF8.self)
        } else {
            text = ""
        }
        let status = Int(lws_http_client_http_response(wsi))
        let url = connection.url
        let error =
            connection.tlsVerificationFailure.map { WebSocketError.tlsVerificationFailed(detail: $0) }
            ?? WebSocketError.classify(lwsReason: text, httpStatus: status, host: url.host, port: url.port)
        let event = connection.verdict ?? .failed(error)
        log(.warning, "connecting to \(url.host):\(url.port) failed: \(text)" + (status != 0 ? " (HTTP \(status))" : ""))
        finish(connection, with: event)
    }

    private func established(_ connection: WebSocketConnection) {
        guard case .connecting = connection.phase else { return }
        let now = kvs_monotonic_nanoseconds()
        connection.phase = .open
        connection.nextPingAt = now &+ UInt64(configuration.pingInterval.wholeMicroseconds) &* 1000
        let id = connection.id
        shared.withLock { state in
            if state.phase == .connecting(id) { state.phase = .open(id) }
        }
        let elapsed = (now &- connection.startedAt) / 1_000_000
        log(.info, "connected to \(connection.url.host):\(connection.url.port) in \(elapsed) ms")
        connection.events(.opened)
        armTimer(connection)
    }

    private func received(_ connection: WebSocketConnection, wsi: OpaquePointer, chunk: UnsafeRawBufferPointer) {
        guard !connection.isFinished else { return }
        let event = connection.receive(
            chunk, finalFrame: lws_is_final_fragment(wsi) != 0,
            remainingInFrame: Int(lws_remaining_packet_payload(wsi)),
            binary: lws_frame_is_binary(wsi) != 0, limit: configuration.maxMessageSize)
        guard let event else { return }
        if case .messageDiscarded(let error) = event { log(.warning, error.description) }
        connection.events(event)
    }

    /// One write per WRITEABLE callback, as lws asks: a due ping first, then the oldest queued
    /// message, then (when closing and drained) our close frame.
    private func writeable(_ connection: WebSocketConnection, wsi: OpaquePointer) -> Int32 {
        switch connection.phase {
        case .connecting, .finished:
            return 0
        case .open where connection.pingDue:
            connection.pingDue = false
            guard write(wsi, [], LWS_WRITE_PING) else { return -1 }
        case .open, .closing:
            if let message = connection.dequeue() {
                release(bytes: message.bytes.count)
                guard write(wsi, message.bytes, message.binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) else { return -1 }
            } else if case .closing(let close) = connection.phase, !connection.closeFrameSent {
                connection.closeFrameSent = true
                var reason = Array(close.reason.utf8)
                reason.withUnsafeMutableBufferPointer { buffer in
                    lws_close_reason(wsi, lws_close_status(rawValue: UInt32(close.code)), buffer.baseAddress, buffer.count)
                }
                // Returning nonzero makes lws send the close frame and await the peer's.
                return -1
            }
        }
        if connection.pingDue || connection.hasQueuedMessages || connection.isClosing {
            lws_callback_on_writable(wsi)
        }
        return 0
    }

    private func write(_ wsi: OpaquePointer, _ payload: [UInt8], _ kind: lws_write_protocol) -> Bool {
        payload.withUnsafeBufferPointer { kvs_lws_write_frame(wsi, $0.baseAddress, $0.count, kind) == 1 }
    }

    func beginClose(_ connection: WebSocketConnection, _ close: WebSocketClose) {
        switch connection.phase {
        case .connecting:
            connection.verdict = .closed(close)
            kill(connection)
        case .open:
            connection.phase = .closing(close)
            connection.pingDue = false
            connection.closeDeadline = kvs_monotonic_nanoseconds() &+ UInt64(configuration.closeTimeout.wholeMicroseconds) &* 1000
            if let wsi = connection.wsi { lws_callback_on_writable(wsi) }
            armTimer(connection)
        case .closing, .finished:
            break
        }
    }

    /// Returns -1 to have lws close the socket at once, with no close frame ("timer cb
    /// errored"): the way to drop a connection that is still opening or whose peer is gone.
    private func timerFired(_ connection: WebSocketConnection) -> Int32 {
        if connection.killRequested { return -1 }
        let now = kvs_monotonic_nanoseconds()
        switch connection.phase {
        case .connecting:
            guard now >= connection.connectDeadline else { break }
            connection.verdict = .failed(.connectTimeout(milliseconds: configuration.connectTimeout.wholeMilliseconds))
            log(.warning, "connecting to \(connection.url.host):\(connection.url.port) timed out")
            return -1
        case .open:
            if let since = connection.pingOutstandingSince, now &- since >= connection.pongTimeout {
                connection.verdict = .failed(.peerUnresponsive(milliseconds: configuration.pongTimeout.wholeMilliseconds))
                log(.warning, "no pong from \(connection.url.host) within \(configuration.pongTimeout); dropping the connection")
                return -1
            }
            if let next = connection.nextPingAt, now >= next {
                connection.pingDue = true
                if connection.pingOutstandingSince == nil { connection.pingOutstandingSince = now }
                connection.nextPingAt = now &+ UInt64(configuration.pingInterval.wholeMicroseconds) &* 1000
                if let wsi = connection.wsi { lws_callback_on_writable(wsi) }
            }
        case .closing:
            if let deadline = connection.closeDeadline, now >= deadline {
                log(.warning, "the peer did not answer our close frame in time; cutting the connection")
                return -1
            }
        case .finished:
            return 0
        }
        armTimer(connection)
        return 0
    }

    /// lws 4.1 cannot cancel a wsi timer (-1 schedules it in the past), so timers are never
    /// cancelled: a stale one finds nothing due and is not re-armed.
    private func armTimer(_ connection: WebSocketConnection) {
        guard let wsi = connection.wsi, !connection.isFinished, let deadline = connection.nextDeadline else { return }
        let now = kvs_monotonic_nanoseconds()
        lws_set_timer_usecs(wsi, deadline > now ? Int64((deadline - now) / 1000) + 1 : 1)
    }

    /// Drops the socket with no close frame on the next timer pass (outside lws' current call).
    private func kill(_ connection: WebSocketConnection) {
        guard let wsi = connection.wsi else { return }
        connection.killRequested = true
        lws_set_timer_usecs(wsi, 1)
    }

    private func release(bytes: Int) {
        shared.withLock { $0.queuedBytes -= bytes }
    }

    /// Reports the connection's terminal event once, first making the client idle (so the
    /// callback may connect again) and returning its unsent bytes to the send budget.
    func finish(_ connection: WebSocketConnection, with event: WebSocketEvent) {
        guard !connection.isFinished else { return }
        connection.phase = .finished
        let id = connection.id
        let unsent = connection.discardQueue()
        shared.withLock { state in
            if state.phase == .connecting(id) || state.phase == .open(id) { state.phase = .idle }
            var dropped = 0
            state.commands.removeAll { command in
                guard case .send(id, let message) = command else { return false }
                dropped += message.bytes.count
                return true
            }
            state.queuedBytes -= unsent + dropped
        }
        switch event {
        case .closed(let close):
            log(.info, "connection to \(connection.url.host) closed (\(close.code) \(close.reason), by \(close.initiator))")
        case .failed(let error):
            log(.warning, "connection to \(connection.url.host) failed: \(error)")
        default:
            break
        }
        connection.events(event)
    }
}
