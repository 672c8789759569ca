import WireKit

/// `a=candidate` (RFC 8839 §5.1, with the `tcptype` of RFC 6544 §4.5): one ICE candidate, e.g.
/// `3407483685 1 udp 2122260223 10.79.0.1 56104 typ host generation 0 network-id 1`.
///
/// Parses with or without the `candidate:` / `a=candidate:` prefix (trickled candidates arrive in
/// signaling messages as `candidate:…`); `attributeValue` writes the fields back in grammar order.
public struct CandidateAttribute: SDPAttributeValue, CustomStringConvertible {
    public static let attributeName = "candidate"

    /// 1*32 ice-char; candidates with equal foundations are frozen together (RFC 8445 §5.1.1.3).
    public var foundation: String
    /// 1 for RTP (and for everything under rtcp-mux), 2 for RTCP.
    public var componentID: UInt16
    public var transport: CandidateTransport
    public var priority: UInt32
    /// The address as written: IPv4, IPv6, or a host name such as an mDNS `….local` name.
    public var connectionAddress: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var tcpType: TCPType?
    /// Extension attributes (`generation`, `ufrag`, `network-id`, `network-cost`, …) in order.
    public var extensions: [Extension]

    /// One `extension-att-name extension-att-value` pair (RFC 8839 §5.1).
    public struct Extension: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        foundation: String, componentID: UInt16 = 1, transport: CandidateTransport = .udp, priority: UInt32,
        connectionAddress: String, port: UInt16, type: CandidateType, relatedAddress: String? = nil,
        relatedPort: UInt16? = nil, tcpType: TCPType? = nil, extensions: [Extension] = []
    ) {
        self.foundation = foundation
        self.componentID = componentID
        self.transport = transport
        self.priority = priority
        self.connectionAddress = connectionAddress
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.tcpType = tcpType
        self.extensions = extensions
    }

    /// The connection address as an IP address; nil for a host name.
    public var ipAddress: IPAddress? { IPAddress(connectionAddress) }

    /// The connection address and port, when the address is an IP address.
    public var socketAddress: SocketAddress? { ipAddress.map { SocketAddress(ip: $0, port: port) } }

    /// Whether the address is an mDNS name (RFC 8839 §5.1 allows FQDNs; browsers hide host
    /// addresses behind `<uuid>.local`).
    public var isMDNSName: Bool { ipAddress == nil && SDPText.lowercasedASCII(connectionAddress).hasSuffix(".local") }

    /// The value of the first extension with this name.
    public func extensionValue(_ name: String) -> String? {
        extensions.first { $0.name == name }?.value
    }

    public var generation: UInt32? { extensionValue("generation").flatMap { UInt32($0) } }
    public var ufrag: String? { extensionValue("ufrag") }
    public var networkID: UInt32? { extensionValue("network-id").flatMap { UInt32($0) } }
    public var networkCost: UInt32? { extensionValue("network-cost").flatMap { UInt32($0) } }

    /// Parses a candidate with or without the `a=candidate:` or `candidate:` prefix.
    public init(parsing text: some StringProtocol) throws(SDPError) {
        var value = SDPText.trimmed(Substring(text))
        if value.hasPrefix("a=") { value = value.dropFirst(2) }
        if value.hasPrefix("candidate:") { value = value.dropFirst("candidate:".count) }
        try self.init(attributeValue: value)
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let f = SDPText.looseFields(attributeValue)
        guard f.count >= 8 else { throw .attribute(name, "fields", .tooFewFields(expected: 8, found: f.count)) }
        guard f[0].utf8.allSatisfy(Self.isICEChar) else { throw .attribute(name, "foundation", .invalid) }
        foundation = String(f[0])
        componentID = try SDPText.attributeNumber(f[1], as: UInt16.self, attribute: name, field: "component-id",
                                                  range: 1...256)
        guard f[2].utf8.allSatisfy(Self.isTokenChar) else { throw .attribute(name, "transport", .invalid) }
        transport = CandidateTransport(String(f[2]))
        priority = try SDPText.attributeNumber(f[3], as: UInt32.self, attribute: name, field: "priority")
        connectionAddress = String(f[4])
        port = try SDPText.attributeNumber(f[5], as: UInt16.self, attribute: name, field: "port")
        guard f[6] == "typ" else { throw .attribute(name, "typ", .missing) }
        type = CandidateType(String(f[7]))
        relatedAddress = nil
        relatedPort = nil
        tcpType = nil
        extensions = []
        try parseTail(f[8...])
    }

    /// `[raddr a] [rport p] [tcptype t] *(name value)`.
    private mutating func parseTail(_ tail: ArraySlice<Substring>) throws(SDPError) {
        let name = Self.attributeName
        var rest = tail
        if rest.first == "raddr" {
            guard rest.count >= 2 else { throw .attribute(name, "raddr", .missing) }
            relatedAddress = String(rest[rest.startIndex + 1])
            rest = rest.dropFirst(2)
        }
        if rest.first == "rport" {
            guard rest.count >= 2 else { throw .attribute(name, "rport", .missing) }
            relatedPort = try SDPText.attributeNumber(rest[rest.startIndex + 1], as: UInt16.self, attribute: name,
                                                      field: "rport")
            rest = rest.dropFirst(2)
        }
        if rest.first == "tcptype" {
            guard rest.count >= 2 else { throw .attribute(name, "tcptype", .missing) }
            guard let t = TCPType(rawValue: String(rest[rest.startIndex + 1])) else {
                throw .attribute(name, "tcptype", .invalid)
            }
            tcpType = t
            rest = rest.dropFirst(2)
        }
        guard rest.count % 2 == 0 else { throw .attribute(name, "extension value", .missing) }
        var index = rest.startIndex
        while index < rest.endIndex {
            extensions.append(Extension(name: String(rest[index]), value: String(rest[index + 1])))
            index += 2
        }
    }

    private static func isICEChar(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
    }

    private static func isTokenChar(_ c: UInt8) -> Bool { c > 0x20 && c < 0x7F }

    public var attributeValue: String {
        var text = "\(foundation) \(componentID) \(transport) \(priority) \(connectionAddress) \(port) typ \(type)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        if let tcpType { text += " tcptype \(tcpType.rawValue)" }
        for e in extensions { text += " \(e.name) \(e.value)" }
        return text
    }

    /// `candidate:…`, the form trickle ICE sends (RFC 8840 §4).
    public var description: String { "candidate:\(attributeValue)" }
}

