import CKVSShims
import CWebSockets
import Glibc
import Signaling
import WireKit

/// The protocol callback of the local server's lws context; finds the server through the
/// context's user pointer (a slot that is nil while the context is being created).
func localSignalingCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context),
        let serverRaw = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee
    else { return lws_callback_http_dummy(wsi, reason, user, input, length) }
    let server = Unmanaged<LocalSignalingServer>.fromOpaque(serverRaw).takeUnretainedValue()
    return server.handle(wsi, reason, user, input, length)
}

extension LocalSignalingServer {
    /// Close codes (RFC 6455 §7.4.1; 4000–4999 are private use).
    static let closeGoingAway: UInt16 = 1001
    static let closeTryAgainLater: UInt16 = 1013
    static let closeReplaced: UInt16 = 4000

    func handle(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
        _ input: UnsafeMutableRawPointer?, _ length: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainCommands()
        case LWS_CALLBACK_HTTP:
            let path = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "/"
            return httpRequest(wsi, path: path)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return httpWriteable(wsi)
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return filterUpgrade(wsi)
        case LWS_CALLBACK_ESTABLISHED:
            established(wsi)
        case LWS_CALLBACK_RECEIVE:
            received(wsi, UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return webSocketWriteable(wsi)
        case LWS_CALLBACK_TIMER:
            return connections[wsi]?.killRequested == true ? -1 : 0
        case LWS_CALLBACK_CLOSED, LWS_CALLBACK_CLOSED_HTTP, LWS_CALLBACK_WSI_DESTROY:
            forget(wsi)
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, length)
        }
        return 0
    }

    // MARK: HTTP

    private func httpRequest(_ wsi: OpaquePointer, path: String) -> Int32 {
        let peer = peerAddress(wsi)
        if let expected = settings.token {
            let presented = urlArgument(wsi, "token")
            guard LocalAccessToken.matches(presented, expected) else {
                shared.withLock { $0.refused += 1 }
                logger.warning(
                    "local signaling: GET \(path) from \(peer) refused (403): \(presented == nil ? "no" : "wrong") access token")
                return respond(
                    wsi, status: 403, type: "text/plain; charset=utf-8",
                    body: Array("403 Forbidden: open the URL kvsmaster printed at its start (it carries ?token=...).\n".utf8))
            }
        }
        switch path {
        case "/", "/index.html":
            logger.info("local signaling: viewer page for \(peer)")
            return respond(wsi, status: 200, type: "text/html; charset=utf-8", body: page.html)
        case "/viewer.js":
            return respond(wsi, status: 200, type: "application/javascript; charset=utf-8", body: page.script)
        default:
            return respond(wsi, status: 404, type: "text/plain; charset=utf-8", body: Array("404 Not Found\n".utf8))
        }
    }

    /// Writes the status line and headers now and queues the body for HTTP_WRITEABLE.
    private func respond(_ wsi: OpaquePointer, status: UInt32, type: String, body: [UInt8]) -> Int32 {
        let pre = kvs_lws_pre()
        var buffer = [UInt8](repeating: 0, count: pre + 1024)
        let written = buffer.withUnsafeMutableBufferPointer { all -> Int32 in
            guard let base = all.baseAddress else { return -1 }
            let start = base + pre
            let end = base + all.count
            var cursor: UnsafeMutablePointer<UInt8>? = start
            guard lws_add_http_common_headers(wsi, status, type, lws_filepos_t(body.count), &cursor, end) == 0 else { return -1 }
            let noStore = Array("no-store".utf8)
            guard lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, noStore, Int32(noStore.count), &cursor, end) == 0
            else { return -1 }
            return lws_finalize_write_http_header(wsi, start, &cursor, end)
        }
        guard written == 0 else { return -1 }
        connections[wsi] = LocalConnection(wsi: wsi, phase: .httpResponse(body: body, offset: 0))
        lws_callback_on_writable(wsi)
        return 0
    }

    private func httpWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let connection = connections[wsi], case .httpResponse(let body, let offset) = connection.phase else { return 0 }
        let end = min(body.count, offset + 8192)
        let last = end == body.count
        guard write(wsi, Array(body[offset..<end]), last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) else { return -1 }
        guard last else {
            connection.phase = .httpResponse(body: body, offset: end)
            lws_callback_on_writable(wsi)
            return 0
        }
        connections[wsi] = nil
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }

    // MARK: WebSocket

    /// Before the upgrade: the token and the client id. A refusal here makes lws drop the
    /// connection without upgrading it.
    private func filterUpgrade(_ wsi: OpaquePointer) -> Int32 {
        let peer = peerAddress(wsi)
        guard !draining else { return 1 }
        if let expected = settings.token {
            let presented = urlArgument(wsi, "token")
            guard LocalAccessToken.matches(presented, expected) else {
                shared.withLock { $0.refused += 1 }
                logger.warning(
                    "local signaling: WebSocket from \(peer) refused: \(presented == nil ? "no" : "wrong") access token")
                return 1
            }
        }
        if let problem = crossSiteProblem(wsi) {
            shared.withLock { $0.refused += 1 }
            logger.warning("local signaling: WebSocket from \(peer) refused: \(problem)")
            return 1
        }
        let clientId: String
        if let requested = urlArgument(wsi, "X-Amz-ClientId") {
            guard (1...256).contains(requested.utf8.count), requested.utf8.allSatisfy(LocalAccessToken.isURLSafe) else {
                shared.withLock { $0.refused += 1 }
                logger.warning(
                    "local signaling: WebSocket from \(peer) refused: X-Amz-ClientId must be 1 to 256 of [A-Za-z0-9_.-]")
                return 1
            }
            clientId = requested
        } else {
            clientId = "viewer-" + String(LocalAccessToken.generate().prefix(12))
        }
        pendingClientIds[wsi] = clientId
        return 0
    }

    private func established(_ wsi: OpaquePointer) {
        let clientId = pendingClientIds.removeValue(forKey: wsi) ?? "viewer-" + String(LocalAccessToken.generate().prefix(12))
        let peer = peerAddress(wsi)
        let connection = LocalConnection(wsi: wsi, phase: .viewer(clientId: clientId))
        connections[wsi] = connection
        let others = viewers.keys.filter { $0 != clientId }.count
        guard others < settings.maxConnections else {
            shared.withLock { $0.refused += 1 }
            logger.warning(
                "local signaling: WebSocket of \(clientId) from \(peer) refused: \(others) viewers connected, max-viewers is \(settings.maxConnections)")
            beginClose(connection, code: Self.closeTryAgainLater, reason: "too many viewers (max-viewers \(settings.maxConnections))")
            return
        }
        if let old = viewers[clientId], let previous = connections[old] {
            logger.info("local signaling: \(clientId) connected again from \(peer); closing its previous socket")
            beginClose(previous, code: Self.closeReplaced, reason: "replaced by a newer connection with the same client id")
        } else {
            logger.info("local signaling: viewer \(clientId) connected from \(peer)")
        }
        viewers[clientId] = wsi
        updateSocketCount()
    }

    private func received(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) {
        guard let connection = connections[wsi], case .viewer(let clientId) = connection.phase else { return }
        let limit = SignalingIncomingMessage.maximumMessageSize
        if connection.discarding == nil {
            if lws_frame_is_binary(wsi) != 0 {
                connection.discarding = "a binary frame (KVS signaling is JSON text)"
            } else if connection.partial.count + chunk.count > limit {
                connection.discarding = "a frame over \(limit / 1024) KiB"
            }
            if connection.discarding != nil { connection.partial = [] }
        }
        if connection.discarding == nil { connection.partial.append(contentsOf: chunk) }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return }
        let message = connection.partial
        connection.partial = []
        if let why = connection.discarding {
            connection.discarding = nil
            logger.warning("local signaling: \(why) from \(clientId) dropped")
            return
        }
        dispatch(message, from: clientId)
    }

    /// Decodes a viewer's frame with the KVS codec and hands it to the master.
    private func dispatch(_ bytes: [UInt8], from clientId: String) {
        do throws(SignalingCodecError) {
            let message = try SignalingOutgoingMessage.decode(bytes)
            switch message.action {
            case .sdpOffer: deliver(.offerReceived(try message.sessionDescription(), from: clientId))
            case .iceCandidate: deliver(.candidateReceived(try message.iceCandidate(), from: clientId))
            case .sdpAnswer:
                logger.warning("local signaling: an SDP_ANSWER from \(clientId) dropped (the master answers; viewers offer)")
                return
            }
            shared.withLock { $0.received += 1 }
        } catch {
            logger.warning("local signaling: a bad frame from \(clientId) dropped: \(error)")
        }
    }

    /// One frame per WRITEABLE, as lws requires; a closing socket sends its close frame.
    private func webSocketWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let connection = connections[wsi] else { return 0 }
        switch connection.phase {
        case .httpResponse:
            return 0
        case .viewer:
            guard !connection.outbox.isEmpty else { return 0 }
            let frame = connection.outbox.removeFirst()
            connection.outboxBytes -= frame.count
            guard write(wsi, frame, LWS_WRITE_TEXT) else { return -1 }
            if !connection.outbox.isEmpty { lws_callback_on_writable(wsi) }
            return 0
        case .closing(_, let code, let reason):
            var text = Array(reason.utf8.prefix(120))
            text.withUnsafeMutableBufferPointer { buffer in
                lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), buffer.baseAddress, buffer.count)
            }
            // Nonzero: lws sends the close frame and waits for the peer's.
            return -1
        }
    }

    func beginClose(_ connection: LocalConnection, code: UInt16, reason: String) {
        if case .closing = connection.phase { return }
        connection.phase = .closing(clientId: connection.clientId, code: code, reason: reason)
        connection.outbox = []
        connection.outboxBytes = 0
        lws_callback_on_writable(connection.wsi)
    }

    /// The socket is gone (CLOSED, CLOSED_HTTP or WSI_DESTROY; whichever comes first).
    private func forget(_ wsi: OpaquePointer) {
        pendingClientIds[wsi] = nil
        guard let connection = connections.removeValue(forKey: wsi) else { return }
        guard let clientId = connection.clientId, viewers[clientId] == wsi else { return }
        viewers[clientId] = nil
        updateSocketCount()
        if !draining {
            logger.info("local signaling: the signaling socket of \(clientId) closed (its session lasts as long as its peer connection)")
        }
    }

    private func updateSocketCount() {
        let count = viewers.count
        shared.withLock { $0.socketCount = count }
    }

    // MARK: Commands from the loop

    func drainCommands() {
        let commands = shared.withLock { state in
            let commands = state.commands
            state.commands = []
            return commands
        }
        for command in commands {
            switch command {
            case .send(let clientId, let frame):
                queue(frame, for: clientId)
            case .stop(let completion):
                stopCompletions.append(completion)
                guard !draining else { continue }
                draining = true
                for connection in connections.values where connection.isWebSocket {
                    beginClose(connection, code: Self.closeGoingAway, reason: "kvsmaster is stopping")
                    connection.killRequested = true
                    lws_set_timer_usecs(connection.wsi, 500_000)
                }
            }
        }
    }

    private func queue(_ frame: [UInt8], for clientId: String) {
        guard let wsi = viewers[clientId], let connection = connections[wsi], case .viewer = connection.phase else {
            logger.info("local signaling: no signaling socket for \(clientId); a message to it was dropped")
            return
        }
        guard connection.outboxBytes + frame.count <= LocalConnection.maximumOutboxBytes else {
            logger.warning("local signaling: \(clientId) does not read its socket; closing it")
            beginClose(connection, code: Self.closeTryAgainLater, reason: "send queue full")
            return
        }
        connection.outbox.append(frame)
        connection.outboxBytes += frame.count
        shared.withLock { $0.sent += 1 }
        lws_callback_on_writable(wsi)
    }

    /// A web page on another site must not reach the camera through the visitor's browser: a
    /// browser's Origin must be this server, and without a token (loopback) the Host must be an
    /// address or `localhost`, not a name rebound to 127.0.0.1 by someone else's DNS.
    private func crossSiteProblem(_ wsi: OpaquePointer) -> String? {
        let host = header(wsi, WSI_TOKEN_HOST) ?? ""
        if settings.token == nil, !host.isEmpty {
            var name = Substring(host)
            if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
                name = name[name.index(after: name.startIndex)..<close]
            } else if let colon = name.lastIndex(of: ":") {
                name = name[..<colon]
            }
            guard IPAddress(name) != nil || name.lowercased() == "localhost" else {
                return "Host \(host) is not an address of this machine (a rebound DNS name?)"
            }
        }
        if let origin = header(wsi, WSI_TOKEN_ORIGIN), !origin.isEmpty, origin != "http://\(host)", origin != "https://\(host)" {
            return "cross-origin request from \(origin)"
        }
        return nil
    }

    // MARK: Helpers

    func header(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        return buffer.withUnsafeMutableBufferPointer { all -> String? in
            guard let base = all.baseAddress, lws_hdr_copy(wsi, base, Int32(all.count), token) > 0 else { return nil }
            return String(cString: base)
        }
    }

    private func write(_ wsi: OpaquePointer, _ payload: [UInt8], _ kind: lws_write_protocol) -> Bool {
        payload.withUnsafeBufferPointer { kvs_lws_write_frame(wsi, $0.baseAddress, $0.count, kind) == 1 }
    }

    /// A query parameter of the request (lws decodes `%xx`); never logged, it may be the token.
    func urlArgument(_ wsi: OpaquePointer, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        return buffer.withUnsafeMutableBufferPointer { all -> String? in
            guard let value = lws_get_urlarg_by_name(wsi, name + "=", all.baseAddress, Int32(all.count)) else { return nil }
            return String(cString: value)
        }
    }

    func peerAddress(_ wsi: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        return buffer.withUnsafeMutableBufferPointer { all -> String in
            guard let text = lws_get_peer_simple(wsi, all.baseAddress, all.count) else { return "?" }
            return String(cString: text)
        }
    }
}
