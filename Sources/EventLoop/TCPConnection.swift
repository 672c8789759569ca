import CKVSShims
import Glibc
import WireKit

/// A non-blocking TCP connection (RFC 9293) driven by an ``EventLoop``: ICE-TCP candidates
/// (RFC 6544 with RFC 4571 framing) and TURN over TCP use it.
///
/// Not `Sendable`: it belongs to the loop thread. Writes never block: what the kernel does not
/// take at once is kept in a send buffer and flushed when the socket becomes writable (write
/// interest is on only while that buffer is non-empty, so an idle connection costs no wake-ups).
public final class TCPConnection {
    /// What the connection reports to its handler, on the loop thread.
    public enum Event: Sendable, Equatable {
        /// The non-blocking connect completed.
        case connected
        /// The connect failed (refused, unreachable, timed out); the connection is closed.
        case connectFailed(SocketError)
        /// Bytes read from the stream, in order.
        case received([UInt8])
        /// The send buffer, non-empty before, has been written out completely.
        case drained
        /// The connection ended: `nil` for an orderly close by the peer, else the error.
        case closed(SocketError?)
    }

    /// Where the connection is in its life; `.closed` is final (set only by `close()`).
    enum State {
        case idle
        case connecting
        case connected
        case closed
    }

    /// The descriptor, or -1 once closed.
    public private(set) var fileDescriptor: Int32
    public let remoteAddress: SocketAddress
    /// The local address; known once connected.
    public private(set) var localAddress: SocketAddress?
    private(set) var state: State
    private var registration: (loop: EventLoop, token: IORegistration)?
    private var handler: ((Event) -> Void)?
    private var sendBuffer: [UInt8] = []
    private var sendHead = 0
    /// Allocated on first read, then reused for every read of this connection.
    private var readBuffer: UnsafeMutableRawBufferPointer?
    /// How many writes the kernel took only in part (so callers and tests can see that the send
    /// buffer path was exercised).
    public private(set) var partialWriteCount = 0

    /// Bytes accepted by `write` but not yet taken by the kernel.
    public var pendingWriteCount: Int { sendBuffer.count - sendHead }

    static let readChunk = 64 * 1024
    /// Reads per readiness event before yielding to other descriptors (level-triggered: the
    /// rest is reported on the next iteration).
    static let readsPerEvent = 16

    init(fileDescriptor: Int32, remote: SocketAddress, local: SocketAddress?, state: State) {
        self.fileDescriptor = fileDescriptor
        self.remoteAddress = remote
        self.localAddress = local
        self.state = state
    }

    deinit {
        if let registration { registration.loop.deregister(registration.token) }
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
        readBuffer?.deallocate()
    }

    /// Starts a non-blocking connect to `remote`, optionally from `local`. Must be called on the
    /// loop thread. Setup problems (socket, bind, address family) throw; the outcome of the
    /// connect itself always arrives as `.connected` or `.connectFailed` on a later iteration,
    /// even when the kernel knows it at once, so callers handle it in one place. There is no
    /// connect timeout here: the caller schedules a timer and calls `close()`.
    public static func connect(
        to remote: SocketAddress, from local: SocketAddress? = nil, on loop: EventLoop,
        handler: @escaping (Event) -> Void
    ) throws(SocketError) -> TCPConnection {
        if let local, local.ip.isIPv4 != remote.ip.isIPv4 { throw .unsupportedAddress }
        let fd = try Sockets.open(family: remote.ip.family, stream: true)
        let connection = TCPConnection(fileDescriptor: fd, remote: remote, local: nil, state: .connecting)
        connection.handler = handler
        try connection.setNoDelay()
        if let local { try Sockets.bind(fd, to: local) }
        let rc = remote.withSockaddr { address, length in Glibc.connect(fd, address, length) }
        let code = rc == 0 ? 0 : kvs_errno()
        if code != 0 && code != EINPROGRESS {
            // A timer due now fires on the next iteration, never re-entrantly.
            loop.schedule(at: loop.now) { [weak connection] _ in
                connection?.finishConnect(error: SocketError(errno: code, operation: .connect))
            }
            return connection
        }
        // Immediate success and EINPROGRESS take the same path: writability reports the outcome.
        try connection.register(on: loop, interest: .writable)
        return connection
    }

    /// Starts delivering events for an accepted connection (from ``TCPListener``).
    public func start(on loop: EventLoop, handler: @escaping (Event) -> Void) throws(SocketError) {
        guard state == .idle else { throw .closed }
        self.handler = handler
        state = .connected
        try register(on: loop, interest: pendingWriteCount > 0 ? [.readable, .writable] : .readable)
    }

    /// Queues `bytes` for sending and writes as much as the kernel takes now.
    /// A write error closes the connection and throws; no `.closed` event follows it.
    public func write(_ bytes: [UInt8]) throws(SocketError) {
        switch state {
        case .closed: throw .closed
        case .idle, .connecting:
            sendBuffer.append(contentsOf: bytes)
            return
        case .connected:
            break
        }
        if pendingWriteCount > 0 {
            sendBuffer.append(contentsOf: bytes)
            return
        }
        let written = bytes.withUnsafeBytes { sendNow($0) }
        if written < 0 {
            close()
            throw SocketError(errno: Int32(-written), operation: .send)
        }
        guard written < bytes.count else { return }
        if written > 0 { partialWriteCount += 1 }
        sendBuffer.append(contentsOf: bytes[written...])
        try updateInterest()
    }

