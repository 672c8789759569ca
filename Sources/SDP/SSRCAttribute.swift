/// `a=ssrc` (RFC 5576 §4.1): a source-level attribute, e.g. `609589509 cname:bb63…` or
/// `1 msid:stream track`.
public struct SSRCAttribute: SDPAttributeValue {
    public static let attributeName = "ssrc"

    public var ssrc: UInt32
    /// The source attribute name (`cname`, `msid`, …).
    public var attribute: String
    /// Its value (everything after the first colon), nil for a property.
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String?) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let text = SDPText.trimmingLeadingSpaces(attributeValue)
        let (id, rest) = SDPText.splitFirstSpace(text)
        guard !id.isEmpty else { throw .attribute(name, "ssrc-id", .missing) }
        let ssrc = try SDPText.attributeNumber(id, as: UInt32.self, attribute: name, field: "ssrc-id")
        guard !rest.isEmpty else { throw .attribute(name, "attribute", .missing) }
        if let colon = SDPText.firstIndex(of: UInt8(ascii: ":"), in: rest) {
            guard colon != rest.startIndex else { throw .attribute(name, "attribute", .empty) }
            self.init(ssrc: ssrc, attribute: String(rest[..<colon]), value: String(rest[rest.index(after: colon)...]))
        } else {
            self.init(ssrc: ssrc, attribute: String(rest), value: nil)
        }
    }

    public var attributeValue: String {
        if let value { return "\(ssrc) \(attribute):\(value)" }
        return "\(ssrc) \(attribute)"
    }
}

/// `a=ssrc-group` (RFC 5576 §4.2): sources related by `semantics`, e.g. `FID 609589509 1250952275`
/// (RFC 5576 §7: the second is the RTX stream of the first).
public struct SSRCGroup: SDPAttributeValue {
    public static let attributeName = "ssrc-group"

    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let fields = SDPText.looseFields(attributeValue)
        guard let semantics = fields.first else { throw .attribute(Self.attributeName, "semantics", .missing) }
        var ssrcs: [UInt32] = []
        for f in fields.dropFirst() {
            ssrcs.append(try SDPText.attributeNumber(f, as: UInt32.self, attribute: Self.attributeName, field: "ssrc-id"))
        }
        self.init(semantics: String(semantics), ssrcs: ssrcs)
    }

    public var attributeValue: String { ([semantics] + ssrcs.map { String($0) }).joined(separator: " ") }
}
