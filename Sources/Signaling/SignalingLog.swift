import Logging
import WireKit

/// The signaling client's log lines (one per event, component label `kvs.signaling`), with a
/// last line of defence against secrets: every message passes through `redact`, which masks
/// presigned-URL secrets (AWS SigV4 "Authenticating Requests: Using Query Parameters"), the
/// `Signature=` of an Authorization header, and the literal values of the credentials in use
/// (secret key, session token) should a server echo them back in an error message.
///
/// Levels follow the daemon's AWS_KVS_LOG_LEVEL mapping: connection changes at info, recoveries
/// and rejected input at warning, protocol steps at debug, frames at trace.
public struct SignalingLog: Sendable {
    public static let label = "kvs.signaling"

    public var logger: Logger
    /// Literal secrets to mask (at least 8 characters each, so short strings cannot mangle text).
    var secrets: [String] = []

    public init(logger: Logger = Logger(label: SignalingLog.label)) {
        var logger = logger
        logger[metadataKey: "component"] = "signaling"
        self.logger = logger
    }

    /// Remembers the secrets of `credentials` so that they are masked wherever they appear.
    mutating func protect(_ credentials: AWSCredentials) {
        for secret in [credentials.secretAccessKey, credentials.sessionToken ?? ""] where secret.utf8.count >= 8 {
            if !secrets.contains(secret) { secrets.append(secret) }
        }
        // Keep the list short: old credentials stop mattering once replaced twice.
        if secrets.count > 8 { secrets.removeFirst(secrets.count - 8) }
    }

    func log(_ level: Logger.Level, _ message: @autoclosure () -> String) {
        guard logger.logLevel <= level else { return }
        logger.log(level: level, "\(Self.redact(message(), secrets: secrets))")
    }

    // MARK: Events

    /// The one line for a state-machine event.
    func event(_ event: SignalingEvent) {
        switch event {
        case .connected:
            log(.info, "signaling channel connected")
        case .disconnected(let reason):
            log(reason == .stopped ? .info : .notice, "signaling channel disconnected: \(Self.describe(reason))")
        case .offerReceived(_, let from):
            log(.info, "SDP offer received from \(from ?? "the storage session")")
        case .answerReceived(_, let from):
            log(.info, "SDP answer received from \(from ?? "the storage session")")
        case .candidateReceived(_, let from):
            log(.debug, "ICE candidate received from \(from ?? "the storage session")")
        case .iceServersUpdated(let config):
            let ttl = config.minimumTTL.map { "\($0.components.seconds) s" } ?? "none"
            log(.info, "ICE server configuration updated: \(config.servers.count) server(s), shortest TTL \(ttl)")
        case .statusResponse(let status):
            log(
                .warning,
                "the service rejected message \(status.correlationId.prefix(64)): \((status.errorType ?? "?").prefix(64)) "
                    + "(\((status.statusCode ?? "?").prefix(8))) \((status.description ?? "").prefix(200))")
        case .requestFailed(let step, let error):
            log(.warning, "\(step.rawValue) failed: \(error); recovering")
        case .messageRejected(let error):
            log(.warning, "dropped a signaling message from the service: \(Self.describe(error))")
        case .candidatesDropped(let count):
            log(.notice, "dropped \(count) ICE candidate(s) that arrived without an offer")
        case .clockOffsetChanged(let offset):
            log(.warning, RESTClockSkew.warning(offset: offset))
        }
    }

    static func describe(_ reason: SignalingDisconnectReason) -> String {
        switch reason {
        case .goAway: "GO_AWAY from the service"
        case .closed(let code): "closed by the service or network (code \(code.map(String.init) ?? "none"))"
        case .failed(let error): "socket failure: \(error)"
        case .maximumDurationReached: "reconnecting before the 1-hour connection limit"
        case .stopped: "stopped"
        }
    }

    /// A specific phrase per kind of bad input, so an operator can tell them apart.
    static func describe(_ error: SignalingCodecError) -> String {
        switch error {
        case .malformedJSON: "malformed JSON (\(error))"
        case .invalidBase64: "bad base64 in messagePayload"
        case .unknownMessageType: "unknown event (\(error))"
        case .oversized: "oversized message (\(error))"
        default: "\(error)"
        }
    }

    // MARK: Redaction

    /// `text` with presigned-URL secrets, Authorization signatures and the given literal
    /// secrets masked.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = WebSocketRedaction.redact(text)
        for secret in secrets where !secret.isEmpty && result.containsText(secret) {
            result = result.replacingText(secret, with: WebSocketRedaction.mask)
        }
        return maskAuthorizationSignature(result)
    }

    /// Masks the hex after `Signature=` (the Authorization header form; the query form was
    /// handled by `WebSocketRedaction`).
    static func maskAuthorizationSignature(_ text: String) -> String {
        guard text.containsText("Signature=") else { return text }
        var bytes = Array(text.utf8)
        let pattern = Array("Signature=".utf8)
        var index = 0
        while index + pattern.count <= bytes.count {
            guard bytes[index..<(index + pattern.count)].elementsEqual(pattern) else {
                index += 1
                continue
            }
            let start = index + pattern.count
            var end = start
            while end < bytes.count, Self.isHex(bytes[end]) { end += 1 }
            if end > start {
                bytes.replaceSubrange(start..<end, with: Array(WebSocketRedaction.mask.utf8))
            }
            index = start + 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }
}
