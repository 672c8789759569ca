import CKVSShims
import Glibc
import WireKit

/// A non-blocking UDP socket (RFC 768) driven by an ``EventLoop``: what ICE host candidates,
/// STUN/TURN and media traffic go through.
///
/// Not `Sendable`: it belongs to the loop thread (the actor that owns it). Its `deinit` may run
/// anywhere and is safe there (it queues its deregistration and closes the fd).
///
/// ## Which local address a datagram arrived on
/// A socket bound to a specific address (what the ICE agent does: one host candidate per
/// interface address, as in RFC 8445 §5.1.1.1) knows its local address, so nothing extra is
/// read per datagram. A socket bound to a wildcard address (`0.0.0.0`, `::`) asks the kernel for
/// IP_PKTINFO / IPV6_PKTINFO and reports the true destination of each datagram, so one socket can
/// serve several interfaces when that is preferred (tests, a server-style listener).
public final class UDPSocket {
    /// Options applied before `bind`.
    public struct Options: Sendable {
        /// SO_RCVBUF request (the kernel doubles it and caps it at net.core.rmem_max). A video
        /// sender mostly needs a large send buffer; a receiver of bursts a large receive buffer.
        public var receiveBufferSize: Int?
        /// SO_SNDBUF request.
        public var sendBufferSize: Int?
        /// IPV6_V6ONLY for IPv6 sockets. On by default: ICE gathers IPv4 and IPv6 candidates on
        /// separate sockets, and a v6-only socket never shows IPv4-mapped addresses.
        public var ipv6Only = true
        /// SO_REUSEADDR (off: two agents must not silently share a port).
        public var reuseAddress = false
        /// The receive buffer size: the largest datagram delivered whole (larger ones are
        /// delivered truncated and flagged).
        public var maxDatagramSize = 65_535
        /// Datagrams read per readiness event before yielding to other sockets. Level-triggered
        /// epoll reports the rest on the next iteration, so the limit loses nothing.
        public var receiveBatchLimit = 256

        public init() {}
    }

    /// One received datagram.
    public struct Datagram: Sendable, Equatable {
        public var payload: [UInt8]
        public var source: SocketAddress
        /// The local address it was sent to (from IP_PKTINFO on a wildcard socket).
        public var destination: SocketAddress
        /// The arrival interface index from IP_PKTINFO, or 0 when the socket has a fixed address.
        public var interfaceIndex: UInt32
        /// True when the datagram was longer than `maxDatagramSize` and was cut.
        public var truncated: Bool
    }

    /// The outcome of a send: the datagram left, the socket buffer is full (try later or drop;
    /// real-time media usually drops), or an error.
    public enum SendResult: Equatable, Sendable {
        case sent(Int)
        case wouldBlock
        case failed(SocketError)
    }

    /// The descriptor, or -1 once closed.
    public private(set) var fileDescriptor: Int32
    /// The bound address (with the port the kernel chose when bound to port 0).
    public let localAddress: SocketAddress
    private let isIPv6: Bool
    private let ipv6Only: Bool
    private let usesPacketInfo: Bool
    private let batchLimit: Int
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private var registration: (loop: EventLoop, token: IORegistration)?
    /// Receive errors seen (other than EAGAIN/EINTR), and the last one, for metrics.
    public private(set) var receiveErrorCount = 0
    public private(set) var lastReceiveError: SocketError?

