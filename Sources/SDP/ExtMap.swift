/// `a=extmap` (RFC 8285 §8): an RTP header extension id bound to a URI, e.g.
/// `3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time` or `4/recvonly urn:… attrs`.
public struct ExtMap: SDPAttributeValue {
    public static let attributeName = "extmap"

    /// 1–14 for one-byte headers, up to 255 for two-byte ones; 4096–4351 only in offers.
    public var id: UInt16
    public var direction: MediaDirection?
    public var uri: String
    /// Extension attributes after the URI, as written.
    public var extensionAttributes: String?

    public init(id: UInt16, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let value = SDPText.trimmed(attributeValue)
        let (head, rest) = SDPText.splitFirstSpace(value)
        guard !head.isEmpty else { throw .attribute(name, "id", .missing) }
        let idAndDirection = SDPText.split(head, on: UInt8(ascii: "/"), keepEmpty: true)
        guard idAndDirection.count <= 2 else { throw .attribute(name, "direction", .invalid) }
        let id = try SDPText.attributeNumber(
            idAndDirection[0], as: UInt16.self, attribute: name, field: "id", range: 1...4351)
        var direction: MediaDirection?
        if idAndDirection.count == 2 {
            guard let d = MediaDirection(rawValue: String(idAndDirection[1])) else {
                throw .attribute(name, "direction", .invalid)
            }
            direction = d
        }
        let (uri, attributes) = SDPText.splitFirstSpace(rest)
        guard !uri.isEmpty else { throw .attribute(name, "URI", .missing) }
        self.init(id: id, direction: direction, uri: String(uri),
                  extensionAttributes: attributes.isEmpty ? nil : String(attributes))
    }

    public var attributeValue: String {
        var text = String(id)
        if let direction { text += "/\(direction.rawValue)" }
        text += " \(uri)"
        if let extensionAttributes { text += " \(extensionAttributes)" }
        return text
    }
}

/// `a=rtcp` (RFC 3605 §2.1): the RTCP port, and optionally address, when not port + 1.
/// JSEP writes `9 IN IP4 0.0.0.0` alongside `a=rtcp-mux`.
public struct RTCPAttribute: SDPAttributeValue {
    public static let attributeName = "rtcp"

    public var port: UInt16
    public var connection: Connection?

    public init(port: UInt16, connection: Connection? = nil) {
        self.port = port
        self.connection = connection
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let fields = SDPText.looseFields(attributeValue)
        guard let portField = fields.first else { throw .attribute(name, "port", .missing) }
        let port = try SDPText.attributeNumber(portField, as: UInt16.self, attribute: name, field: "port")
        switch fields.count {
        case 1: self.init(port: port)
        case 4:
            self.init(port: port, connection: Connection(
                networkType: String(fields[1]), addressType: String(fields[2]), address: String(fields[3])))
        default: throw .attribute(name, "connection address", .invalid)
        }
    }

    public var attributeValue: String {
        connection.map { "\(port) \($0.lineValue)" } ?? String(port)
    }
}
