import WireKit

extension STUNAttribute {
    /// Writes the attribute header, its value and the padding to the next 4-byte boundary
    /// (RFC 8489 §14). `padding` is the byte used to pad: receivers ignore it, zero is usual.
    func encode(into w: inout ByteWriter, transactionID: TransactionID, padding: UInt8 = 0) throws(STUNError) {
        let start = w.count
        w.writeU16(type.rawValue)
        w.writeU16(0)
        try encodeValue(into: &w, transactionID: transactionID)
        let length = w.count - start - 4
        guard length <= Int(UInt16.max) else { throw .valueTooLong(type: type.rawValue, length: length) }
        w.setU16(UInt16(length), at: start + 2)
        while w.count % 4 != 0 { w.writeU8(padding) }
    }

    private func encodeValue(into w: inout ByteWriter, transactionID: TransactionID) throws(STUNError) {
        switch self {
        case .mappedAddress(let a), .alternateServer(let a): STUNAddressCodec.encode(a, xor: nil, into: &w)
        case .xorMappedAddress(let a), .xorPeerAddress(let a), .xorRelayedAddress(let a):
            STUNAddressCodec.encode(a, xor: transactionID, into: &w)
        case .username(let s), .realm(let s), .nonce(let s), .software(let s): w.writeUTF8(s)
        case .messageIntegrity(let mac):
            guard mac.count == 20 else { throw .valueOutOfRange(type: type.rawValue, value: mac.count) }
            w.writeBytes(mac)
        case .messageIntegritySHA256(let mac):
            guard (16...32).contains(mac.count), mac.count % 4 == 0 else {
                throw .valueOutOfRange(type: type.rawValue, value: mac.count)
            }
            w.writeBytes(mac)
        case .fingerprint(let v), .priority(let v), .lifetime(let v): w.writeU32(v)
        case .errorCode(let e):
            guard (0..<800).contains(e.code) else { throw .valueOutOfRange(type: type.rawValue, value: e.code) }
            w.writeU16(0)
            w.writeU8(UInt8(e.errorClass))
            w.writeU8(UInt8(e.number))
            w.writeUTF8(e.reason)
        case .unknownAttributes(let types):
            for t in types { w.writeU16(t.rawValue) }
        case .useCandidate, .dontFragment: break
        case .iceControlled(let v), .iceControlling(let v), .reservationToken(let v): w.writeU64(v)
        case .requestedTransport(let p):
            w.writeU8(p)
            w.writeU24(0)
        case .data(let bytes): w.writeBytes(bytes)
        case .channelNumber(let n):
            w.writeU16(n)
            w.writeU16(0)
        case .evenPort(let reserve): w.writeU8(reserve ? 0x80 : 0)
        case .unknown(_, let value): w.writeBytes(value)
        }
    }
}