    /// Opens a socket of `address`'s family, applies `options` and binds.
    public init(bindingTo address: SocketAddress, options: Options = Options()) throws(SocketError) {
        let family = address.ip.family
        let fd = try Sockets.open(family: family, stream: false)
        do throws(SocketError) {
            if options.reuseAddress {
                try Sockets.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            }
            try Sockets.configure(
                fd, family: family, receiveBufferSize: options.receiveBufferSize,
                sendBufferSize: options.sendBufferSize, ipv6Only: options.ipv6Only)
            try Sockets.bind(fd, to: address)
            localAddress = try Sockets.localAddress(fd)
            if address.ip.isUnspecified {
                let rc = kvs_udp_enable_packet_info(fd, family)
                guard rc == 0 else { throw SocketError(errno: -rc, operation: .setOption) }
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        fileDescriptor = fd
        isIPv6 = family == AF_INET6
        ipv6Only = options.ipv6Only
        usesPacketInfo = address.ip.isUnspecified
        batchLimit = max(1, options.receiveBatchLimit)
        receiveBuffer = .allocate(byteCount: max(1, options.maxDatagramSize), alignment: 16)
    }

    deinit {
        if let registration { registration.loop.deregister(registration.token) }
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
        receiveBuffer.deallocate()
    }

    /// Stops receiving and closes the descriptor. Sends afterwards fail with `.closed`.
    public func close() {
        stopReceiving()
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
        fileDescriptor = -1
    }

    /// The effective SO_RCVBUF (the kernel reports twice the requested size: it counts overhead).
    public var receiveBufferSize: Int {
        get throws(SocketError) { Int(try Sockets.option(fileDescriptor, level: SOL_SOCKET, name: SO_RCVBUF)) }
    }

    /// The effective SO_SNDBUF.
    public var sendBufferSize: Int {
        get throws(SocketError) { Int(try Sockets.option(fileDescriptor, level: SOL_SOCKET, name: SO_SNDBUF)) }
    }

    // MARK: Sending

    /// Sends one datagram without blocking.
    public func send(_ payload: [UInt8], to destination: SocketAddress) -> SendResult {
        payload.withUnsafeBytes { send($0, to: destination) }
    }

    /// Sends a transmit produced by a sans-IO core (its `source` is this socket's address).
    public func send(_ transmit: Transmit) -> SendResult {
        send(transmit.payload, to: transmit.destination)
    }

    /// Sends one datagram from raw bytes (no copy).
    public func send(_ payload: UnsafeRawBufferPointer, to destination: SocketAddress) -> SendResult {
        guard fileDescriptor >= 0 else { return .failed(.closed) }
        let mapIPv4: Bool
        switch (isIPv6, destination.ip.isIPv4) {
        case (false, false): return .failed(.unsupportedAddress)
        case (true, true):
            guard !ipv6Only else { return .failed(.unsupportedAddress) }
            mapIPv4 = true
        default: mapIPv4 = false
        }
        while true {
            let n = destination.withSockaddr(mapIPv4: mapIPv4) { address, length in
                sendto(fileDescriptor, payload.baseAddress, payload.count, 0, address, length)
            }
            if n >= 0 { return .sent(n) }
            let code = kvs_errno()
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS: return .wouldBlock
            default: return .failed(SocketError(errno: code, operation: .send))
            }
        }
    }

    // MARK: Receiving

    /// Reads datagrams until the socket is drained or `limit` were read, calling `body` for
    /// each. The payload is the only allocation per datagram; the read buffer is reused.
    /// - Returns: the number of datagrams delivered.
    @discardableResult
    public func receiveAvailable(limit: Int = .max, _ body: (Datagram) -> Void) -> Int {
        var delivered = 0
        var attempts = 0
        var source = sockaddr_storage()
        var info = kvs_packet_info()
        var truncated: Int32 = 0
        while attempts < limit, fileDescriptor >= 0 {
            attempts += 1
            let n = kvs_udp_receive(
                fileDescriptor, receiveBuffer.baseAddress, receiveBuffer.count, &source, &info, &truncated)
            if n < 0 {
                let code = Int32(truncatingIfNeeded: -n)
                if code == EAGAIN || code == EWOULDBLOCK { break }
                if code == EINTR { continue }
                // A pending socket error (e.g. from ICMP) is returned once; the next read goes on.
                receiveErrorCount += 1
                lastReceiveError = SocketError(errno: code, operation: .receive)
                continue
            }
            guard let from = SocketAddress(source) else { continue }
            let payload = Array(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<Int(n)]))
            body(Datagram(
                payload: payload, source: from, destination: destination(of: info),
                interfaceIndex: info.interface_index, truncated: truncated != 0))
            delivered += 1
        }
        return delivered
    }

    /// Registers with `loop` (on its thread) and calls `handler` for every datagram received,
    /// up to `receiveBatchLimit` per readiness event. `handler` should not capture the socket
    /// strongly (the loop holds the handler until `stopReceiving`, `close` or shutdown).
    public func startReceiving(on loop: EventLoop, _ handler: @escaping (Datagram) -> Void) throws(SocketError) {
        guard fileDescriptor >= 0 else { throw .closed }
        stopReceiving()
        let limit = batchLimit
        do {
            let token = try loop.register(fd: fileDescriptor, events: .readable) { [weak self] _ in
                self?.receiveAvailable(limit: limit, handler)
            }
            registration = (loop, token)
        } catch {
            throw SocketError(error)
        }
    }

    /// Stops delivering datagrams (they queue in the kernel until the buffer fills).
    public func stopReceiving() {
        guard let registration else { return }
        registration.loop.deregister(registration.token)
        self.registration = nil
    }

    private func destination(of info: kvs_packet_info) -> SocketAddress {
        guard usesPacketInfo, info.family != 0 else { return localAddress }
        let bytes = withUnsafeBytes(of: info.address) { raw in
            Array(raw.prefix(info.family == AF_INET ? 4 : 16))
        }
        guard let ip = IPAddress(bytes: bytes) else { return localAddress }
        return SocketAddress(ip: ip.unmappingIPv4, port: localAddress.port)
    }
}
