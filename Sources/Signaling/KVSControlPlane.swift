import WireKit

/// What DescribeSignalingChannel reports about a channel (KVS API, DescribeSignalingChannel:
/// `ChannelInfo`).
public struct KVSChannelInfo: Equatable, Sendable {
    public var name: String
    public var arn: String
    /// `CREATING`, `ACTIVE`, `UPDATING` or `DELETING`.
    public var status: String
    /// `SINGLE_MASTER` or `FULL_MESH`.
    public var type: String
    public var messageTtlSeconds: Int?

    public init(name: String, arn: String, status: String, type: String, messageTtlSeconds: Int? = nil) {
        self.name = name
        self.arn = arn
        self.status = status
        self.type = type
        self.messageTtlSeconds = messageTtlSeconds
    }

    public var isActive: Bool { status == "ACTIVE" }

    private struct Raw: Decodable {
        struct Info: Decodable {
            struct SingleMaster: Decodable { var MessageTtlSeconds: Int? }
            var ChannelName: String?
            var ChannelARN: String?
            var ChannelStatus: String?
            var ChannelType: String?
            var SingleMasterConfiguration: SingleMaster?
        }
        var ChannelInfo: Info?
    }

    /// Parses the JSON body of a DescribeSignalingChannel response.
    public static func decode(_ body: [UInt8]) throws(SignalingCodecError) -> Self {
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "DescribeSignalingChannel")
        guard let info = raw.ChannelInfo else { throw .missingField("ChannelInfo") }
        guard let arn = info.ChannelARN else { throw .missingField("ChannelInfo.ChannelARN") }
        guard let status = info.ChannelStatus else { throw .missingField("ChannelInfo.ChannelStatus") }
        return Self(
            name: info.ChannelName ?? "", arn: arn, status: status, type: info.ChannelType ?? "SINGLE_MASTER",
            messageTtlSeconds: info.SingleMasterConfiguration?.MessageTtlSeconds)
    }
}

/// The master's endpoints from GetSignalingChannelEndpoint (KVS API,
/// GetSignalingChannelEndpoint: `ResourceEndpointList[].Protocol/ResourceEndpoint`).
public struct KVSChannelEndpoints: Equatable, Sendable {
    /// `wss://…` for ConnectAsMaster.
    public var webSocket: String
    /// `https://…` for GetIceServerConfig.
    public var https: String

    public init(webSocket: String, https: String) {
        self.webSocket = webSocket
        self.https = https
    }

    private struct Raw: Decodable {
        struct Endpoint: Decodable {
            var `Protocol`: String?
            var ResourceEndpoint: String?
        }
        var ResourceEndpointList: [Endpoint]?
    }

    /// Parses the JSON body of a GetSignalingChannelEndpoint response; both WSS and HTTPS are required.
    public static func decode(_ body: [UInt8]) throws(SignalingCodecError) -> Self {
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "GetSignalingChannelEndpoint")
        guard let list = raw.ResourceEndpointList else { throw .missingField("ResourceEndpointList") }
        var wss: String?
        var https: String?
        for entry in list {
            switch entry.Protocol {
            case "WSS": wss = entry.ResourceEndpoint
            case "HTTPS": https = entry.ResourceEndpoint
            default: continue
            }
        }
        guard let wss else { throw .missingField("ResourceEndpointList.WSS") }
        guard let https else { throw .missingField("ResourceEndpointList.HTTPS") }
        return Self(webSocket: wss, https: https)
    }
}

/// A control- or data-plane REST request the signaling state machine asks its driver to make
/// (KVS API reference: DescribeSignalingChannel, CreateSignalingChannel,
/// GetSignalingChannelEndpoint; KVS Signaling API: GetIceServerConfig), plus the credential
/// fetch that precedes them.
public enum KVSRequest: Equatable, Sendable {
    /// Obtain (or refresh) AWS credentials from whatever provider the daemon is configured with.
    case credentials
    case describeChannel(name: String)
    case createChannel(name: String, messageTtlSeconds: Int)
    case getSignalingChannelEndpoint(channelARN: String)
    case getIceServerConfig(channelARN: String, httpsEndpoint: String, clientId: String)

    /// The REST path, or nil for the credential fetch.
    public var path: String? {
        switch self {
        case .credentials: nil
        case .describeChannel: "/describeSignalingChannel"
        case .createChannel: "/createSignalingChannel"
        case .getSignalingChannelEndpoint: "/getSignalingChannelEndpoint"
        case .getIceServerConfig: "/v1/get-ice-server-config"
        }
    }

    /// The JSON request body, or nil for the credential fetch.
    public var body: String? {
        let q = SignalingJSON.quoted
        switch self {
        case .credentials:
            return nil
        case .describeChannel(let name):
            return SignalingJSON.object([("ChannelName", q(name))])
        case .createChannel(let name, let ttl):
            return SignalingJSON.object([
                ("ChannelName", q(name)), ("ChannelType", q("SINGLE_MASTER")),
                ("SingleMasterConfiguration", SignalingJSON.object([("MessageTtlSeconds", String(ttl))])),
            ])
        case .getSignalingChannelEndpoint(let arn):
            let config = SignalingJSON.object([("Protocols", "[\"WSS\",\"HTTPS\"]"), ("Role", q("MASTER"))])
            return SignalingJSON.object([("ChannelARN", q(arn)), ("SingleMasterChannelEndpointConfiguration", config)])
        case .getIceServerConfig(let arn, _, let clientId):
            return SignalingJSON.object([("ChannelARN", q(arn)), ("ClientId", q(clientId)), ("Service", q("TURN"))])
        }
    }
}

/// The successful outcome of a `KVSRequest`, handed back by the driver.
public enum KVSResponse: Equatable, Sendable {
    /// Credentials are ready; the driver keeps them, the state machine only needs their expiry.
    case credentials(expiresAt: Instant?)
    case channelDescribed(KVSChannelInfo)
    case channelCreated(channelARN: String)
    case endpoints(KVSChannelEndpoints)
    case iceServerConfig(KVSIceServerConfig)
}
