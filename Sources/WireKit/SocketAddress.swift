/// An IPv4 address held in host order (`0x7F000001` is 127.0.0.1).
public struct IPv4Address: Hashable, Sendable, Comparable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }
    public static func < (l: Self, r: Self) -> Bool { l.value < r.value }
    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

/// An IPv6 address as two host-order 64-bit halves.
public struct IPv6Address: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    public static func < (l: Self, r: Self) -> Bool { (l.high, l.low) < (r.high, r.low) }
    public var bytes: [UInt8] {
        (0..<16).map { i in
            let half = i < 8 ? high : low
            return UInt8(truncatingIfNeeded: half >> UInt64(56 - 8 * (i % 8)))
        }
    }
    /// The eight 16-bit groups of the textual form.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let half = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> UInt64(48 - 16 * (i % 4)))
        }
    }
    public init(groups: [UInt16]) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, g) in groups.prefix(8).enumerated() {
            if i < 4 { h |= UInt64(g) << UInt64(48 - 16 * i) } else { l |= UInt64(g) << UInt64(48 - 16 * (i - 4)) }
        }
        self.init(high: h, low: l)
    }
}

/// An IP address of either family, with the text forms of RFC 4291 / RFC 5952.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses dotted-quad IPv4 or IPv6 text (with `::` and an embedded IPv4 tail). A zone
    /// (`fe80::1%eth0`) is accepted and dropped. Brackets are not accepted here.
    public init?(_ text: some StringProtocol) {
        let text = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if let v4 = IPAddress.parseV4(text) {
            self = .v4(v4)
        } else if let v6 = IPAddress.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// An address from its 4- or 16-byte network-order form.
    public init?(bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        switch b.count {
        case 4: self = .v4(IPv4Address(b[0], b[1], b[2], b[3]))
        case 16:
            var h: UInt64 = 0
            var l: UInt64 = 0
            for i in 0..<8 { h = h << 8 | UInt64(b[i]) }
            for i in 8..<16 { l = l << 8 | UInt64(b[i]) }
            self = .v6(IPv6Address(high: h, low: l))
        default: return nil
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    public var isLoopback: Bool {
        switch self {
        case .v4(let a): a.value >> 24 == 127
        case .v6(let a): a.high == 0 && a.low == 1
        }
    }

    public var isLinkLocal: Bool {
        switch self {
        case .v4(let a): a.value >> 16 == 0xA9FE
        case .v6(let a): a.high >> 54 == 0x3FA  // fe80::/10
        }
    }

    public var isUnspecified: Bool {
        switch self {
        case .v4(let a): a.value == 0
        case .v6(let a): a.high == 0 && a.low == 0
        }
    }

    /// RFC 1918 and RFC 4193 private ranges.
    public var isPrivate: Bool {
        switch self {
        case .v4(let a):
            a.value >> 24 == 10 || a.value >> 20 == 0xAC1 || a.value >> 16 == 0xC0A8
        case .v6(let a): a.high >> 57 == 0x7E  // fc00::/7
        }
    }

    public var description: String {
        switch self {
        case .v4(let a):
            a.bytes.map { String($0) }.joined(separator: ".")
        case .v6(let a):
            IPAddress.formatV6(a.groups)
        }
    }

    private static func parseV4(_ text: some StringProtocol) -> IPv4Address? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = UInt32(p), n <= 255
            else { return nil }
            value = value << 8 | n
        }
        return IPv4Address(value)
    }

    private static func parseGroups(_ text: Substring) -> [UInt16]? {
        if text.isEmpty { return [] }
        var groups: [UInt16] = []
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        for (i, p) in parts.enumerated() {
            if i == parts.count - 1, p.contains(".") {
                guard let v4 = parseV4(p) else { return nil }
                groups.append(UInt16(v4.value >> 16))
                groups.append(UInt16(v4.value & 0xFFFF))
            } else {
                guard (1...4).contains(p.count), p.allSatisfy(\.isHexDigit), let g = UInt16(p, radix: 16) else {
                    return nil
                }
                groups.append(g)
            }
        }
        return groups
    }

    private static func parseV6(_ text: some StringProtocol) -> IPv6Address? {
        let s = Substring(text)
        guard s.count >= 2, s.count <= 45, s.utf8.contains(UInt8(ascii: ":")) else { return nil }
        if let range = s.firstTextRange(of: "::") {
            let head = s[s.startIndex..<range.lowerBound]
            let tail = s[range.upperBound...]
            guard !tail.containsText("::"), let h = parseGroups(head), let t = parseGroups(tail),
                h.count + t.count <= 7
            else { return nil }
            return IPv6Address(groups: h + Array(repeating: 0, count: 8 - h.count - t.count) + t)
        }
        guard let g = parseGroups(s), g.count == 8 else { return nil }
        return IPv6Address(groups: g)
    }

    /// RFC 5952: lowercase hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`.
    private static func formatV6(_ g: [UInt16]) -> String {
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8, g[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        let hex = { (range: Range<Int>) in range.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// An IP address and port: the endpoint of a UDP or TCP flow.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `1.2.3.4:5678` or `[2001:db8::1]:5678`.
    public init?(_ text: some StringProtocol) {
        let s = Substring(text)
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), let ip = IPAddress(s[s.index(after: s.startIndex)..<close]),
                case .v6 = ip
            else { return nil }
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            self.init(ip: ip, port: port)
        } else {
            guard let colon = s.lastIndex(of: ":"), let ip = IPAddress(s[s.startIndex..<colon]), case .v4 = ip,
                let port = UInt16(s[s.index(after: colon)...])
            else { return nil }
            self.init(ip: ip, port: port)
        }
    }

    public var description: String {
        switch ip {
        case .v4: "\(ip):\(port)"
        case .v6: "[\(ip)]:\(port)"
        }
    }
}