/// The transport of a candidate (RFC 8839 §5.1): `udp` or `tcp`, matched ignoring ASCII case but
/// written back as received.
public struct CandidateTransport: Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public init(_ text: String) { self.text = text }

    public static let udp = CandidateTransport("udp")
    public static let tcp = CandidateTransport("tcp")

    public var isUDP: Bool { SDPText.equalsIgnoringCase(text, "udp") }
    public var isTCP: Bool { SDPText.equalsIgnoringCase(text, "tcp") }

    public static func == (a: Self, b: Self) -> Bool { SDPText.equalsIgnoringCase(a.text, b.text) }
    public func hash(into hasher: inout Hasher) { hasher.combine(SDPText.lowercasedASCII(text)) }
    public var description: String { text }
}

/// The candidate type (RFC 8445 §5.1.1, RFC 8839 §5.1).
public enum CandidateType: Hashable, Sendable, CustomStringConvertible {
    case host, serverReflexive, peerReflexive, relayed
    case other(String)

    public init(_ text: String) {
        switch text {
        case "host": self = .host
        case "srflx": self = .serverReflexive
        case "prflx": self = .peerReflexive
        case "relay": self = .relayed
        default: self = .other(text)
        }
    }

    public var description: String {
        switch self {
        case .host: "host"
        case .serverReflexive: "srflx"
        case .peerReflexive: "prflx"
        case .relayed: "relay"
        case .other(let text): text
        }
    }
}

/// The role of a TCP candidate (RFC 6544 §4.5).
public enum TCPType: String, Hashable, Sendable {
    case active, passive, so
}
