import EventLoop
import Glibc
import WireKit

/// A blocking UDP socket for test code outside the event loop: send, then wait for the answer
/// with poll(2) and a timeout.
public final class UDPProbe {
    public let fd: Int32
    public let localAddress: SocketAddress

    public init(bindingTo address: SocketAddress) throws {
        let fd = socket(address.ip.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestToolError(description: "socket() failed: \(errno)") }
        let rc = address.withSockaddr { bind(fd, $0, $1) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0, named == 0, let local = SocketAddress(storage) else {
            Glibc.close(fd)
            throw TestToolError(description: "bind to \(address) failed: \(errno)")
        }
        self.fd = fd
        localAddress = local
    }

    deinit { Glibc.close(fd) }

    public func send(_ bytes: [UInt8], to destination: SocketAddress) {
        _ = destination.withSockaddr { address, length in sendto(fd, bytes, bytes.count, 0, address, length) }
    }

    /// The next datagram within `timeout`, or nil.
    public func receive(timeout: Duration) -> (bytes: [UInt8], source: SocketAddress)? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(max(1, timeout.nanoseconds / 1_000_000))) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
        }
        guard n >= 0, let source = SocketAddress(storage) else { return nil }
        return (Array(buffer[..<n]), source)
    }

    /// A UDP port free right now on `ip` (the kernel picks it; the socket is closed again).
    public static func freePort(on ip: String = "127.0.0.1") throws -> UInt16 {
        guard let address = IPAddress(ip) else { throw TestToolError(description: "not an IP address: \(ip)") }
        return try UDPProbe(bindingTo: SocketAddress(ip: address, port: 0)).localAddress.port
    }
}
