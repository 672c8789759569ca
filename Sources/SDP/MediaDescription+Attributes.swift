/// Typed views of the media-level attributes used by JSEP (RFC 8829 §5.2.1): RTP payload mapping
/// (RFC 8866 §6.6, §6.15), feedback (RFC 4585), sources (RFC 5576), ICE candidates (RFC 8839),
/// RTCP multiplexing (RFC 8035, RFC 8858), BUNDLE (RFC 9143) and SCTP (RFC 8841).
extension MediaDescription {
    /// `a=mid` (RFC 5888 §4).
    public var mid: String? {
        get { attributeValue(named: AttributeName.mid) }
        set { setSingle(AttributeName.mid, newValue) }
    }

    /// `a=rtpmap` lines that parse, in order.
    public var rtpMaps: [RTPMap] { values(RTPMap.self) }

    public func rtpMap(for payloadType: UInt8) -> RTPMap? {
        rtpMaps.first { $0.payloadType == payloadType }
    }

    /// `a=fmtp` lines that parse, in order.
    public var formatParameters: [FormatParameters] { values(FormatParameters.self) }

    public func formatParameters(for payloadType: UInt8) -> FormatParameters? {
        formatParameters.first { $0.payloadType == payloadType }
    }

    /// `a=rtcp-fb` lines that parse, in order, `*` lines included.
    public var rtcpFeedback: [RTCPFeedback] { values(RTCPFeedback.self) }

    /// The feedback that applies to `payloadType`: its own lines and the `*` lines.
    public func rtcpFeedback(for payloadType: UInt8) -> [RTCPFeedback] {
        rtcpFeedback.filter { $0.applies(to: payloadType) }
    }

    /// `a=ssrc` lines that parse, in order.
    public var ssrcAttributes: [SSRCAttribute] { values(SSRCAttribute.self) }

    /// The distinct SSRCs named by `a=ssrc` lines, in order of first appearance.
    public var ssrcs: [UInt32] {
        var seen: Set<UInt32> = []
        return ssrcAttributes.compactMap { seen.insert($0.ssrc).inserted ? $0.ssrc : nil }
    }

    /// `a=ssrc-group` lines that parse, in order.
    public var ssrcGroups: [SSRCGroup] { values(SSRCGroup.self) }

    /// `a=msid` lines that parse (a section may carry one per stream).
    public var msids: [MSID] { values(MSID.self) }

    /// `a=candidate` lines that parse, in order.
    public var candidates: [CandidateAttribute] { values(CandidateAttribute.self) }

    /// `a=end-of-candidates` (RFC 8840 §8.2).
    public var endOfCandidates: Bool {
        get { flag(AttributeName.endOfCandidates) }
        set { setFlag(AttributeName.endOfCandidates, newValue) }
    }

    /// `a=rtcp-mux` (RFC 5761 §5.1.1).
    public var rtcpMux: Bool {
        get { flag(AttributeName.rtcpMux) }
        set { setFlag(AttributeName.rtcpMux, newValue) }
    }

    /// `a=rtcp-mux-only` (RFC 8858).
    public var rtcpMuxOnly: Bool {
        get { flag(AttributeName.rtcpMuxOnly) }
        set { setFlag(AttributeName.rtcpMuxOnly, newValue) }
    }

    /// `a=rtcp-rsize` (RFC 5506 §5).
    public var rtcpReducedSize: Bool {
        get { flag(AttributeName.rtcpRsize) }
        set { setFlag(AttributeName.rtcpRsize, newValue) }
    }

    /// `a=bundle-only` (RFC 9143 §6).
    public var bundleOnly: Bool {
        get { flag(AttributeName.bundleOnly) }
        set { setFlag(AttributeName.bundleOnly, newValue) }
    }

    /// `a=rtcp` (RFC 3605).
    public var rtcp: RTCPAttribute? {
        get { attribute(named: RTCPAttribute.attributeName)?.typed(as: RTCPAttribute.self) }
        set { setSingle(RTCPAttribute.attributeName, newValue?.attributeValue) }
    }

    /// `a=sctp-port` (RFC 8841 §5).
    public var sctpPort: UInt16? {
        get { number(AttributeName.sctpPort, as: UInt16.self) }
        set { setSingle(AttributeName.sctpPort, newValue.map { String($0) }) }
    }

    /// `a=max-message-size` (RFC 8841 §6).
    public var maxMessageSize: UInt64? {
        get { number(AttributeName.maxMessageSize, as: UInt64.self) }
        set { setSingle(AttributeName.maxMessageSize, newValue.map { String($0) }) }
    }

    /// The legacy `a=sctpmap` value (draft-ietf-mmusic-sctp-sdp-05), kept as text.
    public var sctpmap: String? { attributeValue(named: AttributeName.sctpmap) }

    private func number<T: FixedWidthInteger & UnsignedInteger>(_ name: String, as type: T.Type) -> T? {
        guard let text = attributeValue(named: name) else { return nil }
        return try? SDPText.decimal(SDPText.trimmed(text[...]), as: type).get()
    }

    // MARK: Builders

    /// Adds a payload type: its rtpmap, then its fmtp and feedback lines when given. Appends the
    /// payload type to `formats` if it is not there yet.
    public mutating func addCodec(
        _ rtpMap: RTPMap, parameters: FormatParameters? = nil, feedback: [RTCPFeedback] = []
    ) {
        let pt = String(rtpMap.payloadType)
        if !formats.contains(pt) { formats.append(pt) }
        append(rtpMap)
        for fb in feedback { append(fb) }
        if let parameters { append(parameters) }
    }

    /// Adds `a=candidate` lines at the end.
    public mutating func addCandidate(_ candidate: CandidateAttribute) { append(candidate) }
}
