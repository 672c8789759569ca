import EventLoop
import ICE
import KVSCrypto
import STUN
import TURN
import WireKit

/// One TURN server's allocation (RFC 8656): the sans-IO client and the socket, TCP connection
/// or TLS stream that carries its messages.
struct Relay {
    enum Link {
        case none
        case udp(UDPSocket)
        case tcp(TCPConnection)
        /// TLS over TCP (`turns:`): the client starts once the handshake is done.
        case tls(TCPConnection, TLSClientStream)
    }

    let id: RelayID
    let server: ICETURNServer
    var client: TURNClient
    var link: Link = .none
    /// Datagrams for peers whose permission is being installed (RFC 8656 §9), per peer IP.
    var waiting: [IPAddress: [(peer: SocketAddress, payload: [UInt8])]] = [:]

    init(id: RelayID, server: ICETURNServer) {
        self.id = id
        self.server = server
        // Over TCP the local address is only known once connected; the client merely copies
        // it into its transmits, which the connection ignores.
        let configuration = TURNClientConfiguration(
            server: server.address, transport: server.transport,
            localAddress: SocketAddress(ip: Self.wildcard(like: server.address.ip), port: 0),
            credentials: server.credentials)
        client = TURNClient(configuration: configuration, random: SecureRandom())
    }

    /// `0.0.0.0` or `::`, the family of `ip`.
    static func wildcard(like ip: IPAddress) -> IPAddress {
        ip.isIPv4 ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0))
    }

    mutating func closeLink() {
        switch link {
        case .none: break
        case .udp(let socket): socket.close()
        case .tcp(let connection): connection.close()
        case .tls(let connection, let stream):
            // close_notify goes out if the kernel takes it at once; nothing waits for it.
            let closeNotify = stream.close()
            if !closeNotify.isEmpty { try? connection.write(closeNotify) }
            connection.close()
        }
        link = .none
    }
}

extension ICETransport {
    /// Opens the relay's socket or connection and starts its Allocate; false when the relay
    /// cannot be used (reported as an event).
    func openRelay(_ index: Int, now: Instant) -> Bool {
        let relay = relays[index]
        let id = relay.id
        do throws(ICETransportError) {
            switch relay.server.transport {
            case .udp:
                let wildcard = Relay.wildcard(like: relay.server.address.ip)
                let socket: UDPSocket
                do throws(SocketError) {
                    socket = try UDPSocket(bindingTo: SocketAddress(ip: wildcard, port: 0), options: socketOptions)
                    try socket.startReceiving(on: loop) { [weak self] datagram in
                        self?.receiveRelayDatagram(datagram, relay: id)
                    }
                } catch {
                    throw .socket(error)
                }
                relays[index].link = .udp(socket)
                relays[index].client.start(now: now)
            case .tcp:
                let connection: TCPConnection
                do throws(SocketError) {
                    connection = try TCPConnection.connect(to: relay.server.address, on: loop) { [weak self] event in
                        self?.handleRelayConnection(event, relay: id)
                    }
                } catch {
                    throw .socket(error)
                }
                relays[index].link = .tcp(connection)
            case .tls:
                relays[index].link = try openTLSLink(relay.server, relay: id)
            }
            return true
        } catch {
            queue(.relayUnavailable(id, error))
            return false
        }
    }

    func receiveRelayDatagram(_ datagram: UDPSocket.Datagram, relay id: RelayID) {
        guard phase == .running, let index = relayIndex(id) else { return }
        guard datagram.source == relays[index].server.address else {
            statistics.strayRelayDatagrams += 1
            return
        }
        guard !datagram.truncated else {
            statistics.truncatedDatagrams += 1
            return
        }
        relays[index].client.handleReceived(datagram.payload, now: loop.now)
        pump()
    }

    func handleRelayConnection(_ event: TCPConnection.Event, relay id: RelayID) {
        guard phase == .running, let index = relayIndex(id) else { return }
        let now = loop.now
        switch event {
        case .connected:
            relays[index].client.start(now: now)
        case .received(let bytes):
            relays[index].client.handleReceived(bytes, now: now)
        case .drained:
            return
        case .connectFailed(let error):
            relayLost(index, .connection(error), now: now)
        case .closed(let error):
            relayLost(index, .connection(error), now: now)
        }
        pump()
    }

    /// The connection to the server is gone: the allocation cannot be used or refreshed.
    func relayLost(_ index: Int, _ error: ICETransportError, now: Instant) {
        let id = relays[index].id
        relays[index].closeLink()
        statistics.relayDropped += relays[index].waiting.values.reduce(0) { $0 + $1.count }
        relays[index].waiting = [:]
        let wasAllocated = relays[index].client.phase == .allocated
        // Nothing can reach the server any more; the client's state ends here.
        relays[index].client.close(now: now)
        while relays[index].client.pollTransmit() != nil {}
        while relays[index].client.pollEvent() != nil {}
        if !wasAllocated { agent.relayAllocationFailed(id, now: now) }
        queue(.relayUnavailable(id, error))
    }

