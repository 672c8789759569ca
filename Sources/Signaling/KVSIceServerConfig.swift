import WireKit

/// One TURN server entry of a GetIceServerConfig response (KVS Signaling API,
/// GetIceServerConfig: `IceServerList[].Uris/Username/Password/Ttl`).
///
/// The password is a TURN REST credential (draft-uberti-rtcweb-turn-rest): `description`
/// masks it so the configuration can be logged.
public struct KVSIceServer: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `turn:` / `turns:` / `stun:` URIs (RFC 7064, RFC 7065).
    public var uris: [String]
    public var username: String
    public var password: String
    /// How long `username`/`password` stay valid from the moment of the response.
    public var ttl: Duration

    public init(uris: [String], username: String, password: String, ttl: Duration) {
        self.uris = uris
        self.username = username
        self.password = password
        self.ttl = ttl
    }

    /// The KVS STUN server of `region`, which GetIceServerConfig does not list (KVS developer
    /// guide, "Evaluate ICE candidate generation").
    public static func stun(region: String) -> KVSIceServer {
        KVSIceServer(
            uris: ["stun:stun.kinesisvideo.\(region).amazonaws.com:443"], username: "", password: "",
            ttl: .seconds(Int64.max / 1_000_000_000))
    }

    public var description: String {
        let masked = password.isEmpty ? "\"\"" : "<redacted>"
        return "KVSIceServer(uris: \(uris), username: \(username), password: \(masked), ttl: \(ttl.components.seconds)s)"
    }

    public var debugDescription: String { description }
}

/// The `IceServerList` of a GetIceServerConfig response (KVS Signaling API, GetIceServerConfig).
public struct KVSIceServerConfig: Equatable, Sendable, CustomStringConvertible {
    public var servers: [KVSIceServer]

    public init(servers: [KVSIceServer]) { self.servers = servers }

    /// The shortest credential lifetime in the list: the configuration must be refreshed
    /// before it runs out. Nil for an empty list.
    public var minimumTTL: Duration? { servers.map(\.ttl).min() }

    public var description: String { "KVSIceServerConfig(\(servers.map(\.description).joined(separator: ", ")))" }

    private struct Raw: Decodable {
        var IceServerList: [RawServer]?
    }

    private struct RawServer: Decodable {
        var Uris: [String]?
        var Username: String?
        var Password: String?
        var Ttl: Int64?
    }

    /// Parses the JSON body of a GetIceServerConfig response.
    public static func decode(_ body: [UInt8]) throws(SignalingCodecError) -> Self {
        guard body.count <= SignalingIncomingMessage.maximumMessageSize else {
            throw .oversized(size: body.count, limit: SignalingIncomingMessage.maximumMessageSize)
        }
        let raw = try SignalingJSON.decode(Raw.self, from: body, context: "GetIceServerConfig")
        guard let list = raw.IceServerList else { throw .missingField("IceServerList") }
        var servers: [KVSIceServer] = []
        for (index, entry) in list.enumerated() {
            guard let uris = entry.Uris else { throw .missingField("IceServerList.\(index).Uris") }
            guard let username = entry.Username else { throw .missingField("IceServerList.\(index).Username") }
            guard let password = entry.Password else { throw .missingField("IceServerList.\(index).Password") }
            guard let ttl = entry.Ttl else { throw .missingField("IceServerList.\(index).Ttl") }
            // A negative or absurd TTL would make the refresh timer meaningless.
            guard ttl >= 0, ttl <= 86_400 * 365 else { throw .wrongFieldType("IceServerList.\(index).Ttl") }
            servers.append(KVSIceServer(uris: uris, username: username, password: password, ttl: .seconds(ttl)))
        }
        return KVSIceServerConfig(servers: servers)
    }
}
