import WireKit

/// The address attribute value of RFC 8489 §14.1 (MAPPED-ADDRESS) and §14.2
/// (XOR-MAPPED-ADDRESS, also used by XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS in RFC 8656):
/// a reserved byte, the family (1 = IPv4, 2 = IPv6), the port and the address.
///
/// The XOR form hides the address from middleboxes that rewrite addresses they find in
/// payloads: the port is XORed with the top half of the magic cookie, an IPv4 address with
/// the cookie, an IPv6 address with the cookie followed by the transaction id.
enum STUNAddressCodec {
    static let familyIPv4: UInt8 = 0x01
    static let familyIPv6: UInt8 = 0x02

    static func decode(
        _ value: ArraySlice<UInt8>, type: STUNAttributeType, xor transactionID: TransactionID?
    ) throws(STUNError) -> SocketAddress {
        guard value.count >= 4 else { throw .malformedAttribute(type: type.rawValue) }
        let start = value.startIndex
        let family = value[start + 1]
        var port = value.readU16(at: start + 2)
        var address: IPAddress
        switch (family, value.count) {
        case (familyIPv4, 8):
            var v4 = value.readU32(at: start + 4)
            if transactionID != nil { v4 ^= STUN.magicCookie }
            address = .v4(IPv4Address(v4))
        case (familyIPv6, 20):
            var high = UInt64(value.readU32(at: start + 4)) << 32 | UInt64(value.readU32(at: start + 8))
            var low = UInt64(value.readU32(at: start + 12)) << 32 | UInt64(value.readU32(at: start + 16))
            if let id = transactionID {
                high ^= UInt64(STUN.magicCookie) << 32 | UInt64(id.high)
                low ^= id.low
            }
            address = .v6(IPv6Address(high: high, low: low))
        default:
            throw .malformedAttribute(type: type.rawValue)
        }
        if transactionID != nil { port ^= UInt16(truncatingIfNeeded: STUN.magicCookie >> 16) }
        return SocketAddress(ip: address, port: port)
    }

    static func encode(_ address: SocketAddress, xor transactionID: TransactionID?, into w: inout ByteWriter) {
        let xorPort = transactionID != nil ? UInt16(truncatingIfNeeded: STUN.magicCookie >> 16) : 0
        w.writeU8(0)
        switch address.ip {
        case .v4(let v4):
            w.writeU8(familyIPv4)
            w.writeU16(address.port ^ xorPort)
            w.writeU32(v4.value ^ (transactionID != nil ? STUN.magicCookie : 0))
        case .v6(let v6):
            w.writeU8(familyIPv6)
            w.writeU16(address.port ^ xorPort)
            if let id = transactionID {
                w.writeU64(v6.high ^ (UInt64(STUN.magicCookie) << 32 | UInt64(id.high)))
                w.writeU64(v6.low ^ id.low)
            } else {
                w.writeU64(v6.high)
                w.writeU64(v6.low)
            }
        }
    }
}
