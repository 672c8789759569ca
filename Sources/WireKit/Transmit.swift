/// The transport a candidate or a datagram uses.
public enum TransportProtocol: String, Hashable, Sendable {
    case udp
    case tcp
    case tls
}

/// A datagram a sans-IO core asks the I/O layer to send.
public struct Transmit: Sendable, Equatable {
    public var transport: TransportProtocol
    /// The local address to send from (the socket it leaves by).
    public var source: SocketAddress
    public var destination: SocketAddress
    public var payload: [UInt8]

    public init(transport: TransportProtocol = .udp, source: SocketAddress, destination: SocketAddress, payload: [UInt8]) {
        self.transport = transport
        self.source = source
        self.destination = destination
        self.payload = payload
    }
}
