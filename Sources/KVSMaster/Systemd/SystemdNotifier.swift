#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The sd_notify protocol spoken directly (systemd's sd_notify(3)): newline-separated
/// `VARIABLE=value` assignments in one datagram on the AF_UNIX socket named by `$NOTIFY_SOCKET`
/// (a path, or `@name` for the abstract namespace). Without `$NOTIFY_SOCKET` (not started
/// by systemd with Type=notify) every call does nothing. Owns its socket.
public final class SystemdNotifier: Sendable {
    /// The socket address; nil when notifications are off.
    let address: [UInt8]?
    let descriptor: Int32
    /// How often to send WATCHDOG=1: half of `$WATCHDOG_USEC` (sd_watchdog_enabled(3)), when
    /// the watchdog is on for this process (`$WATCHDOG_PID` unset or ours).
    public let watchdogInterval: Duration?

    /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from `environment`.
    public init(environment: [String: String], processID: Int32 = getpid()) {
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == processID }) ?? true
        {
            interval = .microseconds(micros / 2)
        }
        watchdogInterval = interval
        guard let socketName = environment["NOTIFY_SOCKET"], let bytes = Self.addressBytes(socketName) else {
            address = nil
            descriptor = -1
            return
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        address = fd >= 0 ? bytes : nil
        descriptor = fd
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether systemd is listening (NOTIFY_SOCKET was usable).
    public var isEnabled: Bool { address != nil }

    /// `sun_path` bytes: a filesystem path, or a leading NUL for `@abstract` names. Nil if the
    /// name is empty, too long for `sun_path`, or neither absolute nor abstract.
    static func addressBytes(_ name: String) -> [UInt8]? {
        var bytes = Array(name.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        if first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard bytes.count > 1, bytes.count < capacity, !bytes.dropFirst().contains(0) else { return nil }
        return bytes
    }

    /// READY=1: startup finished (signaling connected).
    @discardableResult public func ready(status: String? = nil) -> Bool {
        send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// STATUS=…: one line shown by `systemctl status`.
    @discardableResult public func status(_ text: String) -> Bool { send(["STATUS=\(Self.oneLine(text))"]) }

    /// WATCHDOG=1: the main loop is alive; send every `watchdogInterval`.
    @discardableResult public func watchdog() -> Bool { send(["WATCHDOG=1"]) }

    /// STOPPING=1: shutdown has begun.
    @discardableResult public func stopping(status: String? = nil) -> Bool {
        send(["STOPPING=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// Sends the assignments in one datagram; false when notifications are off or sendto failed.
    @discardableResult public func send(_ assignments: [String]) -> Bool {
        guard let address, !assignments.isEmpty else { return false }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
        }
        // Abstract names are exactly as long as given; paths include their terminating NUL.
        let pathLength = address.first == 0 ? address.count : address.count + 1
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathLength)
        let payload = Array(assignments.joined(separator: "\n").utf8)
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
                }
            }
        }
        return sent == payload.count
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
