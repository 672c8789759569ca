import WireKit

/// The 96-bit STUN transaction id (RFC 8489 §5, §6.3): it pairs a response with its request
/// and is mixed into the XOR address attributes of IPv6 (§14.2).
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    /// The first four bytes, big-endian.
    public var high: UInt32
    /// The last eight bytes, big-endian.
    public var low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The id from exactly 12 bytes; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var h: UInt32 = 0
        var l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 4 { h = h << 8 | UInt32(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(high: h, low: l)
    }

    /// A fresh id. Pass a cryptographically secure generator (KVSCrypto's `SecureRandom`) in
    /// production: RFC 8489 §6.3 wants ids an off-path attacker cannot guess.
    public static func random(using rng: inout some RandomNumberGenerator) -> TransactionID {
        TransactionID(high: UInt32(truncatingIfNeeded: rng.next()), low: rng.next())
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 12)
        out.writeU32(high, at: 0)
        out.writeU32(UInt32(truncatingIfNeeded: low >> 32), at: 4)
        out.writeU32(UInt32(truncatingIfNeeded: low), at: 8)
        return out
    }

    public var description: String { Hex.encode(bytes) }
}
