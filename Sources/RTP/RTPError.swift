import WireKit

/// Errors raised while parsing or building RTP packets (RFC 3550 §5.1, RFC 8285) and while
/// packetizing media payloads. Parsers throw these instead of trapping on malformed input.
public enum RTPError: Error, Equatable, Sendable {
    /// The packet ended `needed` bytes into a field while only `available` were left.
    case truncated(needed: Int, available: Int)
    /// The version field was not 2 (RFC 3550 §5.1).
    case unsupportedVersion(UInt8)
    /// The padding count in the last byte was zero or larger than the bytes after the header.
    case invalidPadding(count: UInt8, available: Int)
    /// A header extension element overran its block or used a reserved identifier/length
    /// (RFC 8285 §4.2, §4.3).
    case invalidExtensionElement(id: UInt8, length: Int)
    /// The header extension is not in the one-byte or two-byte form of RFC 8285.
    case notRFC8285Extension(profile: UInt16)
    /// A header may carry at most 15 contributing sources (the CC field is 4 bits).
    case tooManyCSRCs(Int)
    /// A header extension block is longer than its 16-bit word count can express.
    case extensionTooLong(Int)
    /// A media frame cannot be split and does not fit the payload budget (e.g. an Opus packet).
    case payloadTooLarge(size: Int, budget: Int)

    init(_ wire: WireError) {
        switch wire {
        case let .truncated(needed, available): self = .truncated(needed: needed, available: available)
        // ByteReader reports these only for negative counts or text, neither of which RTP reads.
        case let .invalidLength(n): self = .truncated(needed: n, available: 0)
        case .invalidUTF8: self = .truncated(needed: 0, available: 0)
        }
    }
}
