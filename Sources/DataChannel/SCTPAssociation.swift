import CUsrsctp

/// One SCTP association over DTLS carrying WebRTC data channels (RFC 8831 §5–6, with DCEP from
/// RFC 8832), backed by a usrsctp AF_CONN socket that this object owns and closes in `deinit`.
///
/// Sans-IO in shape: the owner feeds the SCTP packets DTLS decrypted with ``handle(packet:)``,
/// takes packets to encrypt with ``pollTransmit()``, reads ``pollEvent()``, and drives timers
/// with ``SCTPLibrary/handleTimers(elapsedMilliseconds:)``. Every call must come from one thread
/// (the event loop): the socket is non-blocking and read only from these calls, never from a
/// usrsctp callback.
///
/// Both sides call `connect` (RFC 8831 §6.2), which SCTP resolves as an INIT collision
/// (RFC 9260 §5.2.1) into one association.
public final class SCTPAssociation {
    public let configuration: SCTPConfiguration
    public internal(set) var state: SCTPAssociationState = .connecting
    var stats = SCTPStatistics()

    let socket: OpaquePointer
    let token: UInt
    let route: SCTPRoute
    var address: UnsafeMutableRawPointer

    var channelTable: [UInt16: ChannelRecord] = [:]
    var pending = FIFO<PendingItem>()
    var pendingBytes = 0
    var events = FIFO<DataChannelEvent>()
    /// Partial deliveries of messages larger than one read, by stream.
    var reassembly: [UInt16: InboundMessage] = [:]
    var notificationBuffer: [UInt8] = []
    var negotiatedOutboundStreams: UInt16
    var negotiatedInboundStreams: UInt16
    var reachedEndOfFile = false

