#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A decoded KVS answer together with what the exchange taught about the server's clock (its
/// `Date` header, RFC 9110 §6.6.1).
public struct RESTKVSReply<Value: Sendable>: Sendable {
    public var value: Value
    /// The response's `Date` minus the local wall clock, when the server sent a Date (feed it to
    /// the state machine as `.serverClockObserved`).
    public var serverClockOffset: Duration?

    public init(value: Value, serverClockOffset: Duration?) {
        self.value = value
        self.serverClockOffset = serverClockOffset
    }
}

extension RESTKVSReply: Equatable where Value: Equatable {}

/// The KVS control-plane, signaling and storage REST calls over `RESTClient` (KVS API
/// reference: DescribeSignalingChannel, CreateSignalingChannel, GetSignalingChannelEndpoint,
/// DescribeMediaStorageConfiguration; KVS Signaling API GetIceServerConfig; KVS WebRTC Storage
/// API JoinStorageSession), each a SigV4-signed JSON POST.
///
/// Stateless apart from its configuration: credentials and the clock offset come with every
/// call (the state machine owns both), and the wall clock is read once per call to sign and
/// once per answer to measure skew.
public final class RESTKVSClient: Sendable {
    public let http: RESTClient
    public let endpoints: KVSEndpoints
    /// Ask GetSignalingChannelEndpoint for the WEBRTC endpoint too (storage mode).
    public let includeWebRTCEndpoint: Bool
    /// Unix seconds now; the real clock unless a test supplies another.
    public let wallClock: @Sendable () -> Int64

    public init(
        http: RESTClient, endpoints: KVSEndpoints, includeWebRTCEndpoint: Bool = false,
        wallClock: @escaping @Sendable () -> Int64 = RESTKVSClient.systemWallClock
    ) {
        self.http = http
        self.endpoints = endpoints
        self.includeWebRTCEndpoint = includeWebRTCEndpoint
        self.wallClock = wallClock
    }

    @Sendable public static func systemWallClock() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    // MARK: Calls

    /// Performs a state-machine request and answers with the matching `KVSResponse`
    /// (`.credentials` is not a REST call and fails as an invalid request).
    public func call(
        _ request: KVSRequest, credentials: AWSCredentials, clockOffset: Duration,
        completion: @escaping @Sendable (Result<RESTKVSReply<KVSResponse>, KVSAPIError>) -> Void
    ) {
        guard let operation = RESTKVSOperation(request, includeWebRTC: includeWebRTCEndpoint) else {
            completion(.failure(KVSAPIError(kind: .transport, errorType: "InvalidRequest", message: "not a REST call")))
            return
        }
        perform(operation, credentials: credentials, clockOffset: clockOffset, completion: completion) { body throws(SignalingCodecError) in
            switch operation {
            case .describeChannel: return .channelDescribed(try KVSChannelInfo.decode(body))
            case .createChannel: return .channelCreated(channelARN: try KVSCreateChannelResult.decode(body))
            case .getSignalingChannelEndpoint(_, let webRTC):
                return .endpoints(try KVSResourceEndpoints.decode(body, requireWebRTC: webRTC).signaling)
            case .getIceServerConfig: return .iceServerConfig(try KVSIceServerConfig.decode(body))
            case .describeMediaStorageConfiguration, .joinStorageSession:
                throw .malformedJSON(context: "not a state-machine call")
            }
        }
    }

    /// GetSignalingChannelEndpoint with every endpoint kept (WEBRTC too when asked for).
    public func getEndpoints(
        channelARN: String, includeWebRTC: Bool, credentials: AWSCredentials, clockOffset: Duration,
        completion: @escaping @Sendable (Result<RESTKVSReply<KVSResourceEndpoints>, KVSAPIError>) -> Void
    ) {
        let operation = RESTKVSOperation.getSignalingChannelEndpoint(channelARN: channelARN, includeWebRTC: includeWebRTC)
        perform(operation, credentials: credentials, clockOffset: clockOffset, completion: completion) { body throws(SignalingCodecError) in
            try KVSResourceEndpoints.decode(body, requireWebRTC: includeWebRTC)
        }
    }

    public func describeMediaStorageConfiguration(
        channelARN: String, credentials: AWSCredentials, clockOffset: Duration,
        completion: @escaping @Sendable (Result<RESTKVSReply<KVSMediaStorageConfiguration>, KVSAPIError>) -> Void
    ) {
        perform(
            .describeMediaStorageConfiguration(channelARN: channelARN), credentials: credentials, clockOffset: clockOffset,
            completion: completion
        ) { body throws(SignalingCodecError) in try KVSMediaStorageConfiguration.decode(body) }
    }

