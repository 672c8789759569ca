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
    public var parameterText: String

    /// One `name=value` entry; entries without `=` (such as RFC 2198's `111/111`) have no value.
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

    /// The parameters in order, with names and values trimmed of surrounding spaces.
    public var parameters: [Parameter] {
        parameterText.split(separator: ";").compactMap { item in
            let entry = SDPText.trimmed(item)
            guard !entry.isEmpty else { return nil }
            guard let eq = entry.firstIndex(of: "=") else { return Parameter(name: String(entry), value: nil) }
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
        let format = value.prefix { $0 != " " }
        guard !format.isEmpty else { throw .attribute(Self.attributeName, "format", .missing) }
        let rest = SDPText.trimmingLeadingSpaces(value[format.endIndex...])
        self.init(format: String(format), parameterText: String(rest))
    }

    public var attributeValue: String { parameterText.isEmpty ? format : "\(format) \(parameterText)" }
}
