
/// The answer to CreateSignalingChannel (KVS API, CreateSignalingChannel: `ChannelARN`).
public enum KVSCreateChannelResult {
    public static func decode(_ body: [UInt8]) throws(SignalingCodecError) -> String {
        struct Raw: Decodable { var ChannelARN: String? }
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "CreateSignalingChannel")
        guard let arn = raw.ChannelARN, !arn.isEmpty else { throw .missingField("ChannelARN") }
        return arn
    }
}

/// Every endpoint of a GetSignalingChannelEndpoint answer (KVS API,
/// GetSignalingChannelEndpoint: `ResourceEndpointList[]`), including the `WEBRTC` endpoint that
/// JoinStorageSession must be sent to when the channel ingests to a stream.
public struct KVSResourceEndpoints: Equatable, Sendable {
    public var signaling: KVSChannelEndpoints
    /// `https://w-….kinesisvideo.<region>.amazonaws.com`, when `WEBRTC` was asked for.
    public var webRTC: String?

    public init(signaling: KVSChannelEndpoints, webRTC: String? = nil) {
        self.signaling = signaling
        self.webRTC = webRTC
    }

    /// Parses the body; WSS and HTTPS are required, WEBRTC only when `requireWebRTC`.
    public static func decode(_ body: [UInt8], requireWebRTC: Bool) throws(SignalingCodecError) -> Self {
        struct Raw: Decodable {
            struct Endpoint: Decodable {
                var `Protocol`: String?
                var ResourceEndpoint: String?
            }
            var ResourceEndpointList: [Endpoint]?
        }
        let signaling = try KVSChannelEndpoints.decode(body)
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "GetSignalingChannelEndpoint")
        let webRTC = raw.ResourceEndpointList?.first { $0.Protocol == "WEBRTC" }?.ResourceEndpoint
        if requireWebRTC, webRTC == nil { throw .missingField("ResourceEndpointList.WEBRTC") }
        return Self(signaling: signaling, webRTC: webRTC)
    }
}

/// Whether a channel ingests its media into a Kinesis video stream (KVS API,
/// DescribeMediaStorageConfiguration: `MediaStorageConfiguration.Status/StreamARN`).
public struct KVSMediaStorageConfiguration: Equatable, Sendable {
    public var enabled: Bool
    public var streamARN: String?

    public init(enabled: Bool, streamARN: String?) {
        self.enabled = enabled
        self.streamARN = streamARN
    }

    public static func decode(_ body: [UInt8]) throws(SignalingCodecError) -> Self {
        struct Raw: Decodable {
            struct Configuration: Decodable {
                var StreamARN: String?
                var Status: String?
            }
            var MediaStorageConfiguration: Configuration?
        }
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "DescribeMediaStorageConfiguration")
        guard let configuration = raw.MediaStorageConfiguration else { throw .missingField("MediaStorageConfiguration") }
        guard let status = configuration.Status else { throw .missingField("MediaStorageConfiguration.Status") }
        switch status {
        case "ENABLED": return Self(enabled: true, streamARN: configuration.StreamARN)
        case "DISABLED": return Self(enabled: false, streamARN: configuration.StreamARN)
        default: throw .wrongFieldType("MediaStorageConfiguration.Status")
        }
    }
}

/// The REST operations kvsmaster makes (KVS API reference; KVS Signaling API
/// GetIceServerConfig; KVS WebRTC Storage API JoinStorageSession): where each goes, its path
/// and its JSON body.
public enum RESTKVSOperation: Equatable, Sendable {
    case describeChannel(name: String)
    case createChannel(name: String, messageTtlSeconds: Int)
    /// Role MASTER; protocols WSS and HTTPS, plus WEBRTC when `includeWebRTC`.
    case getSignalingChannelEndpoint(channelARN: String, includeWebRTC: Bool)
    case getIceServerConfig(channelARN: String, httpsEndpoint: String, clientId: String)
    case describeMediaStorageConfiguration(channelARN: String)
    case joinStorageSession(channelARN: String, webRTCEndpoint: String)

    /// The operation behind a state-machine request; nil for the credential fetch.
    public init?(_ request: KVSRequest, includeWebRTC: Bool = false) {
        switch request {
        case .credentials: return nil
        case .describeChannel(let name): self = .describeChannel(name: name)
        case .createChannel(let name, let ttl): self = .createChannel(name: name, messageTtlSeconds: ttl)
        case .getSignalingChannelEndpoint(let arn): self = .getSignalingChannelEndpoint(channelARN: arn, includeWebRTC: includeWebRTC)
        case .getIceServerConfig(let arn, let endpoint, let clientId):
            self = .getIceServerConfig(channelARN: arn, httpsEndpoint: endpoint, clientId: clientId)
        }
    }

    /// The API name for logs and errors.
    public var name: String {
        switch self {
        case .describeChannel: "DescribeSignalingChannel"
        case .createChannel: "CreateSignalingChannel"
        case .getSignalingChannelEndpoint: "GetSignalingChannelEndpoint"
        case .getIceServerConfig: "GetIceServerConfig"
        case .describeMediaStorageConfiguration: "DescribeMediaStorageConfiguration"
        case .joinStorageSession: "JoinStorageSession"
        }
    }

    public var path: String {
        switch self {
        case .describeChannel: "/describeSignalingChannel"
        case .createChannel: "/createSignalingChannel"
        case .getSignalingChannelEndpoint: "/getSignalingChannelEndpoint"
        case .getIceServerConfig: "/v1/get-ice-server-config"
        case .describeMediaStorageConfiguration: "/describeMediaStorageConfiguration"
        case .joinStorageSession: "/joinStorageSession"
        }
    }

    /// The data-plane endpoint the call goes to, or nil for the control plane.
    public var dataPlaneEndpoint: String? {
        switch self {
        case .getIceServerConfig(_, let endpoint, _): endpoint
        case .joinStorageSession(_, let endpoint): endpoint
        default: nil
        }
    }

    public var body: String {
        let q = SignalingJSON.quoted
        switch self {
        case .describeChannel(let name):
            return KVSRequest.describeChannel(name: name).body ?? ""
        case .createChannel(let name, let ttl):
            return KVSRequest.createChannel(name: name, messageTtlSeconds: ttl).body ?? ""
        case .getSignalingChannelEndpoint(let arn, let includeWebRTC):
            let protocols = includeWebRTC ? "[\"WSS\",\"HTTPS\",\"WEBRTC\"]" : "[\"WSS\",\"HTTPS\"]"
            let config = SignalingJSON.object([("Protocols", protocols), ("Role", q("MASTER"))])
            return SignalingJSON.object([("ChannelARN", q(arn)), ("SingleMasterChannelEndpointConfiguration", config)])
        case .getIceServerConfig(let arn, let endpoint, let clientId):
            return KVSRequest.getIceServerConfig(channelARN: arn, httpsEndpoint: endpoint, clientId: clientId).body ?? ""
        case .describeMediaStorageConfiguration(let arn):
            return SignalingJSON.object([("ChannelARN", q(arn))])
        case .joinStorageSession(let arn, _):
            // The WebRTC storage API spells its member in camel case.
            return SignalingJSON.object([("channelArn", q(arn))])
        }
    }
}
