import Foundation
import Glibc
import WireKit

/// Blocking-free loopback sockets for the interop tests: IPv4 only, `poll` for waiting.
final class LoopbackSocket {
    enum Kind { case udp, tcp }

    let fd: Int32
    let kind: Kind

    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    /// A UDP socket bound to `ip` on a free port.
    init(udpOn ip: String) throws {
        kind = .udp
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errno)") }
        var address = try Self.ipv4Address(SocketAddress(ip: IPAddress(ip)!, port: 0))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw SocketError(description: "bind \(ip): \(errno)")
        }
    }

    /// A TCP socket connected to `server`.
    init(tcpTo server: SocketAddress) throws {
        kind = .tcp
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errno)") }
        var address = try Self.ipv4Address(server)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw SocketError(description: "connect \(server): \(errno)")
        }
    }

    deinit { close(fd) }

    var localAddress: SocketAddress {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Self.socketAddress(address)
    }

    func send(_ bytes: [UInt8], to destination: SocketAddress) throws {
        switch kind {
        case .udp:
            var address = try Self.ipv4Address(destination)
            let sent = bytes.withUnsafeBytes { buffer in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            guard sent == bytes.count else { throw SocketError(description: "sendto: \(errno)") }
        case .tcp:
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { throw SocketError(description: "send: \(errno)") }
                offset += sent
            }
        }
    }

    /// Waits up to `timeout` for a datagram or stream chunk; nil on timeout.
    func receive(timeout: Duration) throws -> (bytes: [UInt8], from: SocketAddress?)? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: max(0, timeout.milliseconds))
        let ready = poll(&descriptor, 1, milliseconds)
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length)
                }
            }
        }
        guard count > 0 else { throw SocketError(description: "recv: \(count) errno \(errno)") }
        return (Array(buffer.prefix(count)), kind == .udp ? Self.socketAddress(address) : nil)
    }

    static func ipv4Address(_ address: SocketAddress) throws -> sockaddr_in {
        guard case .v4(let v4) = address.ip else { throw SocketError(description: "IPv4 only: \(address)") }
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = address.port.bigEndian
        result.sin_addr = in_addr(s_addr: v4.value.bigEndian)
        return result
    }

    static func socketAddress(_ address: sockaddr_in) -> SocketAddress {
        SocketAddress(ip: .v4(IPv4Address(UInt32(bigEndian: address.sin_addr.s_addr))), port: UInt16(bigEndian: address.sin_port))
    }

    /// A port free for both UDP and TCP on 127.0.0.1 right now.
    static func freePort() throws -> UInt16 {
        for _ in 0..<20 {
            let probe = try LoopbackSocket(udpOn: "127.0.0.1")
            let port = probe.localAddress.port
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            var address = try ipv4Address(SocketAddress(ip: IPAddress("127.0.0.1")!, port: port))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(tcp, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound == 0 { return port }
        }
        throw SocketError(description: "no free port")
    }
}

/// The monotonic clock, in the form the sans-IO client takes.
func monotonicNow() -> Instant {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Instant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
}
