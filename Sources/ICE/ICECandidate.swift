import WireKit

/// The kind of an ICE candidate (RFC 8445 §5.1.1): where its transport address comes from.
public enum ICECandidateKind: Hashable, Sendable, CaseIterable {
    case host
    case serverReflexive
    case peerReflexive
    case relayed

    /// The recommended type preferences of RFC 8445 §5.1.2.2.
    public var typePreference: UInt32 {
        switch self {
        case .host: 126
        case .peerReflexive: 110
        case .serverReflexive: 100
        case .relayed: 0
        }
    }

    /// The `typ` token of RFC 8839 §5.1.
    public var sdpName: String {
        switch self {
        case .host: "host"
        case .serverReflexive: "srflx"
        case .peerReflexive: "prflx"
        case .relayed: "relay"
        }
    }
}

/// Identifies one relay allocation (RFC 8656, a TURN client owned by the I/O layer) behind a
/// relayed candidate (RFC 8445 §5.1.1.2). The agent never
/// talks to the TURN server: it asks the I/O layer to send through the relay with this id, and
/// the I/O layer hands relayed datagrams back tagged with it.
public struct RelayID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { "relay#\(rawValue)" }
}

/// One ICE candidate (RFC 8445 §5.1): a transport address, its base, its priority and
/// foundation. Local relayed candidates also carry the relay they were allocated on.
public struct ICECandidate: Hashable, Sendable, CustomStringConvertible {
    public var kind: ICECandidateKind
    public var transport: TransportProtocol
    /// The transport address the peer sends to.
    public var address: SocketAddress
    /// The address a local agent sends from (§5.1.1.1): the host address for host, server- and
    /// peer-reflexive candidates, the relayed address itself for a relayed candidate. For
    /// remote candidates it equals ``address``.
    public var base: SocketAddress
    /// `raddr`/`rport` (RFC 8839 §5.1): the base of a reflexive candidate, the mapped address
    /// of a relayed one.
    public var relatedAddress: SocketAddress?
    public var priority: UInt32
    public var foundation: String
    public var componentID: UInt16
    /// For local relayed candidates: the allocation that owns ``address``.
    public var relay: RelayID?

    public init(
        kind: ICECandidateKind, transport: TransportProtocol = .udp, address: SocketAddress, base: SocketAddress? = nil,
        relatedAddress: SocketAddress? = nil, priority: UInt32, foundation: String, componentID: UInt16 = 1,
        relay: RelayID? = nil
    ) {
        self.kind = kind
        self.transport = transport
        self.address = address
        self.base = base ?? address
        self.relatedAddress = relatedAddress
        self.priority = priority
        self.foundation = foundation
        self.componentID = componentID
        self.relay = relay
    }

    public var description: String {
        "\(kind.sdpName) \(transport.rawValue) \(address) prio \(priority) foundation \(foundation)"
    }

    // MARK: - Priority (RFC 8445 §5.1.2.1)

    /// `2^24 * type preference + 2^8 * local preference + (256 - component id)`.
    public static func priority(kind: ICECandidateKind, localPreference: UInt16, componentID: UInt16 = 1) -> UInt32 {
        let component = UInt32(256 &- min(componentID, 256))
        return kind.typePreference << 24 | UInt32(localPreference) << 8 | component
    }

    /// Local preferences for the addresses of a multihomed host (RFC 8421 §4): the I/O layer
    /// lists its interfaces best first; IPv6 and IPv4 addresses are interleaved, IPv6 first, so
    /// that neither family's checks wait behind all of the other's. The best gets 65535, and
    /// each next one 128 less, leaving room for preferences in between.
    public static func localPreferences(for addresses: [IPAddress]) -> [IPAddress: UInt16] {
        let v6 = addresses.filter { !$0.isIPv4 }
        let v4 = addresses.filter { $0.isIPv4 }
        var ordered: [IPAddress] = []
        for i in 0..<max(v6.count, v4.count) {
            if i < v6.count { ordered.append(v6[i]) }
            if i < v4.count { ordered.append(v4[i]) }
        }
        var result: [IPAddress: UInt16] = [:]
        for (rank, ip) in ordered.enumerated() where result[ip] == nil {
            result[ip] = UInt16(max(0, 65535 - 128 * rank))
        }
        return result
    }

    // MARK: - Foundation (RFC 8445 §5.1.1.3)

    /// Equal for candidates of the same kind, base IP address, STUN/TURN server IP address and
    /// transport, different otherwise: the CRC-32 of those four, in decimal (1*32 ice-char).
    public static func foundation(
        kind: ICECandidateKind, baseIP: IPAddress, serverIP: IPAddress? = nil, transport: TransportProtocol = .udp
    ) -> String {
        let key = "\(kind.sdpName)|\(baseIP)|\(serverIP.map { "\($0)" } ?? "-")|\(transport.rawValue)"
        return String(CRC32.checksum(Array(key.utf8)))
    }

    /// Same address family and transport: the only pairs RFC 8445 §6.1.2.2 forms.
    func canPair(with other: ICECandidate) -> Bool {
        transport == other.transport && address.ip.isIPv4 == other.address.ip.isIPv4
            && componentID == other.componentID
    }
}
