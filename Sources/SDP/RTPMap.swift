/// `a=rtpmap` (RFC 8866 §6.6): the encoding, clock rate and channel count behind a dynamic RTP
/// payload type, e.g. `111 opus/48000/2`.
public struct RTPMap: SDPAttributeValue {
    public static let attributeName = "rtpmap"

    public var payloadType: UInt8
    /// As written (`H264`, `opus`, `OPUS`); compare with `hasEncodingName(_:)`.
    public var encodingName: String
    public var clockRate: UInt32
    /// The encoding parameters field: the channel count for audio.
    public var channels: UInt16?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: UInt16? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Whether the encoding name equals `name`, ignoring ASCII case (media subtype names are
    /// case-insensitive, RFC 4855 §3).
    public func hasEncodingName(_ name: String) -> Bool { SDPText.equalsIgnoringCase(encodingName, name) }

    public init(attributeValue: Substring) throws(SDPError) {
        let name = Self.attributeName
        let value = SDPText.trimmed(attributeValue)
        let (ptText, encoding) = SDPText.splitFirstSpace(value)
        guard !ptText.isEmpty else { throw .attribute(name, "payload type", .missing) }
        let pt = try SDPText.attributeNumber(ptText, as: UInt8.self, attribute: name, field: "payload type",
                                             range: 0...127)
        let parts = SDPText.split(encoding, on: UInt8(ascii: "/"), keepEmpty: true)
        guard parts.count <= 3 else { throw .attribute(name, "encoding parameters", .invalid) }
        guard let encodingName = parts.first, !encodingName.isEmpty else {
            throw .attribute(name, "encoding name", .missing)
        }
        guard parts.count >= 2 else { throw .attribute(name, "clock rate", .missing) }
        let rate = try SDPText.attributeNumber(parts[1], as: UInt32.self, attribute: name, field: "clock rate")
        var channels: UInt16?
        if parts.count == 3 {
            channels = try SDPText.attributeNumber(
                parts[2], as: UInt16.self, attribute: name, field: "encoding parameters")
        }
        self.init(payloadType: pt, encodingName: String(encodingName), clockRate: rate, channels: channels)
    }

    public var attributeValue: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        return text
    }
}
