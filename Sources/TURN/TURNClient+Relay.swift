import STUN
import WireKit

/// Why ``TURNClient/send(_:to:now:)`` could not relay data (RFC 8656 §10.1, §12.4).
public enum TURNSendError: Error, Hashable, Sendable {
    /// There is no allocation to relay through (not yet made, failed or closed).
    case noAllocation
    /// The data does not fit in one Send indication or ChannelData message.
    case dataTooLong(Int)
}

extension TURNClient {
    /// Relays `data` to `peer` (RFC 8656 §10.1, §12.4): ChannelData when a channel to the peer
    /// is bound, a Send indication otherwise. When no permission for the peer's IP exists
    /// yet, one is requested; the server drops data until it is installed, as it would for
    /// any lost datagram.
    public mutating func send(
        _ data: some Collection<UInt8>, to peer: SocketAddress, now: Instant
    ) throws(TURNSendError) {
        guard case .allocated = state else { throw .noAllocation }
        // The largest DATA a STUN message holds with room for its other attributes.
        guard data.count <= 0xFFFF - 64 else { throw .dataTooLong(data.count) }
        if permissions[peer.ip] == nil { requestPermission(peer.ip, now: now) }
        if let channel = channels[peer], channel.isBound {
            var writer = ByteWriter(capacity: 4 + data.count + 3)
            do {
                try ChannelData.encode(
                    channelNumber: channel.number, data: data, into: &writer, padded: configuration.isStream)
            } catch {
                throw .dataTooLong(data.count)
            }
            enqueue(writer.take())
            return
        }
        let indication = STUNMessage.sendIndication(
            transactionID: TransactionID.random(using: &random), peer: peer, data: Array(data))
        guard let payload = try? indication.encode() else { throw .dataTooLong(data.count) }
        enqueue(payload)
    }

    /// Bytes from the server: one datagram over UDP, any chunk of the byte stream over TCP/TLS.
    public mutating func handleReceived(_ bytes: [UInt8], now: Instant) {
        guard configuration.isStream else {
            handleMessage(bytes[...], now: now)
            return
        }
        framer.append(bytes)
        while true {
            let message: [UInt8]?
            do { message = try framer.nextMessage() } catch {
                if isLive { fail(.streamDesynchronized) }
                return
            }
            guard let message else { return }
            handleMessage(message[...], now: now)
        }
    }

    private var isLive: Bool {
        switch state {
        case .allocating, .allocated, .deallocating: true
        case .idle, .failed, .closed: false
        }
    }

    /// One whole STUN or ChannelData message (RFC 7983 first-byte demultiplexing).
    private mutating func handleMessage(_ bytes: ArraySlice<UInt8>, now: Instant) {
        guard let first = bytes.first else {
            statistics.malformed += 1
            return
        }
        if (0x40...0x4F).contains(first) {
            handleChannelData(bytes)
            return
        }
        let message: STUNMessage
        do { message = try STUNMessage(decoding: bytes) } catch {
            statistics.malformed += 1
            return
        }
        switch message.messageClass {
        case .success, .error:
            handleResponse(message, raw: bytes, now: now)
        case .indication where message.method == .data:
            handleDataIndication(message)
        case .indication, .request:
            statistics.unexpectedMessages += 1
        }
    }

    private mutating func handleChannelData(_ bytes: ArraySlice<UInt8>) {
        let parsed: (channelNumber: UInt16, data: ArraySlice<UInt8>)
        do { parsed = try ChannelData.parse(bytes) } catch {
            statistics.malformed += 1
            return
        }
        guard case .allocated = state, let peer = peersByChannel[parsed.channelNumber] else {
            statistics.unknownChannel += 1
            return
        }
        events.append(.dataReceived(peer: peer, data: Array(parsed.data)))
    }

    /// RFC 8656 §10.4: a Data indication without XOR-PEER-ADDRESS or DATA is discarded.
    private mutating func handleDataIndication(_ message: STUNMessage) {
        guard case .allocated = state else {
            statistics.unexpectedMessages += 1
            return
        }
        guard let indication = try? TURNDataIndication(message) else {
            statistics.malformed += 1
            return
        }
        events.append(.dataReceived(peer: indication.peer, data: indication.data))
    }
}
