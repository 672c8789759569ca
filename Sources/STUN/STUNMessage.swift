import WireKit

/// A STUN message (RFC 8489 §5): type (method and class), 96-bit transaction id and the
/// attributes in wire order. TURN (RFC 8656) uses the same message with its own methods.
///
/// Decoding keeps MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT as received but
/// drops what RFC 8489 §14.5–§14.7 tells receivers to ignore: attributes after MESSAGE-INTEGRITY
/// other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and anything after FINGERPRINT. Checking
/// the integrity needs the received bytes: see ``verifyIntegrity(of:key:)``.
public struct STUNMessage: Hashable, Sendable {
    public var method: STUNMethod
    public var messageClass: STUNClass
    public var transactionID: TransactionID
    public var attributes: [STUNAttribute]

    public init(
        method: STUNMethod, messageClass: STUNClass, transactionID: TransactionID, attributes: [STUNAttribute] = []
    ) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
    }

    public var messageType: STUNMessageType { STUNMessageType(method: method, messageClass: messageClass) }

    /// Decodes one whole datagram: the length field must account for every byte after the header.
    public init(decoding bytes: [UInt8]) throws(STUNError) {
        try self.init(decoding: bytes[...])
    }

    public init(decoding bytes: ArraySlice<UInt8>) throws(STUNError) {
        try STUNMessage.validateHeader(bytes)
        let start = bytes.startIndex
        let type = STUNMessageType(rawValue: bytes.readU16(at: start))
        guard let id = TransactionID(bytes: bytes[(start + 8)..<(start + 20)]) else {
            throw .truncatedHeader(available: bytes.count)
        }
        var attributes: [STUNAttribute] = []
        var afterIntegrity = false
        var afterFingerprint = false
        var failure: STUNError?
        try STUNMessage.forEachRawAttribute(in: bytes) { type, _, value in
            let type = STUNAttributeType(type)
            // §14.5–§14.7: what follows the integrity or fingerprint attributes is unprotected.
            if afterFingerprint { return true }
            if afterIntegrity, type != .messageIntegritySHA256, type != .fingerprint { return true }
            do throws(STUNError) {
                attributes.append(try STUNAttribute.decode(type: type, value: value, transactionID: id))
            } catch {
                failure = error
                return false
            }
            if type == .messageIntegrity || type == .messageIntegritySHA256 { afterIntegrity = true }
            if type == .fingerprint { afterFingerprint = true }
            return true
        }
        if let failure { throw failure }
        self.init(method: type.method, messageClass: type.messageClass, transactionID: id, attributes: attributes)
    }

    // MARK: - Framing shared by decoding and verification

    /// Checks the fixed header fields against the datagram (RFC 8489 §6.3).
    static func validateHeader(_ bytes: ArraySlice<UInt8>) throws(STUNError) {
        guard bytes.count >= STUN.headerLength else { throw .truncatedHeader(available: bytes.count) }
        let start = bytes.startIndex
        guard bytes[start] & 0xC0 == 0 else { throw .leadingBitsNotZero(bytes[start]) }
        let cookie = bytes.readU32(at: start + 4)
        guard cookie == STUN.magicCookie else { throw .badMagicCookie(cookie) }
        let length = Int(bytes.readU16(at: start + 2))
        guard length % 4 == 0 else { throw .lengthNotMultipleOf4(length) }
        let available = bytes.count - STUN.headerLength
        guard length == available else { throw .lengthMismatch(declared: length, available: available) }
    }

    /// Walks the TLVs of a message whose header is valid, calling `body` with the type, the
    /// offset of the attribute header from the start of the message and the unpadded value.
    /// `body` returns false to stop early. Throws when an attribute overruns the message.
    static func forEachRawAttribute(
        in bytes: ArraySlice<UInt8>, _ body: (UInt16, Int, ArraySlice<UInt8>) -> Bool
    ) throws(STUNError) {
        var index = bytes.startIndex + STUN.headerLength
        let end = bytes.endIndex
        while index < end {
            // The message length is a multiple of 4, so a whole attribute header is present.
            guard end - index >= 4 else { throw .attributeOverrun(type: 0, length: 0, available: end - index) }
            let type = bytes.readU16(at: index)
            let length = Int(bytes.readU16(at: index + 2))
            let padded = (length + 3) & ~3
            let available = end - index - 4
            guard padded <= available else {
                throw .attributeOverrun(type: type, length: length, available: available)
            }
            let value = bytes[(index + 4)..<(index + 4 + length)]
            guard body(type, index - bytes.startIndex, value) else { return }
            index += 4 + padded
        }
    }
}
