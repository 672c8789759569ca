/// A media description (RFC 8866 §5.14): the `m=` line and the `i=`, `c=`, `b=`, `k=` and `a=`
/// lines that follow it up to the next `m=`.
///
/// In JSEP (RFC 8829) each one is an RTP transceiver or the SCTP data channel association; the
/// typed accessors for its attributes are in `MediaDescription+Attributes.swift`.
public struct MediaDescription: AttributeCarrier, Hashable, Sendable {
    public var type: MediaType
    /// 0 rejects the section (RFC 8829 §5.3.1) or, with `a=bundle-only`, defers to the bundle.
    public var port: UInt16
    /// The `/<number of ports>` suffix, when present.
    public var portCount: UInt16?
    /// The transport protocol, e.g. `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    public var proto: String
    /// The `<fmt>` list: RTP payload type numbers, or `webrtc-datachannel` for SCTP.
    public var formats: [String]
    /// `i=`.
    public var information: String?
    /// `c=` lines (more than one only for layered multicast).
    public var connections: [Connection]
    /// `b=` lines.
    public var bandwidths: [Bandwidth]
    /// `k=` (obsolete, kept as text).
    public var encryptionKey: String?
    public var attributeLines: [AttributeLine]

    public init(
        type: MediaType, port: UInt16 = 9, portCount: UInt16? = nil, proto: String = "UDP/TLS/RTP/SAVPF",
        formats: [String], information: String? = nil, connections: [Connection] = [],
        bandwidths: [Bandwidth] = [], encryptionKey: String? = nil, attributes: [Attribute] = []
    ) {
        self.type = type
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributeLines = attributes.map(AttributeLine.attribute)
    }

    /// An RTP media section whose formats are the given payload types.
    public init(type: MediaType, port: UInt16 = 9, proto: String = "UDP/TLS/RTP/SAVPF", payloadTypes: [UInt8]) {
        self.init(type: type, port: port, proto: proto, formats: payloadTypes.map { String($0) })
    }

    /// The first `c=` line.
    public var connection: Connection? {
        get { connections.first }
        set { connections = newValue.map { [$0] } ?? [] }
    }

    /// The formats that are RTP payload type numbers (0–127), in order.
    public var payloadTypes: [UInt8] {
        formats.compactMap { f in
            guard let v = try? SDPText.decimal(f[...], as: UInt8.self).get(), v <= 127 else { return nil }
            return v
        }
    }

    /// Whether this section carries RTP (its proto names an RTP profile).
    public var isRTP: Bool { proto.split(separator: "/").contains("RTP") }

    /// Parses the text after `m=`: `<media> <port>[/<count>] <proto> <fmt> …`.
    public init(mediaLineValue value: Substring) throws(SDPError) {
        let f = SDPText.strictFields(value)
        guard f.count >= 3 else { throw .line("m", "fields", .tooFewFields(expected: 4, found: f.count)) }
        guard !f[0].isEmpty else { throw .line("m", "media", .empty) }
        var portText = f[1]
        var count: UInt16?
        if let slash = SDPText.firstIndex(of: UInt8(ascii: "/"), in: portText) {
            count = try SDPText.lineNumber(portText[portText.index(after: slash)...], as: UInt16.self, line: "m",
                                           field: "number of ports")
            portText = portText[..<slash]
        }
        let port = try SDPText.lineNumber(portText, as: UInt16.self, line: "m", field: "port")
        guard !f[2].isEmpty else { throw .line("m", "proto", .empty) }
        var formats: [String] = []
        for fmt in f.dropFirst(3) {
            guard !fmt.isEmpty else { throw .line("m", "fmt", .empty) }
            formats.append(String(fmt))
        }
        self.init(type: MediaType(rawValue: String(f[0])), port: port, portCount: count,
                  proto: String(f[2]), formats: formats)
    }

    /// The text after `m=`.
    public var mediaLineValue: String {
        var text = "\(type.rawValue) \(port)"
        if let portCount { text += "/\(portCount)" }
        text += " \(proto)"
        for f in formats { text += " \(f)" }
        return text
    }
}
