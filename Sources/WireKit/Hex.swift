/// Hexadecimal text for bytes: fingerprints (`AB:CD:…`), logs of binary fields, test vectors.
public enum Hex {
    private static let digits: [Character] = Array("0123456789abcdef")

    /// Lowercase hex, optionally with a separator between bytes.
    public static func encode(_ bytes: some Sequence<UInt8>, separator: String = "", uppercase: Bool = false) -> String {
        var out = ""
        var first = true
        for b in bytes {
            if !first { out += separator }
            first = false
            let hi = digits[Int(b >> 4)]
            let lo = digits[Int(b & 0xF)]
            if uppercase {
                out += hi.uppercased() + lo.uppercased()
            } else {
                out.append(hi)
                out.append(lo)
            }
        }
        return out
    }

    /// The value of one hex digit in either case (`0`–`9`, `a`–`f`, `A`–`F`); nil for any
    /// other byte.
    @inlinable
    public static func digitValue(_ ascii: UInt8) -> UInt8? {
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): ascii - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): ascii - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): ascii - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Bytes from hex text; whitespace and `:` separators are ignored. Nil for any other
    /// character or an odd number of digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8? = nil
        for c in text.utf8 {
            let v: UInt8
            if let digit = digitValue(c) {
                v = digit
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") || c == UInt8(ascii: ":") {
                continue
            } else {
                return nil
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return high == nil ? out : nil
    }
}
