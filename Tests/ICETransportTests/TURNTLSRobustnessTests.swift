import EventLoop
import Foundation
import Glibc
import ICE
import ICETransport
import TURN
import Testing
import WireKit

/// A blocking TCP server on 127.0.0.1 for one connection, on a thread of its own: it reads what
/// the client sends first, answers with `reply`, and closes.
final class OneShotTCPServer: @unchecked Sendable {
    let fd: Int32
    let address: SocketAddress
    private let done = DispatchSemaphore(value: 0)

    init(reply: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw MissingTool(description: "socket() failed: \(errno)") }
        let any = SocketAddress(ip: IPAddress("127.0.0.1")!, port: 0)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                any.withSockaddr { bind(fd, $0, $1) } == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard named, let local = SocketAddress(storage) else {
            Glibc.close(fd)
            throw MissingTool(description: "listen on 127.0.0.1 failed: \(errno)")
        }
        address = local
        let listener = fd
        let finished = done
        Thread.detachNewThread {
            defer { finished.signal() }
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 5000) > 0 else { return }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            defer { Glibc.close(client) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var readable = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 5000) > 0, recv(client, &buffer, buffer.count, 0) > 0 else { return }
            _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Waits for the thread, then closes the listening socket.
    func stop() {
        _ = done.wait(timeout: .now() + 6)
        Glibc.close(fd)
    }
}

extension ICETransportSuites {
    /// Bad bytes from a `turns:` server fail that relay with a TLS error; nothing traps.
    @Suite struct TURNTLSRobustnessTests {
        static func events(server: OneShotTCPServer) async throws -> [ICETransportEvent] {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var ice = ICEConfiguration()
                ice.policy = .relay
                let turn = ICETURNServer(
                    address: server.address, transport: .tls, credentials: TURNCredentials(username: "1:u", password: "p"),
                    serverName: "turn.test")
                let id = await rig.make(
                    role: .controlling, configuration: ICETransportConfiguration(ice: ice, localAddresses: [], turnServers: [turn]))
                try await rig.start(id)
                #expect(await rig.wait(id, timeout: .seconds(5)) { $0.gatheringDone })
                let events = await rig.log(id).events
                await rig.closeAll()
                return events
            }
        }

        @Test func plainTextAnswerFailsTheHandshake() async throws {
            let server = try OneShotTCPServer(reply: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
            defer { server.stop() }
            let events = try await Self.events(server: server)
            let failures = events.compactMap { event -> TLSStreamError? in
                if case .relayUnavailable(RelayID(0), .tls(let error)) = event { error } else { nil }
            }
            let failure = try #require(failures.first, "events: \(events)")
            guard case .handshake(let text) = failure else {
                Issue.record("expected a handshake error, got \(failure)")
                return
            }
            print("plain-text answer: \(failure)")
            #expect(text.contains("wrong version number") || text.contains("packet length too long"), "\(text)")
        }

        @Test func closeBeforeServerHelloEndsTheRelay() async throws {
            let server = try OneShotTCPServer(reply: [])
            defer { server.stop() }
            let events = try await Self.events(server: server)
            #expect(events.contains(.relayUnavailable(RelayID(0), .connection(nil))), "events: \(events)")
        }
    }
}
