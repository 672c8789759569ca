import CKVSShims
import Glibc
import Testing
import WireKit

@testable import EventLoop

/// Something a handler captures, to see when the loop releases its handlers.
/// `@unchecked Sendable`: `fired` is written only on the loop thread and read after `join()`.
final class Sentinel: @unchecked Sendable {
    var fired = false
}

/// Registers sockets and far-off timers on the loop and keeps them, to stop the loop under them.
actor BusyRig {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    var sockets: [UDPSocket] = []
    var listener: TCPListener?
    var connection: TCPConnection?
    var accepted: [TCPConnection] = []

    init(loop: EventLoop) { self.loop = loop }

    func populate(sentinel: Sentinel, flag: Sentinel) throws -> (registrations: Int, timers: Int) {
        for text in ["127.0.0.1:0", "[::1]:0", "0.0.0.0:0"] {
            let socket = try UDPSocket(bindingTo: SocketAddress(text)!)
            try socket.startReceiving(on: loop) { _ in _ = sentinel }
            sockets.append(socket)
        }
        let listener = try TCPListener(bindingTo: SocketAddress("127.0.0.1:0")!)
        try listener.startAccepting(on: loop) { result in
            _ = sentinel
            // Keep the server side open (dropping it would close the client's connection too).
            if case .success(let connection) = result { self.accepted.append(connection) }
        }
        self.listener = listener
        // The connection keeps its own handler; only loop-held closures capture the sentinel.
        connection = try TCPConnection.connect(to: listener.localAddress, on: loop) { _ in }
        for seconds in [60, 120, 3_600] {
            loop.schedule(after: .seconds(seconds)) { _ in _ = sentinel }
        }
        loop.schedule(after: .seconds(30)) { _ in flag.fired = true }
        return (loop.registrationCount, loop.pendingTimerCount)
    }
}

extension EventLoopTests {
    @Suite struct Lifecycle {
        @Test func stopWithTimersAndDescriptorsRegisteredShutsDownPromptly() async throws {
            weak var weakSentinel: Sentinel?
            let loop = try EventLoop(name: "kvs-loop-stop")
            var rig: BusyRig? = BusyRig(loop: loop)
            let flag = Sentinel()
            do {
                let sentinel = Sentinel()
                weakSentinel = sentinel
                let counts = try await rig!.populate(sentinel: sentinel, flag: flag)
                #expect(counts.registrations == 5)
                #expect(counts.timers == 4)
            }
            // Work queued before stop() still runs; work after shutdown is refused.
            let ran = Recorder(threads: 1, expected: 100)
            for i in 0..<100 { loop.execute { ran.record(thread: 0, sequence: i) } }
            let start = monotonicNanoseconds()
            loop.stop()
            loop.join()
            let elapsed = monotonicNanoseconds() - start
            #expect(elapsed < 500_000_000, "shutdown took \(elapsed / 1_000_000) ms")
            #expect(ran.perThread[0] == Array(0..<100))
            #expect(!flag.fired)
            #expect(!loop.execute {})
            // The loop released its handlers and timers (and what they captured) at shutdown,
            // while the sockets themselves are still alive in the rig.
            // (Awaiting the rig now would hang: its executor is gone, so nothing can run its jobs.)
            #expect(weakSentinel == nil)
            rig = nil
            print("[measure] stop()+join() with 5 fds and 4 timers registered: \(elapsed / 1_000) µs")
        }

        @Test func noDescriptorLeaksAfterStopAndRelease() async throws {
            let before = openFileDescriptors()
            var during: [Int32: String] = [:]
            do {
                let loop = try EventLoop(name: "kvs-loop-fds")
                var rig: BusyRig? = BusyRig(loop: loop)
                _ = try await rig!.populate(sentinel: Sentinel(), flag: Sentinel())
                during = openFileDescriptors()
                loop.stop()
                loop.join()
                rig = nil
                _ = rig
            }
            let after = openFileDescriptors()
            let opened = during.filter { before[$0.key] != $0.value }
            // epoll + eventfd + 3 UDP + listener + client (+ the accepted side once accepted).
            #expect(opened.count >= 7, "expected the test's descriptors to appear: \(opened)")
            let leaked = opened.filter { after[$0.key] == $0.value }
            #expect(leaked.isEmpty, "descriptors still open: \(leaked)")
            #expect(after.count == before.count, "before \(before.count), after \(after.count)")
        }

        @Test func interfaceListIncludesLoopback() throws {
            let interfaces = try NetworkInterface.list()
            let loopbackV4 = interfaces.first { $0.address == IPAddress("127.0.0.1") }
            #expect(loopbackV4?.name == "lo")
            #expect(loopbackV4?.isLoopback == true)
            #expect(loopbackV4?.prefixLength == 8)
            #expect(loopbackV4?.index == if_nametoindex("lo"))
            let loopbackV6 = interfaces.first { $0.address == IPAddress("::1") }
            #expect(loopbackV6?.name == "lo")
            #expect(loopbackV6?.prefixLength == 128)
            for interface in interfaces where interface.isLinkLocal {
                #expect(interface.index != 0)
            }
            print("[info] interfaces: \(interfaces.map(\.description))")
        }
    }
}
