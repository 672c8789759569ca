import EventLoop
import ICE
import TURN
import WireKit

extension ICETransport {
    /// Connects to a `turns:` server (RFC 8656 §3.1): TCP first, then the TLS handshake, then
    /// the Allocate inside TLS with the same stream framing as over TCP.
    func openTLSLink(_ server: ICETURNServer, relay id: RelayID) throws(ICETransportError) -> Relay.Link {
        let stream: TLSClientStream
        do throws(TLSStreamError) {
            stream = try TLSClientStream(
                serverName: server.serverName ?? server.address.ip.description, trust: configuration.tlsTrust)
        } catch {
            throw .tls(error)
        }
        do throws(SocketError) {
            let connection = try TCPConnection.connect(to: server.address, on: loop) { [weak self] event in
                self?.handleTLSConnection(event, relay: id)
            }
            return .tls(connection, stream)
        } catch {
            throw .socket(error)
        }
    }

    func handleTLSConnection(_ event: TCPConnection.Event, relay id: RelayID) {
        guard phase == .running, let index = relayIndex(id),
            case .tls(let connection, let stream) = relays[index].link
        else { return }
        let now = loop.now
        do throws(ICETransportError) {
            switch event {
            case .connected:
                try deliver(try tls { () throws(TLSStreamError) in try stream.start() }, connection, index, now: now)
            case .received(let bytes):
                try deliver(try tls { () throws(TLSStreamError) in try stream.handle(bytes) }, connection, index, now: now)
            case .drained:
                return
            case .connectFailed(let error), .closed(let error?):
                throw .connection(error)
            case .closed(nil):
                throw .connection(nil)
            }
        } catch {
            relayLost(index, error, now: now)
        }
        pump()
    }

    /// Writes the handshake's or records' ciphertext, starts the client once TLS is up, and
    /// hands it the server's bytes.
    private func deliver(_ output: TLSClientStream.Output, _ connection: TCPConnection, _ index: Int,
                         now: Instant) throws(ICETransportError) {
        if !output.toSend.isEmpty {
            do throws(SocketError) {
                try connection.write(output.toSend)
            } catch {
                throw .connection(error)
            }
        }
        if output.established { relays[index].client.start(now: now) }
        if !output.received.isEmpty { relays[index].client.handleReceived(output.received, now: now) }
    }

    private func tls<T>(_ body: () throws(TLSStreamError) -> T) throws(ICETransportError) -> T {
        do throws(TLSStreamError) {
            return try body()
        } catch {
            throw .tls(error)
        }
    }
}
