import CKVSShims
import CWebSockets
import Glibc
import Synchronization

/// A secure WebSocket client (RFC 6455 over TLS 1.2/1.3 with OpenSSL) built on libwebsockets,
/// used for the KVS signaling channel.
///
/// The client owns one lws context and one service thread running `lws_service`; every lws
/// call that touches a connection happens on that thread. Other threads only queue commands
/// (connect, send, close, shutdown) under a lock and wake the thread with
/// `lws_cancel_service`. Events for a connection arrive on the service thread through the
/// callback given to `connect`; the callback should hand them over (to the daemon's event
/// loop) and return.
///
/// One connection at a time. After a connection's terminal event (`closed`/`failed`) the same
/// client connects again on the same context (the TLS context, with its CA store, is built once
/// from the configuration and reused); the events callback may call `connect` itself.
public final class WebSocketClient: Sendable {
    let service: WebSocketService

    /// Creates the lws context (loading the trusted CAs) and starts the service thread.
    public init(configuration: WebSocketConfiguration) throws(WebSocketError) {
        service = try WebSocketService(configuration: configuration)
    }

    deinit { service.shutdown() }

    /// Starts connecting to `url` (`wss://host[:port]/path?query`; the path and query are sent
    /// exactly as given). Returns at once; `events` reports `opened` or `failed`, then messages,
    /// then exactly one `closed` or `failed`.
    public func connect(url: String, events: @escaping @Sendable (WebSocketEvent) -> Void) throws(WebSocketError) {
        try service.connect(url: WebSocketURL(url), events: events)
    }

    /// Queues a text message on the open connection; any thread. Messages are written in the
    /// order the calls returned.
    public func send(text: String) throws(WebSocketError) {
        try service.send(WebSocketOutgoing(bytes: Array(text.utf8), binary: false))
    }

    /// Queues a binary message on the open connection; any thread.
    public func send(binary: [UInt8]) throws(WebSocketError) {
        try service.send(WebSocketOutgoing(bytes: binary, binary: true))
    }

    /// Starts the closing handshake (RFC 6455 §7.1.2) after queued messages are written; a
    /// connection still opening is abandoned. `code` must be one an endpoint may send
    /// (§7.4: 1000–1003, 1007–1014, 3000–4999); `reason` is cut to 123 bytes.
    public func close(code: UInt16 = WebSocketClose.normalClosure, reason: String = "") throws(WebSocketError) {
        guard (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code) else {
            throw .invalidCloseCode(code)
        }
        try service.close(WebSocketClose(code: code, reason: Self.truncatedReason(reason), initiator: .local))
    }

    /// Closes an open connection with 1001 (going away, bounded by the close timeout), stops
    /// the service thread, waits for it and frees the lws context. Idempotent. When called from
    /// the events callback it cannot wait for its own thread: it returns and the thread
    /// finishes on its own.
    public func shutdown() {
        service.shutdown()
    }

    /// The first 123 bytes of `reason` on a scalar boundary (a control frame payload is at most
    /// 125 bytes, RFC 6455 §5.5).
    static func truncatedReason(_ reason: String) -> String {
        var result = ""
        var count = 0
        for scalar in reason.unicodeScalars {
            let width = String(scalar).utf8.count
            if count + width > 123 { break }
            count += width
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}