    /// Creates the socket, applies the WebRTC options and sends INIT (which is waiting in
    /// ``pollTransmit()`` on return).
    public init(configuration: SCTPConfiguration) throws(SCTPError) {
        SCTPLibrary.initialize()
        self.configuration = configuration
        negotiatedOutboundStreams = configuration.streamCount
        negotiatedInboundStreams = configuration.streamCount
        let route = SCTPRoute()
        let token = SCTPLibrary.register(route)
        guard let address = UnsafeMutableRawPointer(bitPattern: token), let socket = kvs_sctp_socket() else {
            SCTPLibrary.unregister(token)
            throw .systemCall(operation: "usrsctp_socket", errno: kvs_sctp_errno())
        }
        self.route = route
        self.token = token
        self.address = address
        self.socket = socket
        usrsctp_register_address(address)
        do throws(SCTPError) {
            try Self.configure(socket, configuration)
            try check(kvs_sctp_bind(socket, address, configuration.localPort), "usrsctp_bind")
            if kvs_sctp_connect(socket, address, configuration.remotePort) != 0 {
                let error = kvs_sctp_errno()
                guard error == EINPROGRESS else {
                    throw .systemCall(operation: "usrsctp_connect", errno: error)
                }
            }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// Aborts the association (SO_LINGER 0) and removes the route, so anything usrsctp still
    /// emits for this token afterwards is dropped.
    private func release() {
        usrsctp_close(socket)
        usrsctp_deregister_address(address)
        SCTPLibrary.unregister(token)
    }

    /// Options WebRTC needs (RFC 8831 §6.2): non-blocking, stream reset and PR-SCTP on,
    /// no Nagle delay, notifications for the events the owner sees, fixed MTU, large buffers.
    private static func configure(_ socket: OpaquePointer, _ configuration: SCTPConfiguration) throws(SCTPError) {
        let one: Int32 = 1
        try checkStatic(usrsctp_set_non_blocking(socket, one), "usrsctp_set_non_blocking")
        try checkStatic(kvs_sctp_set_abortive_close(socket), "SO_LINGER")
        try checkStatic(
            kvs_sctp_set_buffer_sizes(
                socket, Int32(clamping: configuration.sendBufferSize), Int32(clamping: configuration.receiveBufferSize)),
            "SO_SNDBUF/SO_RCVBUF")
        try checkStatic(kvs_sctp_set_sctp_int(socket, SCTP_NODELAY, one), "SCTP_NODELAY")
        try checkStatic(kvs_sctp_set_sctp_int(socket, SCTP_RECVRCVINFO, one), "SCTP_RECVRCVINFO")
        try checkStatic(kvs_sctp_set_assoc_value(socket, SCTP_ECN_SUPPORTED, 0), "SCTP_ECN_SUPPORTED")
        try checkStatic(kvs_sctp_set_assoc_value(socket, SCTP_PR_SUPPORTED, 1), "SCTP_PR_SUPPORTED")
        try checkStatic(kvs_sctp_set_assoc_value(socket, SCTP_RECONFIG_SUPPORTED, 1), "SCTP_RECONFIG_SUPPORTED")
        try checkStatic(kvs_sctp_enable_stream_reset(socket), "SCTP_ENABLE_STREAM_RESET")
        try checkStatic(
            kvs_sctp_set_streams(socket, configuration.streamCount, configuration.streamCount), "SCTP_INITMSG")
        try checkStatic(kvs_sctp_set_path_mtu(socket, configuration.pathMTU), "SCTP_PEER_ADDR_PARAMS")
        let events: [Int32] = [
            SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_STREAM_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT,
        ]
        for event in events {
            try checkStatic(kvs_sctp_subscribe(socket, UInt16(event)), "SCTP_EVENT")
        }
    }

    private static func checkStatic(_ result: Int32, _ operation: String) throws(SCTPError) {
        guard result == 0 else { throw .systemCall(operation: operation, errno: kvs_sctp_errno()) }
    }

    private func check(_ result: Int32, _ operation: String) throws(SCTPError) {
        try Self.checkStatic(result, operation)
    }

    // MARK: Input and output

    /// Feeds one SCTP packet that arrived as DTLS application data. Malformed packets are
    /// counted in ``statistics`` and otherwise ignored.
    public func handle(packet: [UInt8]) {
        handle(packet: packet[...])
    }

    public func handle(packet: ArraySlice<UInt8>) {
        stats.packetsReceived &+= 1
        stats.bytesReceived &+= packet.count
        // An SCTP common header is 12 bytes; anything shorter cannot be a packet.
        guard packet.count >= 12, isActive else {
            if packet.count < 12 { stats.malformedPackets &+= 1 }
            return
        }
        let droppedBefore = kvs_sctp_dropped_inbound_packets()
        packet.withUnsafeBytes { bytes in
            usrsctp_conninput(address, bytes.baseAddress, bytes.count, 0)
        }
        let droppedAfter = kvs_sctp_dropped_inbound_packets()
        stats.malformedPackets &+= Int(droppedAfter &- droppedBefore)
        service()
    }

    /// The next SCTP packet to hand to DTLS, or nil when there is none right now.
    public func pollTransmit() -> [UInt8]? {
        if route.isEmpty { service() }
        guard let packet = route.dequeue() else { return nil }
        stats.packetsSent &+= 1
        stats.bytesSent &+= packet.count
        return packet
    }

    /// The next event, or nil. Reading events also reads what timers left in the socket.
    public func pollEvent() -> DataChannelEvent? {
        if events.isEmpty { service() }
        return events.popFirst()
    }

    /// Counters so far.
    public var statistics: SCTPStatistics { stats }

    /// The largest message ``send(_:on:isBinary:)`` accepts (RFC 8841 §6).
    public var maxMessageSize: Int { configuration.effectiveMaxMessageSize }

    /// Bytes accepted by ``send(_:on:isBinary:)`` but not yet taken by usrsctp.
    public var bufferedAmount: Int { pendingBytes }

    var isActive: Bool {
        switch state {
        case .connecting, .established, .shuttingDown: return true
        case .closed, .failed: return false
        }
    }

    /// Reads the socket and moves queued work into usrsctp: what follows every input.
    func service() {
        guard isActive || !reachedEndOfFile else { return }
        drainSocket()
        flushPending()
    }

    /// Starts a graceful SHUTDOWN once everything queued so far is sent; the owner sees
    /// ``DataChannelEvent/associationClosed`` when it completes.
    public func close() {
        guard isActive else { return }
        enqueue(.shutdown)
        flushPending()
    }
}

/// A first-in first-out queue that pops in O(1) and drops its storage when it drains.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head >= items.count }
    var count: Int { items.count - head }
    var first: Element? { isEmpty ? nil : items[head] }

    mutating func append(_ item: Element) { items.append(item) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.count <= 64)
            head = 0
        } else if head >= 1024, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    var elements: ArraySlice<Element> { items[head...] }
}
