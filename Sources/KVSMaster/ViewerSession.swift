import EventLoop
import PeerConnection
import SDP
import Signaling
import WireKit

/// Who a session talks to: a viewer (by its signaling client id) or the KVS storage session,
/// which has no client id (KVS developer guide, "WebRTC ingestion").
public enum ViewerKey: Hashable, Sendable, CustomStringConvertible {
    case viewer(String)
    case storage

    init(clientId: String?) { self = clientId.map(ViewerKey.viewer) ?? .storage }

    /// The recipient of our signaling messages (nil for the storage session).
    public var clientId: String? {
        if case .viewer(let id) = self { return id }
        return nil
    }

    public var description: String {
        switch self {
        case .viewer(let id): "viewer \(id)"
        case .storage: "storage session"
        }
    }
}

/// One viewer's peer connection and what the master tracks about it. Lives on the loop.
final class ViewerSession {
    let key: ViewerKey
    let connection: PeerConnection
    /// A per-offer number, so events of a replaced session are recognised and ignored.
    let generation: UInt64
    let created: Instant
    /// When media started flowing (DTLS connected), for the offer → first packet measurement.
    var mediaReady: Instant?
    var firstVideoPacket: Instant?
    var dataChannelMessages = 0
    /// Correlation ids on our messages (the storage session answers STATUS_RESPONSE with them).
    var correlationCounter = 0

    init(key: ViewerKey, connection: PeerConnection, generation: UInt64, created: Instant) {
        self.key = key
        self.connection = connection
        self.generation = generation
        self.created = created
    }

    func nextCorrelationId() -> String {
        correlationCounter += 1
        return "kvsmaster-\(generation)-\(correlationCounter)"
    }
}
