import Dispatch
import EventLoop
import Glibc
import KVSCrypto
import STUN
import Synchronization
import WireKit

/// Blocking network probes for `kvsmaster doctor`, each bounded by a deadline so that a
/// black-holed network never makes the report hang. Doctor is a one-shot command on the main
/// thread, so plain blocking sockets with poll(2) are the simplest correct tool here.
enum DoctorNetwork {
    /// Runs `work` on another thread and waits at most `limit` for it. A lookup that outlives
    /// the limit is abandoned (getaddrinfo cannot be cancelled); its result is dropped.
    static func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () -> T) -> T? {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let value = work()
            box.withLock { $0 = value }
            done.signal()
        }
        guard done.wait(timeout: .now() + .milliseconds(Int(limit.milliseconds))) == .success else { return nil }
        return box.withLock { $0 }
    }

    /// Waits at most `limit` for a callback-style call to complete.
    static func awaitCompletion<T: Sendable>(
        _ limit: Duration, _ start: (@escaping @Sendable (T) -> Void) -> Void
    ) -> T? {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        start { value in
            box.withLock { $0 = value }
            done.signal()
        }
        guard done.wait(timeout: .now() + .milliseconds(Int(limit.milliseconds))) == .success else { return nil }
        return box.withLock { $0 }
    }


    /// The host's addresses (IP literals as they are), IPv4 first; nil when the lookup did not
    /// finish within `limit`.
    static func resolve(_ host: String, limit: Duration) -> [IPAddress]? {
        withTimeout(limit) { ICEServerResolver.addresses(of: host, includeIPv6: true) }
    }

    /// A TCP connection to `address` (closed at once): the time it took, or why it failed.
    static func connectTCP(_ address: SocketAddress, limit: Duration) -> Result<Duration, ProbeError> {
        let family = address.ip.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.system("socket", errno)) }
        defer { close(fd) }
        let started = ContinuousClock.now
        let status = address.withSockaddr { pointer, length in connect(fd, pointer, length) }
        if status != 0 && errno != EINPROGRESS { return .failure(.system("connect", errno)) }
        if status != 0 {
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: limit.milliseconds))
            guard ready > 0 else { return .failure(ready == 0 ? .timedOut : .system("poll", errno)) }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
            guard failure == 0 else { return .failure(.system("connect", failure)) }
        }
        return .success(ContinuousClock.now - started)
    }

    /// A STUN Binding request (RFC 8489 §6) to `server` from an ephemeral UDP port,
    /// retransmitted after 500 ms and 1.5 s (§6.2.1, shortened to fit the limit); answers with
    /// the mapped address the server saw.
    static func stunBinding(_ server: SocketAddress, limit: Duration) -> Result<SocketAddress, ProbeError> {
        let family = server.ip.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.system("socket", errno)) }
        defer { close(fd) }
        var random = SecureRandom()
        let transaction = TransactionID.random(using: &random)
        let request = STUNMessage(method: .binding, messageClass: .request, transactionID: transaction, attributes: [])
        let bytes: [UInt8]
        do {
            bytes = try request.encode(fingerprint: true)
        } catch {
            return .failure(.protocolError("cannot encode a Binding request: \(error)"))
        }
        let deadline = ContinuousClock.now + limit
        var retransmitAt = ContinuousClock.now
        var interval = Duration.milliseconds(500)
        var buffer = [UInt8](repeating: 0, count: 1500)
        while ContinuousClock.now < deadline {
            if ContinuousClock.now >= retransmitAt {
                let sent = server.withSockaddr { pointer, length in
                    bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, pointer, length) }
                }
                if sent < 0 { return .failure(.system("sendto", errno)) }
                retransmitAt = ContinuousClock.now + interval
                interval *= 2
            }
            let wait = min(retransmitAt, deadline) - ContinuousClock.now
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: max(1, wait.milliseconds)))
            if ready < 0 && errno != EINTR { return .failure(.system("poll", errno)) }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                // ICMP port unreachable shows up as ECONNREFUSED on the next read of a UDP socket.
                return .failure(.system("recv", errno))
            }
            guard let answer = try? STUNMessage(decoding: Array(buffer[0..<count])),
                answer.transactionID == transaction, answer.method == .binding
            else { continue }
            guard answer.messageClass == .success else {
                return .failure(.protocolError("the server answered with an error: \(answer.errorCode.map { "\($0)" } ?? "no code")"))
            }
            guard let mapped = answer.mappedAddress else {
                return .failure(.protocolError("the Binding response has no XOR-MAPPED-ADDRESS"))
            }
            return .success(mapped)
        }
        return .failure(.timedOut)
    }

    /// Why a probe failed, worded for the report.
    enum ProbeError: Error, Equatable, CustomStringConvertible {
        case timedOut
        case system(String, Int32)
        case protocolError(String)

        var description: String {
            switch self {
            case .timedOut: "no answer in time"
            case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
            case .protocolError(let text): text
            }
        }
    }
}
