/// `a=fmtp` (RFC 8866 §6.15): format-specific parameters for one format, e.g.
/// `102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f`.
///
/// The parameter text is kept as written; `parameters` splits it into ordered `name=value` pairs
/// (RFC 4855 style, `;`-separated). Codec views: `H264Parameters`, `H265Parameters`,
/// `OpusParameters`, `RTXParameters`.
public struct FormatParameters: SDPAttributeValue {
    public static let attributeName = "fmtp"

    /// The format (an RTP payload type number for RTP media).
    public var format: String
    /// Everything after the format, as written.
    public private(set) var parameterText: String
    /// The parameters in order, with names and values trimmed of surrounding spaces; parsed once
    /// from `parameterText`.
    public private(set) var parameters: [Parameter]

    /// One `name=value` entry (RFC 8866 §6.15 `format-specific-params`); entries without `=` (such as RFC 2198's `111/111`) have no value.
    public struct Parameter: Hashable, Sendable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    public init(format: String, parameterText: String) {
        self.format = format
        self.parameterText = parameterText
        self.parameters = Self.parse(parameterText)
    }

    /// Builds the text as `name=value;name=value` in the given order.
    public init(payloadType: UInt8, parameters: [Parameter]) {
        let text = parameters.map { p in p.value.map { "\(p.name)=\($0)" } ?? p.name }.joined(separator: ";")
        self.init(format: String(payloadType), parameterText: text)
    }

    /// Builds the text from ordered name/value pairs.
    public init(payloadType: UInt8, _ pairs: KeyValuePairs<String, String>) {
        self.init(payloadType: payloadType, parameters: pairs.map { Parameter(name: $0.key, value: $0.value) })
    }

    /// The format as a payload type number, when it is one.
    public var payloadType: UInt8? {
        guard let v = try? SDPText.decimal(format[...], as: UInt8.self).get(), v <= 127 else { return nil }
        return v
    }

    /// Replaces the parameter text, keeping `parameters` in step.
    public mutating func setParameterText(_ text: String) {
        parameterText = text
        parameters = Self.parse(text)
    }

    private static func parse(_ parameterText: String) -> [Parameter] {
        SDPText.split(parameterText[...], on: UInt8(ascii: ";"), keepEmpty: false).compactMap { item in
            let entry = SDPText.trimmed(item)
            guard !entry.isEmpty else { return nil }
            guard let eq = SDPText.firstIndex(of: UInt8(ascii: "="), in: entry) else {
                return Parameter(name: String(entry), value: nil)
            }
            return Parameter(
                name: String(SDPText.trimmed(entry[..<eq])),
                value: String(SDPText.trimmed(entry[entry.index(after: eq)...])))
        }
    }

    /// The value of the first parameter with this name, ignoring ASCII case (RFC 6184 §8.1 and
    /// RFC 7798 §7.1 parameter names are case-insensitive).
    public subscript(name: String) -> String? {
        for p in parameters where SDPText.equalsIgnoringCase(p.name, name) { return p.value }
        return nil
    }

    public init(attributeValue: Substring) throws(SDPError) {
        let value = SDPText.trimmingLeadingSpaces(attributeValue)
        let (format, rest) = SDPText.splitFirstSpace(value)
        guard !format.isEmpty else { throw .attribute(Self.attributeName, "format", .missing) }
        self.init(format: String(format), parameterText: String(rest))
    }

    public var attributeValue: String { parameterText.isEmpty ? format : "\(format) \(parameterText)" }
}
