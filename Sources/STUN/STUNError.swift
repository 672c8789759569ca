/// Why a STUN message, a STUN attribute or a TURN ChannelData message could not be decoded or
/// encoded (RFC 8489 §5, §14, §15; RFC 8656 §12). A receiver drops the datagram and counts it;
/// none of these is ever fatal.
public enum STUNError: Error, Equatable, Sendable {
    /// Fewer than the 20 bytes of a STUN header.
    case truncatedHeader(available: Int)
    /// One of the two most significant bits of the message type is set (RFC 8489 §5).
    case leadingBitsNotZero(UInt8)
    /// The magic cookie field is not 0x2112A442.
    case badMagicCookie(UInt32)
    /// The message length field is not a multiple of 4.
    case lengthNotMultipleOf4(Int)
    /// The message length field disagrees with the number of bytes after the header.
    case lengthMismatch(declared: Int, available: Int)
    /// An attribute's (padded) value runs past the end of the message.
    case attributeOverrun(type: UInt16, length: Int, available: Int)
    /// A known attribute's value has the wrong length or an impossible field.
    case malformedAttribute(type: UInt16)
    /// A text attribute (USERNAME, REALM, NONCE, SOFTWARE, reason phrase) is not UTF-8.
    case invalidUTF8(type: UInt16)

    /// An attribute value to encode is longer than the 16-bit length field allows.
    case valueTooLong(type: UInt16, length: Int)
    /// A field to encode is outside its range (an ERROR-CODE of 800 or more, a channel number
    /// outside 0x4000–0x4FFF, a method above 0xFFF).
    case valueOutOfRange(type: UInt16, value: Int)
    /// The encoded attributes do not fit in the 16-bit message length field.
    case messageTooLong(Int)
    /// OpenSSL refused to compute a digest or HMAC.
    case cryptoFailed

    /// A TURN ChannelData message is shorter than its 4-byte header.
    case channelDataTruncatedHeader(available: Int)
    /// The ChannelData channel number is outside 0x4000–0x4FFF (RFC 8656 §12).
    case invalidChannelNumber(UInt16)
    /// The ChannelData length field does not match the bytes present (with at most 3 bytes
    /// of padding after the data).
    case channelDataLengthMismatch(declared: Int, available: Int)

    /// The message is not of the method and class the caller expected.
    case unexpectedMessageType(method: UInt16, messageClass: UInt8)
    /// An attribute the message must carry is absent.
    case missingAttribute(type: UInt16)
}