    // MARK: - Agent → relay

    /// A check or data the agent sends through a relay: at once when the peer's permission is
    /// installed, else after it (the permission is requested here).
    func relayTransmit(_ transmit: RelayTransmit, now: Instant) {
        guard let index = relayIndex(transmit.relay), relays[index].client.phase == .allocated else {
            statistics.relayDropped += 1
            return
        }
        let ip = transmit.peer.ip
        if relays[index].client.hasPermission(for: ip) {
            sendThroughRelay(index, transmit.payload, to: transmit.peer, now: now)
            return
        }
        var queued = relays[index].waiting[ip, default: []]
        if queued.count >= configuration.maxQueuedPerPermission {
            queued.removeFirst()
            statistics.relayDropped += 1
        }
        queued.append((transmit.peer, transmit.payload))
        relays[index].waiting[ip] = queued
        statistics.relayQueued += 1
        relays[index].client.createPermission(for: ip, now: now)
    }

    func sendThroughRelay(_ index: Int, _ payload: [UInt8], to peer: SocketAddress, now: Instant) {
        do throws(TURNSendError) {
            try relays[index].client.send(payload, to: peer, now: now)
        } catch {
            statistics.relayDropped += 1
        }
    }

    /// The selected pair is relayed: bind a channel to the peer so data goes as ChannelData
    /// (RFC 8656 §12), 4 bytes of overhead instead of 36.
    func selectedPairChanged(_ pair: ICESelectedPair, now: Instant) {
        guard let relay = pair.local.relay, let index = relayIndex(relay),
            relays[index].client.phase == .allocated
        else { return }
        relays[index].client.bindChannel(to: pair.remote.address, now: now)
    }

    // MARK: - Relay → agent, network and owner

    /// Sends the client's messages to its server and acts on its events. Returns whether
    /// anything happened (so the pump runs again).
    func drainRelay(_ index: Int, now: Instant) -> Bool {
        var progressed = flushTransmits(index)
        while let event = relays[index].client.pollEvent() {
            progressed = true
            handleRelayEvent(event, index: index, now: now)
        }
        if flushTransmits(index) { progressed = true }
        return progressed
    }

    @discardableResult
    func flushTransmits(_ index: Int) -> Bool {
        var any = false
        while let transmit = relays[index].client.pollTransmit() {
            any = true
            switch relays[index].link {
            case .none:
                statistics.sendFailures += 1
            case .udp(let socket):
                if case .sent = socket.send(transmit.payload, to: transmit.destination) {
                    statistics.datagramsSent += 1
                } else {
                    statistics.sendFailures += 1
                }
            case .tcp(let connection):
                do throws(SocketError) {
                    try connection.write(transmit.payload)
                    statistics.datagramsSent += 1
                } catch {
                    statistics.sendFailures += 1
                }
            case .tls(let connection, let stream):
                do {
                    try connection.write(try stream.write(transmit.payload))
                    statistics.datagramsSent += 1
                } catch {
                    statistics.sendFailures += 1
                }
            }
        }
        return any
    }

    func handleRelayEvent(_ event: TURNEvent, index: Int, now: Instant) {
        let id = relays[index].id
        switch event {
        case .allocated(let relayed, let mapped, _):
            agent.addRelayCandidate(
                ICEAgent.RelayAllocation(
                    relay: id, relayedAddress: relayed, mappedAddress: mapped, serverIP: relays[index].server.address.ip),
                now: now)
        case .allocationFailed:
            statistics.relayDropped += relays[index].waiting.values.reduce(0) { $0 + $1.count }
            relays[index].waiting = [:]
            agent.relayAllocationFailed(id, now: now)
        case .permissionCreated(let ip):
            let queued = relays[index].waiting.removeValue(forKey: ip) ?? []
            for item in queued { sendThroughRelay(index, item.payload, to: item.peer, now: now) }
        case .permissionFailed(let ip, _):
            // RFC 8656 §9: e.g. 403 Forbidden IP; only the pairs to that peer fail.
            statistics.relayDropped += relays[index].waiting.removeValue(forKey: ip)?.count ?? 0
        case .dataReceived(let peer, let data):
            receiveRelayed(data, from: peer, relay: id, now: now)
            return
        case .refreshed, .channelBound, .channelBindFailed, .deallocated:
            break
        }
        queue(.relay(id, event))
    }
}
