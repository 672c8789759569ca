#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import WireKit

/// Everything the signaling driver needs that comes from the environment, resolved the way the
/// KVS C SDK reads it (KVS developer guide, "Use IPv6/Dual-Stack endpoints"; the SDK's
/// CONTROL_PLANE_URI, KVS_STUN_URI, AWS_DEFAULT_REGION and AWS_KVS_CACERT_PATH).
///
/// `resolve` is a pure function of the dictionary it is given, so every override is testable
/// without touching the process environment.
public struct SignalingClientConfiguration: Sendable {
    /// The state machine's tunables (channel name, timeouts, backoff, pacing).
    public var machine: SignalingConfiguration
    /// Region, control plane (CONTROL_PLANE_URI) and STUN server (KVS_STUN_URI).
    public var endpoints: KVSEndpoints
    /// Trust anchors for both HTTPS and WSS (AWS_KVS_CACERT_PATH, else the system store).
    public var trust: CATrustStore
    /// The endpoint cache file; nil disables the cache.
    public var endpointCachePath: String?
    /// Ask GetSignalingChannelEndpoint for the WEBRTC endpoint too (storage mode).
    public var includeWebRTCEndpoint = false
    /// libcurl's connect timeout for REST calls.
    public var restConnectTimeout: Duration = .seconds(5)
    /// WebSocket keepalive: KVS drops connections idle for 10 minutes.
    public var pingInterval: Duration = .seconds(30)
    /// Incoming frames larger than this are discarded by the socket; a little above the
    /// decoder's own limit, so that most oversized frames reach the decoder and are reported
    /// with their size.
    public var maximumFrameSize = SignalingIncomingMessage.maximumMessageSize * 2

    public init(machine: SignalingConfiguration, endpoints: KVSEndpoints, trust: CATrustStore, endpointCachePath: String?) {
        self.machine = machine
        self.endpoints = endpoints
        self.trust = trust
        self.endpointCachePath = endpointCachePath
    }

    /// Resolves endpoints and the CA store from `environment`; the cache goes to
    /// `EndpointCache.defaultPath` unless `endpointCachePath` is given (pass `.some(nil)` to
    /// disable it).
    public static func resolve(
        channelName: String, clientId: String = "kvsmaster", environment: [String: String],
        endpointCachePath: String?? = nil, probe: CAFileProbe = .local
    ) -> Result<SignalingClientConfiguration, SignalingClientConfigurationError> {
        let endpoints: KVSEndpoints
        switch KVSEndpoints.resolve(environment: environment) {
        case .success(let resolved): endpoints = resolved
        case .failure(let error): return .failure(.endpoints(error))
        }
        let trust: CATrustStore
        switch CABundle.resolve(environment: environment, probe: probe) {
        case .success(let bundle): trust = bundle.store
        case .failure(let error): return .failure(.caBundle(error))
        }
        let cachePath = endpointCachePath ?? EndpointCache.defaultPath(environment: environment)
        return .success(
            SignalingClientConfiguration(
                machine: SignalingConfiguration(channelName: channelName, clientId: clientId), endpoints: endpoints,
                trust: trust, endpointCachePath: cachePath))
    }

    /// The cache key of this client's channel.
    public var endpointCacheKey: EndpointCacheKey {
        EndpointCacheKey(channelName: machine.channelName, region: endpoints.region, dualStack: endpoints.dualStack)
    }

    /// The WebSocket trust setting matching `trust`.
    var webSocketTrust: WebSocketTrust {
        switch trust {
        case .libraryDefault: .systemStore
        case .file(let path): .caFile(path)
        case .directory(let path): .caDirectory(path)
        }
    }
}

/// Why the signaling client cannot be configured from the environment; names the variable.
public enum SignalingClientConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case endpoints(KVSEndpointsError)
    case caBundle(CABundleError)

    public var description: String {
        switch self {
        case .endpoints(let error): error.description
        case .caBundle(let error): error.description
        }
    }
}

/// Where the signaling client gets AWS credentials (AWS SDKs and Tools Reference Guide,
/// "Standardized credential providers"). `resolve` may block (file reads, the IoT credentials
/// provider over mutual TLS), so the client calls it off its event loop.
public struct SignalingCredentialProvider: Sendable {
    public var resolve: @Sendable () -> Result<SignalingCredentials, CredentialError>

    public init(resolve: @escaping @Sendable () -> Result<SignalingCredentials, CredentialError>) {
        self.resolve = resolve
    }

    /// The default chain: environment, shared files, AWS IoT.
    public static func chain(environment: [String: String]) -> Self {
        let chain = CredentialProviderChain(environment: environment)
        return Self {
            chain.resolve().map { SignalingCredentials(credentials: $0.credentials, source: $0.source.description) }
        }
    }

    /// Always the same credentials (tests, or keys handed over by the daemon).
    public static func fixed(_ credentials: AWSCredentials) -> Self {
        Self { .success(SignalingCredentials(credentials: credentials, source: "fixed credentials")) }
    }
}

/// Credentials and a description of where they came from (never a secret).
public struct SignalingCredentials: Sendable, Equatable {
    public var credentials: AWSCredentials
    public var source: String

    public init(credentials: AWSCredentials, source: String) {
        self.credentials = credentials
        self.source = source
    }
}
