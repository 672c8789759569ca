import Glibc
import ICE
import ICETransport
import Signaling
import TURN
import WireKit

/// The STUN and TURN servers a new viewer's ICE agent uses, resolved to addresses (RFC 8445
/// §5.1.1; TURN URIs per RFC 7065). Built from GetIceServerConfig's answer, which lists the STUN
/// server first and then up to five TURN configurations of up to four URIs each: one TURN
/// configuration is used (the first by default) so that gathering stays fast.
public struct ResolvedICEServers: Sendable, Equatable {
    public var stunServers: [SocketAddress] = []
    public var turnServers: [ICETURNServer] = []
    /// Hosts that did not resolve, for the log.
    public var unresolved: [String] = []

    public init() {}
}

/// Turns a ``KVSIceServerConfig`` into ``ResolvedICEServers``. Name lookups block, so
/// ``resolve(_:turnIndex:)`` runs off the loop (``EventLoop/BlockingWork``).
public enum ICEServerResolver {
    /// What to look up: STUN hosts and TURN URIs with their credentials, before DNS.
    public struct Plan: Sendable, Equatable {
        var stunHosts: [HostPort] = []
        var turn: [TURNEntry] = []

        struct HostPort: Equatable { var host: String; var port: UInt16 }

        /// One TURN URI of the chosen configuration and the host to resolve for it.
        struct TURNEntry: Equatable {
            var uri: String
            var url: TURNServerURL
            var credentials: TURNCredentials
        }
    }

    /// Picks the STUN URIs and the `turnIndex`-th TURN configuration (clamped to what exists).
    public static func plan(_ config: KVSIceServerConfig, turnIndex: Int) -> Plan {
        var plan = Plan()
        var turnConfigurations: [KVSIceServer] = []
        for server in config.servers {
            let stunURIs = server.uris.filter { $0.lowercased().hasPrefix("stun:") }
            for uri in stunURIs {
                if let hostPort = stunHostPort(uri) { plan.stunHosts.append(hostPort) }
            }
            if server.uris.contains(where: { $0.lowercased().hasPrefix("turn") }) { turnConfigurations.append(server) }
        }
        guard !turnConfigurations.isEmpty else { return plan }
        let chosen = turnConfigurations[min(max(0, turnIndex), turnConfigurations.count - 1)]
        let credentials = TURNCredentials(username: chosen.username, password: chosen.password)
        for uri in chosen.uris {
            guard let url = TURNServerURL(uri) else { continue }
            plan.turn.append(Plan.TURNEntry(uri: uri, url: url, credentials: credentials))
        }
        return plan
    }

    /// Resolves the plan's hosts (blocking: getaddrinfo), IPv4 and IPv6 when `includeIPv6`.
    public static func resolve(_ plan: Plan, includeIPv6: Bool = true) -> ResolvedICEServers {
        var resolved = ResolvedICEServers()
        var cache: [String: [IPAddress]] = [:]
        func lookup(_ host: String) -> [IPAddress] {
            if let hit = cache[host] { return hit }
            let addresses = addresses(of: host, includeIPv6: includeIPv6)
            cache[host] = addresses
            if addresses.isEmpty { resolved.unresolved.append(host) }
            return addresses
        }
        for entry in plan.stunHosts {
            for ip in lookup(entry.host) { resolved.stunServers.append(SocketAddress(ip: ip, port: entry.port)) }
        }
        for entry in plan.turn {
            // One address per URI: a TURN server's allocation is tied to the address used. The
            // transports a URI stands for (UDP then TCP for a bare `turn:`, TLS verified against
            // the host for `turns:`) are ICETURNServer's rule.
            guard let ip = lookup(entry.url.host).first else { continue }
            resolved.turnServers += ICETURNServer.servers(uri: entry.uri, address: ip, credentials: entry.credentials)
        }
        return resolved
    }

    static func stunHostPort(_ uri: String) -> Plan.HostPort? {
        var rest = Substring(uri.dropFirst("stun:".count))
        if let question = rest.firstIndex(of: "?") { rest = rest[..<question] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            let port = after.hasPrefix(":") ? UInt16(after.dropFirst()) : 3478
            return port.map { Plan.HostPort(host: host, port: $0) }
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, parts.count <= 2 else { return nil }
        let port = parts.count == 2 ? UInt16(parts[1]) : 3478
        return port.map { Plan.HostPort(host: String(first), port: $0) }
    }

    /// getaddrinfo over UDP sockets; IP literals come back as they are.
    static func addresses(of host: String, includeIPv6: Bool) -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = includeIPv6 ? AF_UNSPEC : AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var found: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr {
                switch Int32(sockaddr.pointee.sa_family) {
                case AF_INET:
                    let bytes = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                    if let ip = IPAddress(bytes: bytes), !found.contains(ip) { found.append(ip) }
                case AF_INET6:
                    let bytes = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    if let ip = IPAddress(bytes: bytes), !found.contains(ip) { found.append(ip) }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        // IPv4 first: KVS's TURN servers and most camera networks are IPv4.
        return found.filter(\.isIPv4) + found.filter { !$0.isIPv4 }
    }
}
