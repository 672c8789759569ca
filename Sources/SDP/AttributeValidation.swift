/// Splits an `a=` line value into name and value (RFC 8866 §5.13) and checks the attributes this
/// module has typed views for, so malformed ones fail at parse time with their line number.
enum AttributeValidation {
    static func parse(_ text: Substring) throws(SDPError) -> Attribute {
        let attribute: Attribute
        if let colon = SDPText.firstIndex(of: UInt8(ascii: ":"), in: text) {
            attribute = Attribute(name: String(text[..<colon]), value: String(text[text.index(after: colon)...]))
        } else {
            attribute = Attribute(name: String(text), value: nil)
        }
        guard !attribute.name.isEmpty else { throw .attribute("", "name", .empty) }
        try validate(attribute)
        return attribute
    }

    static func validate(_ a: Attribute) throws(SDPError) {
        switch a.name {
        case RTPMap.attributeName: _ = try RTPMap(attributeValue: required(a))
        case FormatParameters.attributeName:
            // Only the format is required; parameters are checked by the codec views that read them.
            guard !SDPText.splitFirstSpace(SDPText.trimmingLeadingSpaces(try required(a))).head.isEmpty else {
                throw .attribute(a.name, "format", .missing)
            }
        case RTCPFeedback.attributeName: _ = try RTCPFeedback(attributeValue: required(a))
        case SSRCAttribute.attributeName: _ = try SSRCAttribute(attributeValue: required(a))
        case SSRCGroup.attributeName: _ = try SSRCGroup(attributeValue: required(a))
        case GroupAttribute.attributeName: _ = try GroupAttribute(attributeValue: required(a))
        case MSID.attributeName: _ = try MSID(attributeValue: required(a))
        case MSIDSemantic.attributeName: _ = try MSIDSemantic(attributeValue: required(a))
        case Fingerprint.attributeName: _ = try Fingerprint(attributeValue: required(a))
        case DTLSSetup.attributeName: _ = try DTLSSetup(attributeValue: required(a))
        case CandidateAttribute.attributeName: _ = try CandidateAttribute(attributeValue: required(a))
        case ExtMap.attributeName: _ = try ExtMap(attributeValue: required(a))
        case RTCPAttribute.attributeName: _ = try RTCPAttribute(attributeValue: required(a))
        case AttributeName.mid, AttributeName.iceUfrag, AttributeName.icePwd, AttributeName.iceOptions:
            guard !SDPText.trimmed(try required(a)).isEmpty else { throw .attribute(a.name, "value", .empty) }
        case AttributeName.sctpPort:
            _ = try SDPText.attributeNumber(SDPText.trimmed(try required(a)), as: UInt16.self, attribute: a.name,
                                            field: "port")
        case AttributeName.maxMessageSize:
            _ = try SDPText.attributeNumber(SDPText.trimmed(try required(a)), as: UInt64.self, attribute: a.name,
                                            field: "size")
        default: break
        }
    }

    private static func required(_ a: Attribute) throws(SDPError) -> Substring {
        guard let value = a.value else { throw .attribute(a.name, "value", .missing) }
        return value[...]
    }
}

/// Names of the attributes (RFC 8866 §6, RFC 8839 §5, RFC 8841, RFC 5761, RFC 8858, RFC 9143) that
/// have no typed value struct.
public enum AttributeName {
    public static let mid = "mid"
    public static let iceUfrag = "ice-ufrag"
    public static let icePwd = "ice-pwd"
    public static let iceOptions = "ice-options"
    public static let iceLite = "ice-lite"
    public static let endOfCandidates = "end-of-candidates"
    public static let rtcpMux = "rtcp-mux"
    public static let rtcpMuxOnly = "rtcp-mux-only"
    public static let rtcpRsize = "rtcp-rsize"
    public static let bundleOnly = "bundle-only"
    public static let extmapAllowMixed = "extmap-allow-mixed"
    public static let sctpPort = "sctp-port"
    public static let maxMessageSize = "max-message-size"
    public static let sctpmap = "sctpmap"
}