    /// Closes at once (unsent bytes are dropped) and releases the handler. No event follows.
    public func close() {
        if let registration { registration.loop.deregister(registration.token) }
        registration = nil
        if fileDescriptor >= 0 { Glibc.close(fileDescriptor) }
        fileDescriptor = -1
        state = .closed
        handler = nil
        sendBuffer = []
        sendHead = 0
    }

    // MARK: Event handling

    private func register(on loop: EventLoop, interest: IOEvents) throws(SocketError) {
        do {
            let token = try loop.register(fd: fileDescriptor, events: interest) { [weak self] events in
                self?.handle(events)
            }
            registration = (loop, token)
        } catch {
            close()
            throw SocketError(error)
        }
    }

    private func handle(_ events: IOEvents) {
        switch state {
        case .connecting:
            let code = (try? Sockets.option(fileDescriptor, level: SOL_SOCKET, name: SO_ERROR)) ?? EBADF
            finishConnect(error: code == 0 ? nil : SocketError(errno: code, operation: .connect))
        case .connected:
            if events.contains(.error) {
                let code = (try? Sockets.option(fileDescriptor, level: SOL_SOCKET, name: SO_ERROR)) ?? EBADF
                if code != 0 { return fail(SocketError(errno: code, operation: .receive)) }
            }
            if events.contains(.writable) { flush() }
            if state == .connected, !events.isDisjoint(with: [.readable, .hangup, .error]) { readAvailable() }
        case .idle, .closed:
            break
        }
    }

    private func finishConnect(error: SocketError?) {
        guard state == .connecting else { return }
        if let error {
            let handler = self.handler
            close()
            handler?(.connectFailed(error))
            return
        }
        state = .connected
        localAddress = try? Sockets.localAddress(fileDescriptor)
        do throws(SocketError) {
            try updateInterest()
        } catch {
            return fail(error)
        }
        handler?(.connected)
        if state == .connected, pendingWriteCount > 0 { flush() }
    }

    private func readAvailable() {
        let buffer = readBuffer ?? .allocate(byteCount: Self.readChunk, alignment: 16)
        readBuffer = buffer
        for _ in 0..<Self.readsPerEvent {
            guard state == .connected else { return }
            let n = recv(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                handler?(.received(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))))
                continue
            }
            if n == 0 { return finishClosed(nil) }
            let code = kvs_errno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return }
            return fail(SocketError(errno: code, operation: .receive))
        }
    }

    /// Writes out the send buffer as far as the kernel allows.
    private func flush() {
        guard pendingWriteCount > 0 else { return updateInterestOrFail() }
        let head = sendHead
        let written = sendBuffer.withUnsafeBytes { sendNow(UnsafeRawBufferPointer(rebasing: $0[head...])) }
        if written < 0 { return fail(SocketError(errno: Int32(-written), operation: .send)) }
        sendHead += written
        if sendHead == sendBuffer.count {
            sendBuffer.removeAll(keepingCapacity: true)
            sendHead = 0
            updateInterestOrFail()
            if state == .connected { handler?(.drained) }
        } else {
            if written > 0 { partialWriteCount += 1 }
            // Reclaim the written prefix once it dominates, so a long-lived connection's buffer
            // does not grow with everything it ever sent.
            if sendHead >= 64 * 1024, sendHead * 2 >= sendBuffer.count {
                sendBuffer.removeFirst(sendHead)
                sendHead = 0
            }
        }
    }

    /// One `send` (MSG_NOSIGNAL: a closed peer must be an error, not a SIGPIPE killing the daemon).
    /// Returns the bytes taken (0 when the kernel buffer is full) or -errno.
    private func sendNow(_ bytes: UnsafeRawBufferPointer) -> Int {
        while true {
            let n = Glibc.send(fileDescriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let code = kvs_errno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return 0 }
            return -Int(code)
        }
    }

    private func updateInterest() throws(SocketError) {
        guard let registration else { return }
        let interest: IOEvents = pendingWriteCount > 0 ? [.readable, .writable] : .readable
        do {
            try registration.loop.modify(registration.token, events: interest)
        } catch {
            throw SocketError(error)
        }
    }

    private func updateInterestOrFail() {
        do throws(SocketError) { try updateInterest() } catch { fail(error) }
    }

    private func fail(_ error: SocketError) {
        finishClosed(error)
    }

    private func finishClosed(_ error: SocketError?) {
        let handler = self.handler
        close()
        handler?(.closed(error))
    }

    private func setNoDelay() throws(SocketError) {
        // ICE-TCP and TURN-TCP carry small latency-sensitive framed packets: no Nagle delay.
        do {
            try Sockets.setOption(fileDescriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        } catch {
            close()
            throw error
        }
    }
}
