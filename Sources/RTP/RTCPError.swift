/// Why an RTCP datagram or packet could not be parsed, or a value could not be serialized
/// (RFC 3550 §6.4–6.6 and Appendix A.2 validity checks, RFC 4585 §6, RFC 5104 §4.3.1,
/// draft-alvestrand-rmcat-remb §2.2, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
///
/// A receiver drops a datagram that fails with one of these and counts it; it never traps.
public enum RTCPError: Error, Equatable, Sendable {
    /// Fewer than the 4 bytes of a common header were left where a packet had to start.
    case truncatedHeader(available: Int)
    /// The version field was not 2.
    case unsupportedVersion(UInt8)
    /// The length field asks for more bytes than the datagram has left.
    case lengthExceedsDatagram(declared: Int, available: Int)
    /// The P bit was set but the last octet (the padding count) is zero or larger than the
    /// packet's content.
    case invalidPadding(count: Int, packetLength: Int)
    /// A field runs past the end of its packet.
    case truncated(RTCPField, needed: Int, available: Int)
    /// Bytes are left over that the packet's layout has no place for.
    case unexpectedBytes(RTCPField, count: Int)
    /// A field holds a value the specification does not allow.
    case invalidValue(RTCPField)
    /// A value cannot be written: `value` exceeds what the wire format can carry (`limit`).
    case notEncodable(RTCPField, value: Int, limit: Int)
}

/// The RTCP field an ``RTCPError`` is about.
public enum RTCPField: String, Equatable, Sendable {
    /// The length of a whole packet (RFC 3550 §6.4.1 "length").
    case packetLength
    /// The packet header's 5-bit count field (RC, SC or FMT).
    case count
    /// SSRC and sender info of an SR, or the SSRC of an RR (RFC 3550 §6.4).
    case senderInfo
    /// One 24-byte report block (RFC 3550 §6.4.1).
    case reportBlock
    /// An SDES chunk: SSRC/CSRC and its item list (RFC 3550 §6.5).
    case sdesChunk
    /// One SDES item (RFC 3550 §6.5).
    case sdesItem
    /// The SSRC/CSRC list of a BYE (RFC 3550 §6.6).
    case byeSources
    /// The reason for leaving of a BYE (RFC 3550 §6.6).
    case byeReason
    /// SSRC and name of an APP packet (RFC 3550 §6.7).
    case appHeader
    /// The sender and media source SSRCs of a feedback message (RFC 4585 §6.1).
    case feedbackHeader
    /// Generic NACK FCI (RFC 4585 §6.2.1).
    case nackFCI
    /// PLI FCI, which must be empty (RFC 4585 §6.3.1).
    case pliFCI
    /// FIR FCI entries (RFC 5104 §4.3.1).
    case firFCI
    /// REMB FCI (draft-alvestrand-rmcat-remb §2.2).
    case rembFCI
    /// The fixed part of a transport-wide feedback message (draft-holmer §3.1).
    case twccHeader
    /// A packet status chunk (draft-holmer §3.1.2–3.1.4).
    case twccStatusChunk
    /// A receive delta (draft-holmer §3.1.5).
    case twccReceiveDelta
}
