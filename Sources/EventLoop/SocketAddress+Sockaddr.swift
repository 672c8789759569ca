import Glibc
import WireKit

/// Conversions between WireKit's `SocketAddress` and the kernel's `sockaddr` forms. They live in
/// the I/O layer so that WireKit stays free of Glibc (DESIGN.md: protocol cores use the standard
/// library only).
extension SocketAddress {
    /// The address in a `sockaddr_storage`, with its length.
    /// - Parameters:
    ///   - mapIPv4: write an IPv4 address as `::ffff:a.b.c.d` (for an IPv6 dual-stack socket).
    ///   - scopeID: the interface index for an IPv6 link-local destination.
    public func sockaddr(mapIPv4: Bool = false, scopeID: UInt32 = 0) -> (storage: sockaddr_storage, length: socklen_t) {
        var storage = sockaddr_storage()
        switch ip {
        case .v4(let v4) where !mapIPv4:
            withUnsafeMutableBytes(of: &storage) { raw in
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = port.bigEndian
                sin.sin_addr.s_addr = v4.value.bigEndian
                raw.storeBytes(of: sin, as: sockaddr_in.self)
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        case .v4(let v4):
            return SocketAddress(ip: .v6(IPv6Address(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4.value))), port: port)
                .sockaddr(scopeID: scopeID)
        case .v6(let v6):
            withUnsafeMutableBytes(of: &storage) { raw in
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = port.bigEndian
                sin6.sin6_scope_id = scopeID
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { address in
                    for (i, byte) in v6.bytes.enumerated() { address[i] = byte }
                }
                raw.storeBytes(of: sin6, as: sockaddr_in6.self)
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }

    /// Calls `body` with a `sockaddr` pointer for this address (see ``sockaddr(mapIPv4:scopeID:)``).
    public func withSockaddr<R, E: Error>(
        mapIPv4: Bool = false, scopeID: UInt32 = 0,
        _ body: (UnsafePointer<Glibc.sockaddr>, socklen_t) throws(E) -> R
    ) throws(E) -> R {
        var (storage, length) = sockaddr(mapIPv4: mapIPv4, scopeID: scopeID)
        return try withUnsafePointer(to: &storage) { (pointer) throws(E) -> R in
            try pointer.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { (address) throws(E) -> R in
                try body(address, length)
            }
        }
    }

    /// Reads an AF_INET or AF_INET6 `sockaddr_storage`; nil for other families. An IPv4-mapped
    /// IPv6 address (what a dual-stack socket reports for IPv4 peers) becomes plain IPv4, so the
    /// same peer has one spelling whichever socket it reached.
    public init?(_ storage: sockaddr_storage) {
        let family = Int32(storage.ss_family)
        let parsed: SocketAddress? = withUnsafeBytes(of: storage) { raw in
            switch family {
            case AF_INET:
                let sin = raw.loadUnaligned(as: sockaddr_in.self)
                return SocketAddress(ip: .v4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr))), port: UInt16(bigEndian: sin.sin_port))
            case AF_INET6:
                let sin6 = raw.loadUnaligned(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
                guard let ip = IPAddress(bytes: bytes) else { return nil }
                return SocketAddress(ip: ip.unmappingIPv4, port: UInt16(bigEndian: sin6.sin6_port))
            default:
                return nil
            }
        }
        guard let parsed else { return nil }
        self = parsed
    }
}

extension IPAddress {
    /// `::ffff:a.b.c.d` as `a.b.c.d`; any other address unchanged.
    public var unmappingIPv4: IPAddress {
        if case .v6(let v6) = self, v6.high == 0, v6.low >> 32 == 0xFFFF {
            return .v4(IPv4Address(UInt32(truncatingIfNeeded: v6.low)))
        }
        return self
    }

    /// The address family constant (`AF_INET` or `AF_INET6`).
    var family: Int32 { isIPv4 ? AF_INET : AF_INET6 }
}
