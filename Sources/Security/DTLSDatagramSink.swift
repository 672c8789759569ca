import COpenSSL

/// Collects what OpenSSL writes into datagrams of at most `mtu` bytes.
///
/// A plain memory BIO is a byte stream, which would lose the record grouping DTLS needs
/// (RFC 6347 §4.1.1: records must not span datagrams). This sink is the write BIO: OpenSSL
/// writes whole records, asks `BIO_wpending` how full the current datagram is when fragmenting
/// handshake messages, and flushes at the end of each flight — the datagram boundaries.
final class DTLSDatagramSink {
    var mtu: Int
    private var current: [UInt8] = []
    private var queue: [[UInt8]] = []
    private var head = 0

    init(mtu: Int) { self.mtu = mtu }

    var pendingInCurrent: Int { current.count }

    func write(_ bytes: UnsafeRawBufferPointer) {
        if !current.isEmpty && current.count + bytes.count > mtu { closeDatagram() }
        current.append(contentsOf: bytes)
    }

    func closeDatagram() {
        guard !current.isEmpty else { return }
        queue.append(current)
        current = []
    }

    func next() -> [UInt8]? {
        closeDatagram()
        guard head < queue.count else { return nil }
        let datagram = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return datagram
    }

    func discardAll() {
        current = []
        queue.removeAll()
        head = 0
    }

    /// A write BIO whose data pointer refers (unretained) to `self`; the owner keeps the sink
    /// alive for as long as the `SSL` holding the BIO.
    func makeBIO() -> OpaquePointer? {
        guard let method = DTLSDatagramBIOMethod.shared.method, let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
        return bio
    }

    fileprivate static func from(_ bio: OpaquePointer?) -> DTLSDatagramSink? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<DTLSDatagramSink>.fromOpaque(data).takeUnretainedValue()
    }
}

/// The `BIO_METHOD` of ``DTLSDatagramSink``, created once per process (OpenSSL has only a
/// couple of hundred custom BIO type indices). Never freed; immutable after creation.
final class DTLSDatagramBIOMethod: @unchecked Sendable {
    static let shared = DTLSDatagramBIOMethod()
    let method: OpaquePointer?

    private init() {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        guard let method = BIO_meth_new(type, "kvs DTLS datagram sink") else {
            self.method = nil
            return
        }
        BIO_meth_set_write(method) { bio, data, length in
            guard let sink = DTLSDatagramSink.from(bio), let data, length > 0 else { return 0 }
            sink.write(UnsafeRawBufferPointer(start: data, count: Int(length)))
            return length
        }
        BIO_meth_set_ctrl(method) { bio, command, _, _ in
            guard let sink = DTLSDatagramSink.from(bio) else { return 0 }
            switch command {
            case BIO_CTRL_FLUSH:
                sink.closeDatagram()
                return 1
            case BIO_CTRL_WPENDING:
                return sink.pendingInCurrent
            case BIO_CTRL_DGRAM_QUERY_MTU, BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
                return sink.mtu
            default:
                return 0
            }
        }
        BIO_meth_set_create(method) { bio in
            BIO_set_init(bio, 0)
            return 1
        }
        BIO_meth_set_destroy(method) { bio in
            BIO_set_data(bio, nil)
            return 1
        }
        self.method = method
    }
}
