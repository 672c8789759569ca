/// `a=rtcp-fb` (RFC 4585 §4.2): an RTCP feedback message the sender of the description accepts,
/// for one payload type or for all (`*`), e.g. `96 nack pli` or `* transport-cc`.
public struct RTCPFeedback: SDPAttributeValue {
    public static let attributeName = "rtcp-fb"

    /// The payload type, or nil for `*` (every payload type of the section).
    public var payloadType: UInt8?
    /// The feedback type: `ack`, `nack`, `ccm`, `trr-int`, `goog-remb`, `transport-cc`, ….
    public var type: String
    /// What follows the type (`pli`, `fir`, `sli`, …), as written.
    public var parameter: String?

    public init(payloadType: UInt8?, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    /// Whether this line applies to `payloadType`.
    public func applies(to payloadType: UInt8) -> Bool { self.payloadType.map { $0 == payloadType } ?? true }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let value = SDPText.trimmed(attributeValue)
        let (pt, rest) = SDPText.splitFirstSpace(value)
        guard !pt.isEmpty else { throw .attribute(name, "payload type", .missing) }
        var payloadType: UInt8?
        if pt != "*" {
            payloadType = try SDPText.attributeNumber(
                pt, as: UInt8.self, attribute: name, field: "payload type", range: 0...127)
        }
        let (type, parameter) = SDPText.splitFirstSpace(rest)
        guard !type.isEmpty else { throw .attribute(name, "rtcp-fb-val", .missing) }
        self.init(payloadType: payloadType, type: String(type), parameter: parameter.isEmpty ? nil : String(parameter))
    }

    public var attributeValue: String {
        var text = payloadType.map { String($0) } ?? "*"
        text += " \(type)"
        if let parameter { text += " \(parameter)" }
        return text
    }
}
