import Glibc
import WireKit

/// One address of a local network interface, from `getifaddrs`: the raw material of ICE host
/// candidates (RFC 8445 §5.1.1.1). Listing is policy-free; the ICE agent decides which to use
/// (it normally drops loopback, and link-local unless configured otherwise).
public struct NetworkInterface: Sendable, Hashable, CustomStringConvertible {
    /// The interface name (`eth0`, `wlan0`, `lo`).
    public var name: String
    /// The interface index (`if_nametoindex`), the scope of an IPv6 link-local address.
    public var index: UInt32
    public var address: IPAddress
    /// The prefix length from the netmask (0 when the kernel gave none).
    public var prefixLength: Int
    /// IFF_LOOPBACK.
    public var isLoopback: Bool
    /// IFF_POINTOPOINT (VPN and cellular links; ICE may rank them lower).
    public var isPointToPoint: Bool
    /// IFF_MULTICAST.
    public var supportsMulticast: Bool

    /// 169.254/16 or fe80::/10: only reachable on the link, and needs `index` as scope for IPv6.
    public var isLinkLocal: Bool { address.isLinkLocal }

    public var description: String {
        var flags: [String] = []
        if isLoopback { flags.append("loopback") }
        if isLinkLocal { flags.append("link-local") }
        if isPointToPoint { flags.append("point-to-point") }
        return "\(name)#\(index) \(address)/\(prefixLength)" + (flags.isEmpty ? "" : " [\(flags.joined(separator: ","))]")
    }

    /// The IPv4 and IPv6 addresses of interfaces that are up and running, in the kernel's order.
    public static func list() throws(SocketError) -> [NetworkInterface] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { throw SocketError(errno: errno, operation: .interfaces) }
        defer { freeifaddrs(head) }
        var result: [NetworkInterface] = []
        var cursor = head
        while let entry = cursor?.pointee {
            cursor = entry.ifa_next
            let flags = entry.ifa_flags
            guard flags & UInt32(IFF_UP) != 0, flags & UInt32(IFF_RUNNING) != 0,
                let rawAddress = entry.ifa_addr, let name = entry.ifa_name,
                let ip = Self.ip(rawAddress)
            else { continue }
            let prefix = entry.ifa_netmask.flatMap(Self.ip).map(Self.prefixLength) ?? 0
            result.append(NetworkInterface(
                name: String(cString: name), index: if_nametoindex(name), address: ip, prefixLength: prefix,
                isLoopback: flags & UInt32(IFF_LOOPBACK) != 0,
                isPointToPoint: flags & UInt32(IFF_POINTOPOINT) != 0,
                supportsMulticast: flags & UInt32(IFF_MULTICAST) != 0))
        }
        return result
    }

    private static func ip(_ raw: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        let family = Int32(raw.pointee.sa_family)
        switch family {
        case AF_INET:
            let sin = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in.self)
            return .v4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr)))
        case AF_INET6:
            let sin6 = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in6.self)
            return IPAddress(bytes: withUnsafeBytes(of: sin6.sin6_addr) { Array($0) })
        default:
            return nil
        }
    }

    private static func prefixLength(_ mask: IPAddress) -> Int {
        mask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
    }
}
