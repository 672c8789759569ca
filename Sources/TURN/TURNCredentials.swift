/// The long-term credentials of a TURN allocation (RFC 8656 §9.2, RFC 8489 §9.2): for KVS and
/// for coturn's TURN REST API, a time-limited username and a password derived from it.
///
/// The password never appears in a description: descriptions end up in logs.
public struct TURNCredentials: Hashable, Sendable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "TURNCredentials(username: \(username), password: <\(password.utf8.count) bytes>)" }
}
