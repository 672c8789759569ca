import WireKit

/// Why a secure WebSocket (RFC 6455 over TLS) could not be opened, broke, or refused a call.
/// No case carries the request target: details taken from libwebsockets are passed through
/// ``WebSocketRedaction`` first.
public enum WebSocketError: Error, Sendable, Equatable {
    /// The URL is not a usable `wss://` URL (the reason never quotes the query).
    case invalidURL(reason: String)
    /// `connect` while a connection is still open or opening.
    case alreadyConnected
    /// `send`/`close` with no open connection.
    case notConnected
    /// `close` with a status code an endpoint may not send (RFC 6455 §7.4).
    case invalidCloseCode(UInt16)
    /// More than the configured bytes are waiting to be written.
    case sendQueueFull(limit: Int)
    /// The client was shut down (calls after `shutdown()`, or connections it cut).
    case shutDown
    /// libwebsockets could not create its context (bad CA file, out of memory).
    case contextCreationFailed(reason: String)

    /// Name resolution failed.
    case hostNotFound(host: String)
    /// Nothing listens there (TCP RST), or the host is unreachable.
    case connectionRefused(host: String, port: Int)
    /// TCP, TLS and the HTTP upgrade did not complete within the connect timeout.
    case connectTimeout(milliseconds: Int)
    /// The server's certificate chain or host name did not verify against the trusted CAs.
    case tlsVerificationFailed(detail: String)
    /// The TLS handshake failed for another reason (protocol, alert, truncated stream).
    case tlsHandshakeFailed(detail: String)
    /// The server answered the upgrade with an HTTP status other than 101 (RFC 6455 §4.1),
    /// e.g. 403 for a bad or expired SigV4 signature.
    case upgradeRejected(status: Int)
    /// Any other failure while connecting, with libwebsockets' (redacted) reason.
    case connectFailed(detail: String)

    /// The TCP/TLS stream ended without a close frame (RFC 6455 §7.1.5, code 1006).
    case connectionLost
    /// No pong arrived within the dead-connection timeout after a ping (RFC 6455 §5.5.2).
    case peerUnresponsive(milliseconds: Int)
    /// An incoming message exceeded the size cap; it was discarded (the connection stays open).
    case messageTooLarge(limit: Int)
    /// An incoming text message was not valid UTF-8 (RFC 6455 §8.1); it was discarded.
    case invalidUTF8
}

extension WebSocketError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid WebSocket URL: \(WebSocketRedaction.redact(reason))"
        case .alreadyConnected: "the WebSocket is already connected or connecting"
        case .notConnected: "the WebSocket is not connected"
        case .invalidCloseCode(let code): "\(code) is not a close code an endpoint may send"
        case .sendQueueFull(let limit): "the WebSocket send queue is full (\(limit) bytes)"
        case .shutDown: "the WebSocket client was shut down"
        case .contextCreationFailed(let reason): "libwebsockets could not start: \(WebSocketRedaction.redact(reason))"
        case .hostNotFound(let host): "cannot resolve host \(host)"
        case .connectionRefused(let host, let port): "connection to \(host):\(port) refused"
        case .connectTimeout(let ms): "WebSocket connect timed out after \(ms) ms"
        case .tlsVerificationFailed(let detail):
            "TLS certificate verification failed: \(WebSocketRedaction.redact(detail))"
        case .tlsHandshakeFailed(let detail): "TLS handshake failed: \(WebSocketRedaction.redact(detail))"
        case .upgradeRejected(let status): "the server refused the WebSocket upgrade with HTTP \(status)"
        case .connectFailed(let detail): "WebSocket connect failed: \(WebSocketRedaction.redact(detail))"
        case .connectionLost: "the WebSocket connection was lost (no close frame)"
        case .peerUnresponsive(let ms): "no pong from the server within \(ms) ms; the connection is dead"
        case .messageTooLarge(let limit): "an incoming WebSocket message exceeded \(limit) bytes and was discarded"
        case .invalidUTF8: "an incoming WebSocket text message was not valid UTF-8 and was discarded"
        }
    }
}

extension WebSocketError {
    /// Maps libwebsockets' CLIENT_CONNECTION_ERROR text (and the HTTP status it saw, if any) to
    /// a case. lws 4.1 reports failures only as free text, so this matches its known phrases.
    static func classify(lwsReason: String, httpStatus: Int, host: String, port: Int) -> WebSocketError {
        if httpStatus != 0 && httpStatus != 101 { return .upgradeRejected(status: httpStatus) }
        let reason = lwsReason.lowercased()
        let detail = WebSocketRedaction.redact(lwsReason)
        if reason.containsText("verify") || reason.containsText("certificate") || reason.containsText("hostname mismatch") {
            return .tlsVerificationFailed(detail: detail)
        }
        if reason.containsText("lookup") || reason.containsText("getaddrinfo") || reason.containsText("dns") || reason.containsText("resolve") {
            return .hostNotFound(host: host)
        }
        // lws 4.1 says "Unable to connect" once every resolved address refused or timed out.
        if reason.containsText("unable to connect") || reason.containsText("refused") || reason.containsText("conn fail")
            || reason.containsText("connect failed") || reason.containsText("unreachable")
        {
            return .connectionRefused(host: host, port: port)
        }
        if reason.containsText("tls") || reason.containsText("ssl") { return .tlsHandshakeFailed(detail: detail) }
        return .connectFailed(detail: detail)
    }
}
