/// The string transformations of the SigV4 canonical request (AWS SigV4, "Create a canonical
/// request"): RFC 3986 percent-encoding of everything but the unreserved characters, the
/// path normalization AWS applies for services other than S3, and header-value trimming.
public enum SigV4Encoding {
    /// Percent-encodes the UTF-8 bytes of `text`, keeping `A-Z a-z 0-9 - . _ ~` (RFC 3986 §2.3)
    /// and, when `keepSlash` is set, `/`. Hex digits are uppercase (RFC 3986 §2.1).
    public static func uriEncode(_ text: some StringProtocol, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical URI of a request path as it appears in the request line: dot segments
    /// resolved (RFC 3986 §5.2.4), empty segments dropped (AWS services other than S3 treat
    /// `//` as `/`), then every byte except unreserved characters and `/` percent-encoded.
    /// A `%` already in the path is encoded again, which is AWS's "encode twice" rule for
    /// non-S3 services.
    public static func canonicalURI(path: some StringProtocol) -> String {
        uriEncode(normalizePath(path), keepSlash: true)
    }

    /// Dot-segment removal and empty-segment collapsing, keeping a leading and trailing `/`.
    /// Works on UTF-8 bytes so a combining mark after `/` cannot hide the separator.
    public static func normalizePath(_ path: some StringProtocol) -> String {
        let bytes = Array(path.utf8)
        guard let first = bytes.first, let last = bytes.last else { return "/" }
        let slash = UInt8(ascii: "/")
        var segments: [ArraySlice<UInt8>] = []
        for segment in bytes.split(separator: slash, omittingEmptySubsequences: true) {
            if segment.elementsEqual([UInt8(ascii: ".")]) { continue }
            if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var out: [UInt8] = first == slash ? [slash] : []
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(slash) }
            out.append(contentsOf: segment)
        }
        if last == slash && !segments.isEmpty { out.append(slash) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Header value canonicalization ("Trimall"): leading and trailing whitespace removed and
    /// each inner run of whitespace replaced by one space. Splits on Unicode scalars (not
    /// characters) so `\r\n` or a space followed by a combining mark still count as whitespace.
    public static func trimAll(_ value: some StringProtocol) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if isHeaderWhitespace(scalar) {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func isHeaderWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": true
        default: false
        }
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}
