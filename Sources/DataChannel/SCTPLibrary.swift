import CUsrsctp

/// Process-wide usrsctp state. The daemon drives usrsctp's timers from its event loop, so the
/// stack is initialized without its own threads (`usrsctp_init_nothreads`) and in AF_CONN mode
/// (SCTP packets are handed to and from DTLS in memory, no kernel sockets).
public enum SCTPLibrary {
    private static let initialized: Bool = {
        usrsctp_init_nothreads(0, { _, _, _, _, _ in 0 }, nil)
        return true
    }()

    /// Initializes usrsctp once per process (idempotent).
    public static func initialize() { _ = initialized }

    /// Runs usrsctp's timers that are due; the event loop calls this on its timer tick.
    public static func handleTimers(elapsedMilliseconds: UInt32) {
        usrsctp_handle_timers(elapsedMilliseconds)
    }

    /// The SCTP association limit usrsctp reports, as a liveness check of the library.
    public static var maxRetransmissionsInit: UInt32 { usrsctp_sysctl_get_sctp_init_rtx_max_default() }
}
