/// A session description (RFC 8866 §5): the session-level lines and the media descriptions, as
/// exchanged in JSEP offers and answers (RFC 8829).
///
/// Everything in the text is kept: unknown attributes and unknown line types stay in order in
/// `attributeLines`, so `SessionDescription(parsing: text).serialized()` gives the text back
/// (with CRLF line endings) for descriptions written in the RFC 8866 line order.
public struct SessionDescription: AttributeCarrier, Hashable, Sendable {
    /// `v=`; always 0.
    public var version: Int
    public var origin: Origin
    /// `s=`; JSEP writes `-`.
    public var sessionName: String
    /// `i=`.
    public var information: String?
    /// `u=`.
    public var uri: String?
    /// `e=` lines.
    public var emails: [String]
    /// `p=` lines.
    public var phones: [String]
    /// Session-level `c=`.
    public var connection: Connection?
    /// Session-level `b=` lines.
    public var bandwidths: [Bandwidth]
    /// `t=` lines, each with its `r=` lines.
    public var timings: [Timing]
    /// `z=` (kept as text).
    public var timeZones: String?
    /// `k=` (obsolete, kept as text).
    public var encryptionKey: String?
    /// Session-level attribute area.
    public var attributeLines: [AttributeLine]
    /// The media descriptions, in order (their index is the JSEP m-line index).
    public var media: [MediaDescription]

    public init(
        origin: Origin, sessionName: String = "-", timings: [Timing] = [Timing()],
        attributes: [Attribute] = [], media: [MediaDescription] = []
    ) {
        self.version = 0
        self.origin = origin
        self.sessionName = sessionName
        self.information = nil
        self.uri = nil
        self.emails = []
        self.phones = []
        self.connection = nil
        self.bandwidths = []
        self.timings = timings
        self.timeZones = nil
        self.encryptionKey = nil
        self.attributeLines = attributes.map(AttributeLine.attribute)
        self.media = media
    }
}

extension SessionDescription: CustomStringConvertible {
    /// The serialized text (CRLF line endings).
    public var description: String { serialized() }
}
