import Signaling

/// What the ``Master`` needs from its signaling channel: the KVS signaling client, or the local
/// signaling server of `--local` (which speaks the same viewer-side messages). Events come back
/// through ``Master/handleSignaling(_:)`` on the loop.
public protocol MasterSignaling: AnyObject, Sendable {
    /// Starts connecting or listening.
    func start()
    /// Closes everything; `completion` runs once down (on the loop).
    func stop(completion: @escaping @Sendable () -> Void)
    /// Queues an answer or candidate for a viewer (nil recipient: the storage session).
    func send(_ message: SignalingOutgoingMessage)
    /// The viewer's session is over.
    func viewerSessionEnded(clientId: String?)
    /// Storage mode: JoinStorageSession (only the KVS client supports it).
    func joinStorageSession(completion: @escaping @Sendable (Result<Void, KVSAPIError>) -> Void)
    /// One line for the periodic status output.
    var statusSummary: String { get }
}

extension SignalingClient: MasterSignaling {
    public nonisolated var statusSummary: String {
        let snapshot = self.snapshot
        let m = snapshot.metrics
        return "signaling: \(snapshot.state), sent \(m.numberOfMessagesSent), received \(m.numberOfMessagesReceived), "
            + "reconnects \(m.numberOfReconnects), errors \(m.numberOfErrors), ICE refreshes \(m.iceRefreshCount)"
    }
}
