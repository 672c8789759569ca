import CKVSShims
import Glibc
import Testing
import WireKit

@testable import EventLoop

/// A UDP echo server and a client on one loop, owned by an actor on the loop's executor.
actor UDPRig: LoopRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    var waiter: CheckedContinuation<Bool, Never>?
    var waitTimer: TimerID?
    var server: UDPSocket?
    var client: UDPSocket?
    var serverSaw: [UDPSocket.Datagram] = []
    var replies: [UDPSocket.Datagram] = []
    var expected = 0
    var echoFailures = 0

    init(loop: EventLoop) { self.loop = loop }

    struct EchoOutcome: Sendable {
        var signalled: Bool
        var serverSaw: [UDPSocket.Datagram]
        var replies: [UDPSocket.Datagram]
        var clientAddress: SocketAddress
        var serverAddress: SocketAddress
        var echoFailures: Int
    }

    /// Server bound to `serverBind` (a wildcard, so IP_PKTINFO reports the destination), client
    /// bound to `clientBind`; the client sends `payloads` to `target` (the server's port).
    func echo(serverBind: SocketAddress, clientBind: SocketAddress, target: IPAddress, payloads: [[UInt8]]) async throws
        -> EchoOutcome
    {
        let server = try UDPSocket(bindingTo: serverBind)
        let client = try UDPSocket(bindingTo: clientBind)
        self.server = server
        self.client = client
        expected = payloads.count
        try server.startReceiving(on: loop) { [unowned self] datagram in
            self.assumeIsolated { rig in
                rig.serverSaw.append(datagram)
                let result = rig.server?.send(datagram.payload, to: datagram.source)
                if result != .sent(datagram.payload.count) { rig.echoFailures += 1 }
            }
        }
        try client.startReceiving(on: loop) { [unowned self] datagram in
            self.assumeIsolated { rig in
                rig.replies.append(datagram)
                if rig.replies.count == rig.expected { rig.finishWait(true) }
            }
        }
        let destination = SocketAddress(ip: target, port: server.localAddress.port)
        for payload in payloads where client.send(payload, to: destination) != .sent(payload.count) {
            echoFailures += 1
        }
        let signalled = await waitForSignal(timeout: .seconds(5))
        let outcome = EchoOutcome(
            signalled: signalled, serverSaw: serverSaw, replies: replies, clientAddress: client.localAddress,
            serverAddress: server.localAddress, echoFailures: echoFailures)
        client.close()
        server.close()
        return outcome
    }

    // MARK: Throughput

    var sender: UDPSocket?
    var sequences: [UInt32] = []
    var wouldBlockCount = 0
    var firstSend: Int64 = 0
    var lastReceive: Int64 = 0

    struct FloodOutcome: Sendable {
        var signalled: Bool
        var sequences: [UInt32]
        var wouldBlockCount: Int
        var nanoseconds: Int64
    }

    /// Sends `total` datagrams of `size` bytes from one socket to another on 127.0.0.1, `burst`
    /// per loop iteration (the receiver drains between bursts, so the receive buffer never
    /// overflows: a modest, steady rate rather than a flood).
    func flood(total: Int, size: Int, burst: Int) async throws -> FloodOutcome {
        var options = UDPSocket.Options()
        options.receiveBufferSize = 1 << 20
        let receiver = try UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!, options: options)
        let sender = try UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
        server = receiver
        self.sender = sender
        expected = total
        sequences.reserveCapacity(total)
        try receiver.startReceiving(on: loop) { [unowned self] datagram in
            self.assumeIsolated { rig in
                guard datagram.payload.count == size else { return }
                rig.sequences.append(UInt32(datagram.payload[0]) << 24 | UInt32(datagram.payload[1]) << 16
                    | UInt32(datagram.payload[2]) << 8 | UInt32(datagram.payload[3]))
                if rig.sequences.count == rig.expected {
                    rig.lastReceive = monotonicNanoseconds()
                    rig.finishWait(true)
                }
            }
        }
        firstSend = monotonicNanoseconds()
        sendBurst(next: 0, total: total, size: size, burst: burst, to: receiver.localAddress)
        let signalled = await waitForSignal(timeout: .seconds(20))
        receiver.close()
        sender.close()
        return FloodOutcome(
            signalled: signalled, sequences: sequences, wouldBlockCount: wouldBlockCount,
            nanoseconds: lastReceive - firstSend)
    }

    private func sendBurst(next: Int, total: Int, size: Int, burst: Int, to destination: SocketAddress) {
        guard let sender else { return }
        var payload = [UInt8](repeating: 0xA5, count: size)
        var sequence = next
        burstLoop: while sequence < min(total, next + burst) {
            payload[0] = UInt8(truncatingIfNeeded: sequence >> 24)
            payload[1] = UInt8(truncatingIfNeeded: sequence >> 16)
            payload[2] = UInt8(truncatingIfNeeded: sequence >> 8)
            payload[3] = UInt8(truncatingIfNeeded: sequence)
            switch sender.send(payload, to: destination) {
            case .sent: sequence += 1
            case .wouldBlock:
                // The send buffer is full: retry this datagram on the next iteration.
                wouldBlockCount += 1
                break burstLoop
            case .failed(let error):
                Issue.record("send failed: \(error)")
                return
            }
        }
        guard sequence < total else { return }
        // A timer due now runs after the loop has polled the sockets once more.
        loop.schedule(at: loop.now) { [unowned self] _ in
            self.assumeIsolated { $0.sendBurst(next: sequence, total: total, size: size, burst: burst, to: destination) }
        }
    }
}

