import CKVSShims
import Glibc

/// Readiness of a file descriptor, with epoll's bit values (so no translation is needed).
public struct IOEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readable = IOEvents(rawValue: EPOLLIN.rawValue)
    public static let writable = IOEvents(rawValue: EPOLLOUT.rawValue)
    /// Always reported, never requested (epoll semantics).
    public static let error = IOEvents(rawValue: EPOLLERR.rawValue)
    /// Always reported, never requested (epoll semantics).
    public static let hangup = IOEvents(rawValue: EPOLLHUP.rawValue)

    public var description: String {
        let names: [(IOEvents, String)] = [(.readable, "r"), (.writable, "w"), (.error, "err"), (.hangup, "hup")]
        return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ",") + "]"
    }
}

/// A registered file descriptor, identified by a token unique for the loop's lifetime.
public struct IORegistration: Hashable, Sendable {
    let token: UInt64
}

/// File descriptor registration.
///
/// Level-triggered, by choice: a handler that stops reading early (to be fair to other sockets)
/// is simply called again on the next iteration, and nothing is lost if it forgets to drain to
/// EAGAIN. Edge-triggered would save a few epoll returns under load but makes every handler
/// responsible for draining completely, which is the classic source of stalls.
///
/// Each registration gets a token (epoll's `data.u64`), so an event for a descriptor that was
/// closed and whose number was reused within one `epoll_wait` batch is recognised as stale.
/// Call these on the loop thread (from the owning actor or from handlers); `deregister` is the
/// exception, so that a socket's `deinit` may run anywhere.
extension EventLoop {
    /// Watches `fd` for `events` (the interest: `.readable`, `.writable` or both); `handler` runs
    /// on the loop thread with the events that occurred (`.error`/`.hangup` may appear unrequested).
    /// The caller keeps ownership of `fd` and must `deregister` before closing it.
    public func register(
        fd: Int32, events interest: IOEvents, handler: @escaping (IOEvents) -> Void
    ) throws(EventLoopError) -> IORegistration {
        assert(isOnLoopThread, "EventLoop.register called off the loop thread")
        guard !isShutDown else { throw .stopped }
        let token = nextToken
        nextToken &+= 1
        var event = epoll_event()
        event.events = Self.epollMask(interest)
        event.data.u64 = token
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw .system(.epollControl, errno: kvs_errno())
        }
        registrations[token] = Registration(fd: fd, interest: interest, handler: handler)
        tokenByFD[fd] = token
        return IORegistration(token: token)
    }

    /// Changes the interest set (e.g. adds `.writable` while a TCP send buffer is non-empty).
    /// Does nothing, and makes no syscall, when the interest is unchanged.
    public func modify(_ registration: IORegistration, events interest: IOEvents) throws(EventLoopError) {
        assert(isOnLoopThread, "EventLoop.modify called off the loop thread")
        guard var entry = registrations[registration.token] else { throw .notRegistered }
        guard entry.interest != interest else { return }
        var event = epoll_event()
        event.events = Self.epollMask(interest)
        event.data.u64 = registration.token
        guard epoll_ctl(epollFD, EPOLL_CTL_MOD, entry.fd, &event) == 0 else {
            throw .system(.epollControl, errno: kvs_errno())
        }
        entry.interest = interest
        registrations[registration.token] = entry
    }

    /// Stops watching and releases the handler. From another thread (a socket's `deinit`) the
    /// removal is queued to the loop thread. If the descriptor number now belongs to a newer
    /// registration (the owner closed it first and the kernel reused it), epoll is left alone.
    public func deregister(_ registration: IORegistration) {
        guard isOnLoopThread else {
            execute { self.deregister(registration) }
            return
        }
        guard let entry = registrations.removeValue(forKey: registration.token) else { return }
        guard tokenByFD[entry.fd] == registration.token else { return }
        tokenByFD[entry.fd] = nil
        var event = epoll_event()
        // Fails with EBADF/ENOENT when the owner closed the fd already; the kernel then removed it.
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, entry.fd, &event)
    }

    /// The number of live registrations (for tests and metrics).
    public var registrationCount: Int {
        assert(isOnLoopThread)
        return registrations.count
    }

    static func epollMask(_ interest: IOEvents) -> UInt32 {
        interest.rawValue & (EPOLLIN.rawValue | EPOLLOUT.rawValue)
    }
}
