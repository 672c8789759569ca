/// Storage mode (KVS developer guide, "WebRTC ingestion"): the master asks
/// DescribeMediaStorageConfiguration whether the channel ingests to a stream, then calls
/// JoinStorageSession on the channel's WEBRTC endpoint; the storage session then sends its
/// SDP offer over the master's signaling socket (with no senderClientId). The daemon joins
/// again whenever the storage session's peer connection ends.
extension SignalingClient {
    /// DescribeMediaStorageConfiguration for the connected channel; `completion` runs on the loop.
    public nonisolated func describeMediaStorage(
        completion: @escaping @Sendable (Result<KVSMediaStorageConfiguration, KVSAPIError>) -> Void
    ) {
        hop { client in
            guard let (arn, credentials) = client.storagePrerequisites(needsEndpoint: false, completion: completion) else { return }
            client.rest.describeMediaStorageConfiguration(
                channelARN: arn, credentials: credentials, clockOffset: client.machine.clockOffset
            ) { [weak client] result in
                client?.hop { _ in completion(result.map(\.value)) }
            }
        }
    }

    /// JoinStorageSession on the WEBRTC endpoint; `completion` runs on the loop.
    public nonisolated func joinStorageSession(completion: @escaping @Sendable (Result<Void, KVSAPIError>) -> Void) {
        hop { client in
            guard let (arn, credentials) = client.storagePrerequisites(needsEndpoint: true, completion: completion),
                let endpoint = client.snapshotValue.webRTCEndpoint
            else { return }
            client.log.log(.info, "joining the storage session of \(client.configuration.machine.channelName)")
            client.rest.joinStorageSession(
                channelARN: arn, webRTCEndpoint: endpoint, credentials: credentials, clockOffset: client.machine.clockOffset
            ) { [weak client] result in
                client?.hop { client in
                    switch result {
                    case .success:
                        client.log.log(.info, "JoinStorageSession accepted; waiting for the storage session's offer")
                        completion(.success(()))
                    case .failure(let error):
                        client.log.log(.warning, "JoinStorageSession failed: \(error)")
                        completion(.failure(error))
                    }
                }
            }
        }
    }

    /// The channel ARN and credentials (and the WEBRTC endpoint when `needsEndpoint`), or
    /// nil after failing `completion` with the reason.
    func storagePrerequisites<T>(
        needsEndpoint: Bool, completion: @escaping @Sendable (Result<T, KVSAPIError>) -> Void
    ) -> (String, AWSCredentials)? {
        func fail(_ message: String) -> (String, AWSCredentials)? {
            completion(.failure(KVSAPIError(kind: .transport, errorType: "StorageNotReady", message: message)))
            return nil
        }
        guard case .running = lifecycle else { return fail("the signaling client is not running") }
        guard let arn = machine.channelARN else { return fail("the channel ARN is not known yet") }
        guard let credentials else { return fail("no credentials yet") }
        if needsEndpoint, snapshotValue.webRTCEndpoint == nil {
            return fail("GetSignalingChannelEndpoint returned no WEBRTC endpoint (is storage enabled for the channel?)")
        }
        return (arn, credentials)
    }
}