    /// JoinStorageSession on the channel's WEBRTC endpoint; success has no body.
    public func joinStorageSession(
        channelARN: String, webRTCEndpoint: String, credentials: AWSCredentials, clockOffset: Duration,
        completion: @escaping @Sendable (Result<RESTKVSReply<Bool>, KVSAPIError>) -> Void
    ) {
        perform(
            .joinStorageSession(channelARN: channelARN, webRTCEndpoint: webRTCEndpoint), credentials: credentials,
            clockOffset: clockOffset, completion: completion
        ) { _ throws(SignalingCodecError) in true }
    }

    // MARK: Plumbing

    /// The signed HTTP request for `operation`, or the reason it cannot be built.
    public func httpRequest(
        _ operation: RESTKVSOperation, credentials: AWSCredentials, clockOffset: Duration, now: Int64
    ) -> Result<HTTPRequest, KVSAPIError> {
        let target: HTTPSEndpoint
        if let dataPlane = operation.dataPlaneEndpoint {
            guard let endpoint = HTTPSEndpoint(dataPlane) else {
                return .failure(
                    KVSAPIError(kind: .transport, errorType: "InvalidEndpoint", message: "\(operation.name) endpoint '\(dataPlane.prefix(256))' is not https"))
            }
            target = endpoint
        } else {
            target = endpoints.controlPlane
        }
        let body = Array(operation.body.utf8)
        let path = target.basePath + operation.path
        let signer = SigV4Signer(
            credentials: credentials, region: endpoints.region, clockOffset: clockOffset.components.seconds)
        let toSign = SigV4Request(
            method: "POST", host: target.authority, path: path,
            headers: [SigV4Header("Content-Type", "application/json")], body: body)
        do {
            let signed = try signer.sign(toSign, now: now)
            return .success(
                HTTPRequest(
                    method: "POST", url: "https://\(target.authority)\(path)",
                    headers: signed.headers.map { HTTPHeader($0.name, $0.value) }, body: body))
        } catch {
            return .failure(KVSAPIError(kind: .transport, errorType: "SigningFailed", message: error.description))
        }
    }

    private func perform<Value: Sendable>(
        _ operation: RESTKVSOperation, credentials: AWSCredentials, clockOffset: Duration,
        completion: @escaping @Sendable (Result<RESTKVSReply<Value>, KVSAPIError>) -> Void,
        decode: @escaping @Sendable ([UInt8]) throws(SignalingCodecError) -> Value
    ) {
        let request: HTTPRequest
        switch httpRequest(operation, credentials: credentials, clockOffset: clockOffset, now: wallClock()) {
        case .success(let built): request = built
        case .failure(let error):
            completion(.failure(error))
            return
        }
        let clock = wallClock
        http.send(request) { result in
            completion(Self.interpret(result, operation: operation, clockOffset: clockOffset, now: clock(), decode: decode))
        }
    }

    /// Maps one exchange's outcome: 2xx decoded, anything else a `KVSAPIError`.
    static func interpret<Value: Sendable>(
        _ result: Result<HTTPResponse, HTTPError>, operation: RESTKVSOperation, clockOffset: Duration, now: Int64,
        decode: ([UInt8]) throws(SignalingCodecError) -> Value
    ) -> Result<RESTKVSReply<Value>, KVSAPIError> {
        let response: HTTPResponse
        switch result {
        case .success(let answer): response = answer
        case .failure(let error): return .failure(RESTKVSErrorMapping.apiError(for: error))
        }
        let offset = response.date.map { Duration.seconds($0 &- now) }
        guard (200..<300).contains(response.status) else {
            return .failure(RESTKVSErrorMapping.apiError(for: response, serverClockOffset: offset, clockOffset: clockOffset))
        }
        do {
            return .success(RESTKVSReply(value: try decode(response.body), serverClockOffset: offset))
        } catch {
            var failure = RESTKVSErrorMapping.apiError(forUndecodable: response, operation: operation.name, error)
            failure.serverClockOffset = offset
            return .failure(failure)
        }
    }
}

/// Clock-skew policy for the driver's log: SigV4 tolerates 5 minutes (KVS developer guide,
/// troubleshooting "Signature expired").
public enum RESTClockSkew {
    public static let tolerance: Duration = .seconds(300)

    /// Whether `offset` (server minus local) is beyond what SigV4 accepts.
    public static func exceedsTolerance(_ offset: Duration) -> Bool {
        offset > tolerance || offset < .zero - tolerance
    }

    /// The warning to log when the offset is adopted.
    public static func warning(offset: Duration) -> String {
        let seconds = offset.components.seconds
        let direction = seconds >= 0 ? "behind" : "ahead of"
        return "the local clock is \(seconds.magnitude) s \(direction) the KVS service; requests are signed with a "
            + "correction, but fix time synchronization (NTP, e.g. systemd-timesyncd or chrony)"
    }
}
