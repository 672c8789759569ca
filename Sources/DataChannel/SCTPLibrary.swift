import CUsrsctp
import Synchronization

/// Process-wide usrsctp state (RFC 8831 §5: SCTP over DTLS). The daemon drives usrsctp's timers
/// from its event loop, so the stack is initialized without its own threads
/// (`usrsctp_init_nothreads`) and in AF_CONN mode: SCTP packets are handed to and from DTLS in
/// memory, never to kernel sockets.
///
/// usrsctp has a single output callback for the whole process. Every association registers a
/// fresh numeric token as its AF_CONN address; the callback looks the token up in ``routes`` and
/// appends the packet to that association's outbound queue. Tokens are never reused, so a packet
/// that usrsctp emits for an association that is gone (a retransmission timer firing after the
/// owner freed it, say) finds no route and is dropped instead of reaching freed memory.
public enum SCTPLibrary {
    private static let initialized: Bool = {
        usrsctp_init_nothreads(0, sctpConnOutput, nil)
        // After init: usrsctp_init resets every sysctl to its compiled-in default.
        configureDefaults()
        return true
    }()

    /// Initializes usrsctp once per process (idempotent).
    public static func initialize() { _ = initialized }

    /// Runs usrsctp's timers that are due; the event loop calls this on its timer tick
    /// (``recommendedTickMilliseconds``). Packets the timers produce land in the owning
    /// association's queue (``SCTPAssociation/pollTransmit()``), and notifications are read the
    /// next time the owner polls it.
    ///
    /// Pass the real time elapsed since the last call. usrsctp fires timers on this tick count
    /// but decides what to retransmit, and when a heartbeat is due, from the wall clock: a
    /// tick that runs ahead of real time makes retransmission timers expire without resending
    /// anything, and the association eventually fails.
    public static func handleTimers(elapsedMilliseconds: UInt32) {
        initialize()
        usrsctp_handle_timers(elapsedMilliseconds)
    }

    /// How often the event loop should call ``handleTimers(elapsedMilliseconds:)`` while any
    /// association exists. usrsctp has no "next deadline" query, and its finest timer (delayed
    /// SACK) is tens of milliseconds, so a 10 ms tick is precise enough and cheap.
    public static let recommendedTickMilliseconds: UInt32 = 10

    /// The SCTP association limit usrsctp reports, as a liveness check of the library.
    public static var maxRetransmissionsInit: UInt32 { usrsctp_sysctl_get_sctp_init_rtx_max_default() }

    /// Number of associations alive in this process.
    public static var associationCount: Int { routes.withLock { $0.table.count } }

    /// Global stack settings for WebRTC (RFC 8831 §6.2): PR-SCTP and stream reconfiguration on,
    /// ECN and ASCONF off (one path, inside DTLS), shorter RTO bounds than the RFC 4960 defaults
    /// so a lost packet on a camera link does not stall a channel for a minute.
    private static func configureDefaults() {
        _ = usrsctp_sysctl_set_sctp_ecn_enable(0)
        _ = usrsctp_sysctl_set_sctp_pr_enable(1)
        _ = usrsctp_sysctl_set_sctp_reconfig_enable(1)
        _ = usrsctp_sysctl_set_sctp_asconf_enable(0)
        _ = usrsctp_sysctl_set_sctp_auto_asconf(0)
        _ = usrsctp_sysctl_set_sctp_nrsack_enable(0)
        _ = usrsctp_sysctl_set_sctp_pktdrop_enable(0)
        _ = usrsctp_sysctl_set_sctp_rto_initial_default(1000)
        _ = usrsctp_sysctl_set_sctp_rto_min_default(200)
        _ = usrsctp_sysctl_set_sctp_rto_max_default(10_000)
        _ = usrsctp_sysctl_set_sctp_init_rto_max_default(10_000)
        _ = usrsctp_sysctl_set_sctp_delayed_sack_time_default(20)
        // usrsctp counts queued chunks per association; 1200-byte packets with a 1 MiB window
        // need more than the default 512 or the receiver drops chunks it could buffer.
        _ = usrsctp_sysctl_set_sctp_max_chunks_on_queue(10 * 1024)
    }

    // MARK: Routing of outbound packets

    struct RouteTable: ~Copyable {
        var table: [UInt: SCTPRoute] = [:]
        var nextToken: UInt = 1
    }

    static let routes = Mutex(RouteTable())

    /// Registers a new route and returns its token (never 0, never reused).
    static func register(_ route: SCTPRoute) -> UInt {
        routes.withLock { state in
            let token = state.nextToken
            state.nextToken &+= 1
            state.table[token] = route
            return token
        }
    }

    static func unregister(_ token: UInt) {
        _ = routes.withLock { $0.table.removeValue(forKey: token) }
    }

    static func route(for token: UInt) -> SCTPRoute? {
        routes.withLock { $0.table[token] }
    }
}

/// usrsctp's `conn_output`: called inside usrsctp (from `usrsctp_connect`, `usrsctp_sendv`,
/// `usrsctp_conninput`, `usrsctp_handle_timers`, …) for every packet to send. It only copies the
/// packet into the owner's queue; calling back into usrsctp from here would re-enter its locks.
private func sctpConnOutput(
    _ address: UnsafeMutableRawPointer?, _ buffer: UnsafeMutableRawPointer?, _ length: Int,
    _ tos: UInt8, _ setDF: UInt8
) -> Int32 {
    guard let address, let buffer, length > 0,
        let route = SCTPLibrary.route(for: UInt(bitPattern: address))
    else { return 0 }
    route.enqueue(Array(UnsafeRawBufferPointer(start: buffer, count: length)))
    return 0
}

/// The outbound packet queue of one association, shared with the global output callback.
/// A lock guards it because usrsctp may emit packets from any thread that calls into it
/// (a timer tick run elsewhere, for instance), even though the owner polls from one thread.
final class SCTPRoute: Sendable {
    private struct Queue {
        var packets = FIFO<[UInt8]>()
        var count = 0
        var bytes = 0
    }

    private let queue = Mutex(Queue())

    func enqueue(_ packet: [UInt8]) {
        queue.withLock { q in
            q.packets.append(packet)
            q.count &+= 1
            q.bytes &+= packet.count
        }
    }

    func dequeue() -> [UInt8]? {
        queue.withLock { $0.packets.popFirst() }
    }

    var isEmpty: Bool { queue.withLock { $0.packets.isEmpty } }

    /// Packets and bytes ever enqueued (for statistics).
    var totals: (packets: Int, bytes: Int) { queue.withLock { ($0.count, $0.bytes) } }
}
