import WireKit

/// The `o=` line (RFC 8866 §5.2): who created the session and which version of it this is.
public struct Origin: Hashable, Sendable {
    public var username: String
    /// `sess-id`: digits in practice, kept as text because senders differ in its width.
    public var sessionID: String
    /// `sess-version`: bumped by the sender on every new offer or answer (RFC 8829 §5.2.2).
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var unicastAddress: String

    public init(
        username: String = "-", sessionID: String, sessionVersion: String = "2",
        networkType: String = "IN", addressType: String = "IP4", unicastAddress: String = "127.0.0.1"
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.unicastAddress = unicastAddress
    }

    /// The session version as a number, when it is one.
    public var sessionVersionNumber: UInt64? { try? SDPText.decimal(sessionVersion[...], as: UInt64.self).get() }

    /// Parses the text after `o=`: exactly six fields separated by single spaces.
    public init(lineValue: Substring) throws(SDPError) {
        let f = SDPText.strictFields(lineValue)
        guard f.count >= 6 else { throw .line("o", "fields", .tooFewFields(expected: 6, found: f.count)) }
        guard f.count == 6 else { throw .line("o", "fields", .tooManyFields) }
        let names = ["username", "sess-id", "sess-version", "nettype", "addrtype", "unicast-address"]
        for (field, name) in zip(f, names) where field.isEmpty { throw .line("o", name, .empty) }
        self.init(
            username: String(f[0]), sessionID: String(f[1]), sessionVersion: String(f[2]),
            networkType: String(f[3]), addressType: String(f[4]), unicastAddress: String(f[5]))
    }

    public var lineValue: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(unicastAddress)"
    }
}

/// The `c=` line (RFC 8866 §5.7): the network address media is sent to (JSEP puts the default
/// candidate's address here, or `IN IP4 0.0.0.0`).
public struct Connection: Hashable, Sendable {
    public var networkType: String
    public var addressType: String
    /// The connection address exactly as written, including any multicast `/ttl/count` suffix.
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// A connection line for an IP address, with the matching address type.
    public init(ip: IPAddress) {
        self.init(addressType: ip.isIPv4 ? "IP4" : "IP6", address: ip.description)
    }

    /// The address as an IP address (multicast suffixes dropped); nil for a host name.
    public var ipAddress: IPAddress? {
        IPAddress(address.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// Parses `nettype addrtype address` (the text after `c=`, or the tail of `a=rtcp`).
    public init(lineValue: Substring) throws(SDPError) {
        try self.init(fields: SDPText.strictFields(lineValue), type: "c")
    }

    init(fields f: [Substring], type: Character) throws(SDPError) {
        guard f.count >= 3 else { throw .line(type, "fields", .tooFewFields(expected: 3, found: f.count)) }
        guard f.count == 3 else { throw .line(type, "fields", .tooManyFields) }
        let names = ["nettype", "addrtype", "connection-address"]
        for (field, name) in zip(f, names) where field.isEmpty { throw .line(type, name, .empty) }
        self.init(networkType: String(f[0]), addressType: String(f[1]), address: String(f[2]))
    }

    public var lineValue: String { "\(networkType) \(addressType) \(address)" }
}

/// A `b=` line (RFC 8866 §5.8): `AS`, `CT`, `TIAS` (RFC 3890) or an extension type, and a value.
public struct Bandwidth: Hashable, Sendable {
    public var type: String
    /// Kilobits per second for `AS`/`CT`, bits per second for `TIAS`.
    public var value: UInt64

    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }

    public init(lineValue: Substring) throws(SDPError) {
        guard let colon = SDPText.firstIndex(of: UInt8(ascii: ":"), in: lineValue) else { throw .line("b", "bandwidth", .missing) }
        let type = lineValue[..<colon]
        guard !type.isEmpty else { throw .line("b", "bwtype", .empty) }
        let value = try SDPText.lineNumber(
            lineValue[lineValue.index(after: colon)...], as: UInt64.self, line: "b", field: "bandwidth")
        self.init(type: String(type), value: value)
    }

    public var lineValue: String { "\(type):\(value)" }
}

/// A `t=` line (RFC 8866 §5.9) with the `r=` lines (§5.10) that follow it, kept as text.
/// WebRTC sessions are always `t=0 0`.
public struct Timing: Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    public init(lineValue: Substring) throws(SDPError) {
        let f = SDPText.strictFields(lineValue)
        guard f.count >= 2 else { throw .line("t", "fields", .tooFewFields(expected: 2, found: f.count)) }
        guard f.count == 2 else { throw .line("t", "fields", .tooManyFields) }
        let start = try SDPText.lineNumber(f[0], as: UInt64.self, line: "t", field: "start-time")
        let stop = try SDPText.lineNumber(f[1], as: UInt64.self, line: "t", field: "stop-time")
        self.init(start: start, stop: stop)
    }

    public var lineValue: String { "\(start) \(stop)" }
}

/// The `<media>` field of an `m=` line (RFC 8866 §5.14): `audio`, `video`, `application`, or
/// any other token, kept as written.
public struct MediaType: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let audio: MediaType = "audio"
    public static let video: MediaType = "video"
    public static let application: MediaType = "application"

    public var description: String { rawValue }
}
