import CKVSShims
import Glibc
import WireKit

/// Small wrappers over the socket system calls shared by UDP and TCP sockets, turning errno into
/// `SocketError` at the boundary.
enum Sockets {
    static func open(family: Int32, stream: Bool) throws(SocketError) -> Int32 {
        let fd = kvs_socket(family, stream ? 1 : 0)
        guard fd >= 0 else { throw SocketError(errno: -fd, operation: .socket) }
        return fd
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(SocketError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError(errno: kvs_errno(), operation: .setOption)
        }
    }

    static func option(_ fd: Int32, level: Int32, name: Int32) throws(SocketError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, level, name, &value, &length) == 0 else {
            throw SocketError(errno: kvs_errno(), operation: .getOption)
        }
        return value
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(SocketError) {
        let rc = address.withSockaddr { pointer, length in Glibc.bind(fd, pointer, length) }
        guard rc == 0 else { throw SocketError(errno: kvs_errno(), operation: .bind) }
    }

    static func localAddress(_ fd: Int32) throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard rc == 0 else { throw SocketError(errno: kvs_errno(), operation: .localAddress) }
        guard let address = SocketAddress(storage) else { throw .unsupportedAddress }
        return address
    }

    /// Applies the buffer sizes and, for IPv6, IPV6_V6ONLY, before `bind`.
    static func configure(
        _ fd: Int32, family: Int32, receiveBufferSize: Int?, sendBufferSize: Int?, ipv6Only: Bool
    ) throws(SocketError) {
        if let size = receiveBufferSize {
            try setOption(fd, level: SOL_SOCKET, name: SO_RCVBUF, value: Int32(clamping: size))
        }
        if let size = sendBufferSize {
            try setOption(fd, level: SOL_SOCKET, name: SO_SNDBUF, value: Int32(clamping: size))
        }
        if family == AF_INET6 {
            try setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: ipv6Only ? 1 : 0)
        }
    }
}
