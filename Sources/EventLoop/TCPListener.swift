import CKVSShims
import Glibc
import WireKit

/// A listening TCP socket (RFC 9293) driven by an ``EventLoop``: passive ICE-TCP candidates
/// (RFC 6544 §4.5) and local test servers.
///
/// Accepted connections are handed out unstarted, so the owner sets their handler (with
/// ``TCPConnection/start(on:handler:)``) before any byte can be delivered.
public final class TCPListener {
    /// The descriptor, or -1 once closed.
    public private(set) var fileDescriptor: Int32
    /// The bound address (with the port the kernel chose when bound to port 0).
    public let localAddress: SocketAddress
    private var registration: (loop: EventLoop, token: IORegistration)?

    /// Connections accepted per readiness event before yielding (level-triggered: the rest of
    /// the backlog is reported on the next iteration).
    static let acceptsPerEvent = 64

    /// Binds and listens. SO_REUSEADDR is on so that a restarted daemon can rebind a port whose
    /// old connections are still in TIME_WAIT.
    public init(bindingTo address: SocketAddress, backlog: Int32 = 128, ipv6Only: Bool = true) throws(SocketError) {
        let family = address.ip.family
        let fd = try Sockets.open(family: family, stream: true)
        do throws(SocketError) {
            try Sockets.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Sockets.configure(fd, family: family, receiveBufferSize: nil, sendBufferSize: nil, ipv6Only: ipv6Only)
            try Sockets.bind(fd, to: address)
            guard listen(fd, backlog) == 0 else { throw SocketError(errno: kvs_errno(), operation: .listen) }
            localAddress = try Sockets.localAddress(fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        fileDescriptor = fd
    }

    deinit {
        if let registration { registration.loop.deregister(registration.token) }
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
    }

    /// Registers with `loop` (on its thread); `handler` receives each accepted connection, or an
    /// error other than the transient ones (EAGAIN, EINTR, ECONNABORTED) that are retried.
    public func startAccepting(
        on loop: EventLoop, _ handler: @escaping (Result<TCPConnection, SocketError>) -> Void
    ) throws(SocketError) {
        guard fileDescriptor >= 0 else { throw .closed }
        stopAccepting()
        do {
            let token = try loop.register(fd: fileDescriptor, events: .readable) { [weak self] _ in
                self?.acceptAvailable(handler)
            }
            registration = (loop, token)
        } catch {
            throw SocketError(error)
        }
    }

    public func stopAccepting() {
        guard let registration else { return }
        registration.loop.deregister(registration.token)
        self.registration = nil
    }

    public func close() {
        stopAccepting()
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
        fileDescriptor = -1
    }

    private func acceptAvailable(_ handler: (Result<TCPConnection, SocketError>) -> Void) {
        for _ in 0..<Self.acceptsPerEvent {
            guard fileDescriptor >= 0 else { return }
            var peer = sockaddr_storage()
            let fd = kvs_accept(fileDescriptor, &peer)
            if fd < 0 {
                let code = -fd
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR || code == ECONNABORTED { continue }
                // EMFILE and the like: report once per event; the pending connection stays in
                // the backlog and is retried on the next readiness.
                return handler(.failure(SocketError(errno: code, operation: .accept)))
            }
            guard let remote = SocketAddress(peer) else {
                Glibc.close(fd)
                continue
            }
            var noDelay: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let local = try? Sockets.localAddress(fd)
            handler(.success(TCPConnection(fileDescriptor: fd, remote: remote, local: local, state: .idle)))
        }
    }
}
