/// One lws connection of the ``LocalSignalingServer`` (service thread only): an HTTP response
/// being written, or a viewer's signaling WebSocket.
final class LocalConnection {
    enum Phase {
        /// Headers sent; `body[offset...]` still to write.
        case httpResponse(body: [UInt8], offset: Int)
        /// A viewer's signaling socket.
        case viewer(clientId: String)
        /// A socket being closed with this code and reason (RFC 6455 §7.4).
        case closing(clientId: String?, code: UInt16, reason: String)
    }

    let wsi: OpaquePointer
    var phase: Phase
    /// Text frames for the viewer, oldest first.
    var outbox: [[UInt8]] = []
    var outboxBytes = 0
    /// The message being reassembled from fragments.
    var partial: [UInt8] = []
    /// The current message went over the size limit (or is binary): drop it when it ends.
    var discarding: String?
    /// The next lws timer callback drops the socket (stopping, or the peer ignores our close).
    var killRequested = false

    /// A viewer that queues more than this without reading is cut off.
    static let maximumOutboxBytes = 1 << 20

    init(wsi: OpaquePointer, phase: Phase) {
        self.wsi = wsi
        self.phase = phase
    }

    var isWebSocket: Bool {
        switch phase {
        case .httpResponse: false
        case .viewer, .closing: true
        }
    }

    var clientId: String? {
        switch phase {
        case .httpResponse: nil
        case .viewer(let clientId): clientId
        case .closing(let clientId, _, _): clientId
        }
    }
}
