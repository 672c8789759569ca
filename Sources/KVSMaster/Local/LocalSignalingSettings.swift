import KVSCrypto
import WireKit

/// How `--local` serves its own signaling: where it listens and the access token viewers must
/// present. Off loopback a token is required (the page and the signaling WebSocket are the
/// only gate between the network and the camera's stream).
public struct LocalSignalingSettings: Sendable, Equatable {
    /// `--listen` default: loopback only, so a first run exposes nothing to the network.
    public static let defaultListen = SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: 8080)

    public var listen: SocketAddress
    /// Required in `?token=` by the page and the WebSocket; nil only on loopback without `--token`.
    public var token: String?
    /// At most this many signaling WebSockets at once (max-viewers).
    public var maxConnections: Int
    /// The client id the master signs its messages with (`senderClientId`).
    public var masterClientId = "kvsmaster"

    public init(listen: SocketAddress = Self.defaultListen, token: String? = nil, maxConnections: Int = 10) {
        self.listen = listen
        self.token = token
        self.maxConnections = maxConnections
    }

    /// The settings the daemon runs with: a token is generated when the address is not loopback
    /// and none was configured.
    public static func resolve(listen: SocketAddress, token: String?, maxConnections: Int) -> LocalSignalingSettings {
        let needed = token ?? (listen.ip.isLoopback ? nil : LocalAccessToken.generate())
        return LocalSignalingSettings(listen: listen, token: needed, maxConnections: maxConnections)
    }

    /// The address to put in the printed URL: a wildcard bind is reachable on every interface,
    /// so the URL names the placeholder the user replaces with the camera's address.
    public func viewerURL(port: Int? = nil, host: String? = nil) -> String {
        let shownHost: String
        if let host {
            shownHost = host
        } else if listen.ip.isUnspecified {
            shownHost = "<camera-address>"
        } else if listen.ip.isIPv4 {
            shownHost = "\(listen.ip)"
        } else {
            shownHost = "[\(listen.ip)]"
        }
        let query = token.map { "?token=\($0)" } ?? ""
        return "http://\(shownHost):\(port ?? Int(listen.port))/\(query)"
    }
}

/// The `--listen HOST:PORT` text: `127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:8080`, or a bare
/// port (loopback).
public enum LocalListenAddress {
    public static func parse(_ text: String) -> SocketAddress? {
        if let port = UInt16(text) { return SocketAddress(ip: LocalSignalingSettings.defaultListen.ip, port: port) }
        return SocketAddress(text)
    }
}

/// The access token of an off-loopback local server: 128 random bits as 32 hex digits.
public enum LocalAccessToken {
    public static func generate() -> String {
        if let bytes = try? Crypto.randomBytes(16) { return Hex.encode(bytes) }
        var random = SecureRandom()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    /// A usable configured token: 8 to 128 characters of `[A-Za-z0-9_.-]` (it travels in a URL
    /// query unescaped).
    public static func isValid(_ token: String) -> Bool {
        (8...128).contains(token.utf8.count) && token.utf8.allSatisfy(isURLSafe)
    }

    /// Compares without an early exit, so response timing says nothing about the token.
    static func matches(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let a = Array(presented.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count {
            difference |= (index < a.count ? a[index] : 0) ^ b[index]
        }
        return difference == 0
    }

    static func isURLSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
