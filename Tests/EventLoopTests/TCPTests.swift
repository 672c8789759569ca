import CKVSShims
import Glibc
import Testing
import WireKit

@testable import EventLoop

/// A TCP echo server and a client on one loop, owned by an actor on the loop's executor.
actor TCPRig: LoopRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    var waiter: CheckedContinuation<Bool, Never>?
    var waitTimer: TimerID?
    var listener: TCPListener?
    var accepted: TCPConnection?
    var client: TCPConnection?
    var events: [String] = []
    var echoed: [UInt8] = []
    var expected = 0
    var serverPartialWrites = 0
    var clientPartialWrites = 0
    var failure: SocketError?

    init(loop: EventLoop) { self.loop = loop }

    struct EchoOutcome: Sendable {
        var signalled: Bool
        var echoed: [UInt8]
        var events: [String]
        var clientPartialWrites: Int
        var serverPartialWrites: Int
        var clientLocal: SocketAddress?
        var serverRemote: SocketAddress?
        var failure: SocketError?
    }

    /// Connects to a listener on `address`, writes `payload` in one call and waits until the
    /// echo has come back whole.
    func echo(on address: SocketAddress, payload: [UInt8]) async throws -> EchoOutcome {
        let listener = try TCPListener(bindingTo: address)
        self.listener = listener
        expected = payload.count
        // Capturing `self` strongly makes the closure isolated to this actor (a capture list
        // would make it a plain closure needing `assumeIsolated`, which cannot take the
        // non-Sendable connection). The cycle ends when the listener is closed below.
        try listener.startAccepting(on: loop) { result in
            self.accept(result)
        }
        let client = try TCPConnection.connect(to: listener.localAddress, on: loop) { [unowned self] event in
            self.assumeIsolated { $0.clientEvent(event, payload: payload) }
        }
        self.client = client
        let signalled = await waitForSignal(timeout: .seconds(20))
        let outcome = EchoOutcome(
            signalled: signalled, echoed: echoed, events: events, clientPartialWrites: client.partialWriteCount,
            serverPartialWrites: accepted?.partialWriteCount ?? 0, clientLocal: client.localAddress,
            serverRemote: accepted?.remoteAddress, failure: failure)
        client.close()
        accepted?.close()
        listener.close()
        return outcome
    }

    private func accept(_ result: Result<TCPConnection, SocketError>) {
        switch result {
        case .failure(let error):
            failure = error
            finishWait(false)
        case .success(let connection):
            accepted = connection
            do {
                try connection.start(on: loop) { [unowned self] event in
                    self.assumeIsolated { $0.serverEvent(event) }
                }
            } catch {
                failure = error
                finishWait(false)
            }
        }
    }

    private func serverEvent(_ event: TCPConnection.Event) {
        guard case .received(let bytes) = event, let accepted else { return }
        do { try accepted.write(bytes) } catch {
            failure = error
            finishWait(false)
        }
    }

    private func clientEvent(_ event: TCPConnection.Event, payload: [UInt8]) {
        switch event {
        case .connected:
            events.append("connected")
            do { try client?.write(payload) } catch {
                failure = error
                finishWait(false)
            }
        case .received(let bytes):
            echoed.append(contentsOf: bytes)
            if echoed.count >= expected { finishWait(true) }
        case .drained:
            if events.last != "drained" { events.append("drained") }
        case .connectFailed(let error), .closed(let error?):
            failure = error
            finishWait(false)
        case .closed(nil):
            events.append("closed")
        }
    }

    /// Connects to `address` and reports the first event.
    func connectOnly(to address: SocketAddress) async throws -> (signalled: Bool, events: [String], failure: SocketError?) {
        client = try TCPConnection.connect(to: address, on: loop) { [unowned self] event in
            self.assumeIsolated { rig in
                switch event {
                case .connectFailed(let error):
                    rig.events.append("connectFailed")
                    rig.failure = error
                default:
                    rig.events.append("\(event)")
                }
                rig.finishWait(true)
            }
        }
        let signalled = await waitForSignal(timeout: .seconds(5))
        let state = client?.state
        #expect(state == .closed)
        #expect(client?.fileDescriptor == -1)
        return (signalled, events, failure)
    }
}

extension EventLoopTests {
    @Suite struct TCP {
        @Test(arguments: ["127.0.0.1:0", "[::1]:0"])
        func connectAcceptAndEchoFourMegabytes(address: String) async throws {
            let payload = patternBytes(count: 4 << 20, seed: 7)
            let outcome = try await withEventLoop { loop in
                try await TCPRig(loop: loop).echo(on: SocketAddress(address)!, payload: payload)
            }
            #expect(outcome.failure == nil)
            #expect(outcome.signalled)
            #expect(outcome.echoed.count == payload.count)
            #expect(outcome.echoed == payload)
            #expect(outcome.events.first == "connected")
            #expect(outcome.events.contains("drained"))
            // 4 MB cannot fit the kernel's socket buffers at once: the send buffer path ran.
            #expect(outcome.clientPartialWrites > 0)
            #expect(outcome.clientLocal != nil)
            #expect(outcome.serverRemote == outcome.clientLocal)
        }

        @Test func connectToAClosedPortFailsWithConnectionRefused() async throws {
            // A socket bound but not listening: its port is certainly closed and stays ours.
            let fd = try Sockets.open(family: AF_INET, stream: true)
            defer { close(fd) }
            try Sockets.bind(fd, to: SocketAddress("127.0.0.1:0")!)
            let closedPort = try Sockets.localAddress(fd)
            let outcome = try await withEventLoop { loop in
                try await TCPRig(loop: loop).connectOnly(to: closedPort)
            }
            #expect(outcome.signalled)
            #expect(outcome.events == ["connectFailed"])
            #expect(outcome.failure == .connectionRefused)
        }

        @Test func writesAfterCloseThrowClosed() async throws {
            try await withEventLoop { loop in
                let ok = await onLoop(loop) { () -> Bool in
                    guard let listener = try? TCPListener(bindingTo: SocketAddress("127.0.0.1:0")!),
                        let connection = try? TCPConnection.connect(to: listener.localAddress, on: loop, handler: { _ in })
                    else { return false }
                    connection.close()
                    do throws(SocketError) {
                        try connection.write([1])
                        return false
                    } catch {
                        return error == .closed
                    }
                }
                #expect(ok)
            }
        }
    }
}
