/// `a=group` (RFC 5888 §5): media sections grouped under a semantics; `BUNDLE` (RFC 9143 §7.1)
/// lists the mids that share one transport, the first being the offerer's tagged section.
public struct GroupAttribute: SDPAttributeValue {
    public static let attributeName = "group"
    public static let bundle = "BUNDLE"

    public var semantics: String
    /// The identification tags (`a=mid` values), in order.
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public var isBundle: Bool { semantics == Self.bundle }

    public init(attributeValue: Substring) throws(SDPError) {
        let fields = SDPText.looseFields(attributeValue)
        guard let semantics = fields.first else { throw .attribute(Self.attributeName, "semantics", .missing) }
        self.init(semantics: String(semantics), mids: fields.dropFirst().map(String.init))
    }

    public var attributeValue: String { ([semantics] + mids).joined(separator: " ") }
}

/// `a=msid` (RFC 8830 §2): the MediaStream id and the track id (`msid-appdata`) of a section.
public struct MSID: SDPAttributeValue {
    public static let attributeName = "msid"

    /// `-` means "no stream" (RFC 8829 §5.2.1).
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let fields = SDPText.looseFields(attributeValue)
        guard let id = fields.first else { throw .attribute(Self.attributeName, "msid-id", .missing) }
        guard fields.count <= 2 else { throw .attribute(Self.attributeName, "msid-appdata", .tooManyFields) }
        self.init(streamID: String(id), trackID: fields.count == 2 ? String(fields[1]) : nil)
    }

    public var attributeValue: String { trackID.map { "\(streamID) \($0)" } ?? streamID }
}

/// `a=msid-semantic` (the WebRTC session-level form, `WMS` plus optional stream ids or `*`).
/// Browsers write it with a space after the colon (`a=msid-semantic: WMS`); both forms parse.
public struct MSIDSemantic: SDPAttributeValue {
    public static let attributeName = "msid-semantic"

    public var semantic: String
    public var identifiers: [String]

    public init(semantic: String = "WMS", identifiers: [String] = []) {
        self.semantic = semantic
        self.identifiers = identifiers
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let fields = SDPText.looseFields(attributeValue)
        guard let semantic = fields.first else { throw .attribute(Self.attributeName, "semantic", .missing) }
        self.init(semantic: String(semantic), identifiers: fields.dropFirst().map(String.init))
    }

    public var attributeValue: String { ([semantic] + identifiers).joined(separator: " ") }
}
