import STUN

/// Splits the byte stream of a TCP or TLS connection to a TURN server into whole STUN and
/// ChannelData messages (RFC 8656 §12.5; RFC 8489 §6.2.2).
///
/// On a stream the length field is the only framing: a STUN message is its 20-byte header plus
/// its length, a ChannelData message is 4 bytes plus its length padded to a multiple of 4.
/// Chunks may split or join messages anywhere. A first byte that starts neither message means
/// the framing is lost; nothing after it can be trusted, so the framer stops for good.
public struct TURNStreamFramer: Sendable {
    /// Why the framer stopped.
    public enum FramingError: Error, Hashable, Sendable {
        /// The byte at the front of the stream cannot start a STUN or ChannelData message.
        case invalidFirstByte(UInt8)
    }

    private var buffer: [UInt8] = []
    /// Start of the unread bytes in `buffer`; consumed bytes are dropped in bulk, not one
    /// message at a time, so a burst of small messages costs no repeated copying.
    private var readIndex = 0
    public private(set) var failure: FramingError?

    public init() {}

    /// Bytes received but not yet returned as a message.
    public var bufferedCount: Int { buffer.count - readIndex }

    /// Appends bytes as they came off the connection.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message (with its stream padding for ChannelData), or nil when more
    /// bytes are needed. Throws once the stream is unusable, and on every call after.
    public mutating func nextMessage() throws(FramingError) -> [UInt8]? {
        if let failure { throw failure }
        let unread = buffer[readIndex...]
        guard unread.count >= 4 else { return nil }
        guard let length = STUN.streamFrameLength(unread) else {
            let error = FramingError.invalidFirstByte(unread[readIndex])
            failure = error
            buffer = []
            readIndex = 0
            throw error
        }
        guard unread.count >= length else { return nil }
        let message = Array(buffer[readIndex..<(readIndex + length)])
        readIndex += length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return message
    }
}
