import WireKit

/// Constants and cheap classification helpers shared by STUN (RFC 8489 §5, §6) and TURN
/// (RFC 8656 §12) framing.
public enum STUN {
    /// The fixed value of header bytes 4–7 (RFC 8489 §5).
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Length of the STUN message header.
    public static let headerLength = 20
    /// XORed into the CRC-32 of FINGERPRINT so it differs from CRCs of other protocols (§14.7).
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// A quick check for demultiplexing (RFC 7983, RFC 8489 §6.3): first byte 0–3, the magic
    /// cookie in place, and a length field that is a multiple of 4 and matches the datagram.
    /// It does not look at the attributes; ``STUNMessage/init(decoding:)`` does.
    public static func looksLikeSTUN(_ bytes: some RandomAccessCollection<UInt8>) -> Bool {
        guard bytes.count >= headerLength else { return false }
        let start = bytes.startIndex
        func byte(_ k: Int) -> UInt32 { UInt32(bytes[bytes.index(start, offsetBy: k)]) }
        guard byte(0) <= 3, byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7) == magicCookie else { return false }
        let length = Int(byte(2) << 8 | byte(3))
        return length % 4 == 0 && length + headerLength == bytes.count
    }

    /// For stream transports (TCP/TLS, RFC 8656 §12.5): the length of the STUN message or
    /// ChannelData message (padded to 4) starting at the front of `bytes`, once its first four
    /// bytes are in; nil while fewer than four bytes are buffered or when the first byte starts
    /// neither (the stream is then unusable).
    public static func streamFrameLength(_ bytes: some RandomAccessCollection<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        let i0 = bytes.startIndex
        let first = bytes[i0]
        let length = Int(bytes[bytes.index(i0, offsetBy: 2)]) << 8 | Int(bytes[bytes.index(i0, offsetBy: 3)])
        switch first {
        // RFC 8489 §5: a STUN message starts with two zero bits (0–3 in practice, RFC 7983).
        case 0x00...0x3F: return headerLength + length
        case 0x40...0x4F: return 4 + (length + 3) & ~3
        default: return nil
        }
    }
}