extension EventLoopTests {
    @Suite struct UDP {
        @Test(arguments: ["127.0.0.1", "::1"])
        func echoOverLoopback(loopback: String) async throws {
            // This machine has IPv6 loopback (checked: `lo` carries ::1/128), so ::1 is tested for
            // real; a bind failure there is a test failure, not a skip.
            let ip = try #require(IPAddress(loopback))
            let wildcard: IPAddress = ip.isIPv4 ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0))
            let payloads = (0..<5).map { patternBytes(count: 100 + $0 * 300, seed: UInt64($0)) }
            let outcome = try await withEventLoop { loop in
                try await UDPRig(loop: loop).echo(
                    serverBind: SocketAddress(ip: wildcard, port: 0), clientBind: SocketAddress(ip: ip, port: 0),
                    target: ip, payloads: payloads)
            }
            #expect(outcome.signalled, "no echo over \(loopback)")
            #expect(outcome.replies.map(\.payload) == payloads)
            #expect(outcome.serverSaw.map(\.payload) == payloads)
            #expect(outcome.echoFailures == 0)
            #expect(outcome.clientAddress.ip == ip)
            #expect(outcome.clientAddress.port != 0)
            for datagram in outcome.serverSaw {
                #expect(datagram.source == outcome.clientAddress)
                // The wildcard-bound server learned the real destination from IP_PKTINFO.
                #expect(datagram.destination == SocketAddress(ip: ip, port: outcome.serverAddress.port))
                #expect(datagram.interfaceIndex == if_nametoindex("lo"))
                #expect(!datagram.truncated)
            }
            for datagram in outcome.replies {
                #expect(datagram.source == SocketAddress(ip: ip, port: outcome.serverAddress.port))
                #expect(datagram.destination == outcome.clientAddress)
                #expect(datagram.interfaceIndex == 0)
            }
        }

        @Test func tenThousandDatagramsThroughTheLoopWithoutLoss() async throws {
            let total = 10_000
            let outcome = try await withEventLoop { loop in
                try await UDPRig(loop: loop).flood(total: total, size: 200, burst: 32)
            }
            #expect(outcome.signalled, "received \(outcome.sequences.count) of \(total)")
            #expect(outcome.sequences == (0..<UInt32(total)).map { $0 })
            let rate = Double(total) / (Double(outcome.nanoseconds) / 1e9)
            print("[measure] UDP through the loop on 127.0.0.1: \(Int(rate)) datagrams/s (200 B, bursts of 32, "
                + "would-block \(outcome.wouldBlockCount))")
        }

        @Test func socketOptionsFamiliesAndClosing() throws {
            var options = UDPSocket.Options()
            options.receiveBufferSize = 256 * 1024
            options.sendBufferSize = 128 * 1024
            let v4 = try UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!, options: options)
            // The kernel doubles the request (bookkeeping overhead) within net.core.[rw]mem_max.
            #expect(try v4.receiveBufferSize >= 256 * 1024 || v4.receiveBufferSize == 2 * 212_992)
            #expect(try v4.sendBufferSize >= 128 * 1024 || v4.sendBufferSize == 2 * 212_992)
            #expect(v4.send([1], to: SocketAddress("[::1]:9")!) == .failed(.unsupportedAddress))

            let v6 = try UDPSocket(bindingTo: SocketAddress("[::1]:0")!)
            #expect(v6.localAddress.ip == IPAddress("::1"))
            #expect(try Sockets.option(v6.fileDescriptor, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY) == 1)
            #expect(v6.send([1], to: SocketAddress("127.0.0.1:9")!) == .failed(.unsupportedAddress))

            var dual = UDPSocket.Options()
            dual.ipv6Only = false
            let dualStack = try UDPSocket(bindingTo: SocketAddress("[::]:0")!, options: dual)
            #expect(try Sockets.option(dualStack.fileDescriptor, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY) == 0)
            // A dual-stack socket reaches IPv4 peers through ::ffff:a.b.c.d.
            #expect(dualStack.send([1, 2, 3], to: v4.localAddress) == .sent(3))
            var got: [UDPSocket.Datagram] = []
            for _ in 0..<1_000 where got.isEmpty { v4.receiveAvailable { got.append($0) } }
            #expect(got.first?.payload == [1, 2, 3])
            #expect(got.first?.source == SocketAddress(ip: IPAddress("127.0.0.1")!, port: dualStack.localAddress.port))

            #expect(throws: SocketError.addressInUse) {
                _ = try UDPSocket(bindingTo: v4.localAddress)
            }
            v4.close()
            #expect(v4.fileDescriptor == -1)
            #expect(v4.send([1], to: SocketAddress("127.0.0.1:9")!) == .failed(.closed))
        }

        @Test func sockaddrConversionsRoundTrip() throws {
            for text in ["127.0.0.1:3478", "[::1]:443", "[fe80::1:2]:9", "0.0.0.0:0", "[2001:db8::8]:65535"] {
                let address = try #require(SocketAddress(text))
                let (storage, length) = address.sockaddr()
                #expect(SocketAddress(storage) == address)
                #expect(Int(length) == (address.ip.isIPv4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size))
            }
            let mapped = SocketAddress("10.1.2.3:5000")!.sockaddr(mapIPv4: true)
            #expect(Int32(mapped.storage.ss_family) == AF_INET6)
            // The kernel's own bytes: ::ffff:10.1.2.3, port 5000 big-endian.
            let bytes = withUnsafeBytes(of: mapped.storage) { Array($0.prefix(24)) }
            #expect(Array(bytes[2..<4]) == [0x13, 0x88])
            #expect(Array(bytes[8..<24]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3])
            #expect(SocketAddress(mapped.storage) == SocketAddress("10.1.2.3:5000"))
        }
    }
}
