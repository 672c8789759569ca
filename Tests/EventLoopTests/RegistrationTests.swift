import CKVSShims
import Glibc
import Testing
import WireKit

@testable import EventLoop

/// Hands a loop-owned object to the test thread so that its last release (and `deinit`) happens
/// off the loop. `@unchecked Sendable`: the test never uses the object, it only drops it.
final class Handover<T>: @unchecked Sendable {
    var value: T?
    init(_ value: T) { self.value = value }
}

/// Loop-thread-only log for raw registration tests.
final class EventLog: @unchecked Sendable {
    var entries: [String] = []
    var sockets: [UDPSocket] = []
    var registrations: [IORegistration] = []
}

extension EventLoopTests {
    @Suite struct Registration {
        @Test func socketReleasedOffTheLoopIsDeregisteredOnTheLoop() async throws {
            try await withEventLoop { loop in
                let box = await onLoop(loop) { () -> Handover<UDPSocket> in
                    let socket = try! UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
                    try! socket.startReceiving(on: loop) { _ in }
                    return Handover(socket)
                }
                #expect(await onLoop(loop) { loop.registrationCount } == 1)
                let fd = box.value?.fileDescriptor ?? -1
                let before = openFileDescriptors()[fd]
                box.value = nil  // deinit here, on the test's thread: deregistration is queued
                #expect(openFileDescriptors()[fd] != before)
                // FIFO: the queued deregistration runs before this closure.
                #expect(await onLoop(loop) { loop.registrationCount } == 0)
            }
        }

        @Test func staleEventForAReusedDescriptorNumberIsDropped() async throws {
            try await withEventLoop { loop in
                let log = EventLog()
                let reused = await onLoop(loop) { () -> Bool in
                    let a = try! UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
                    let b = try! UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
                    log.sockets = [a, b]
                    let bFD = b.fileDescriptor
                    let regA = try! loop.register(fd: a.fileDescriptor, events: .readable) { _ in
                        log.entries.append("a")
                        a.receiveAvailable { _ in }
                        // Close B (its event may already be in this epoll batch) and open C,
                        // which the kernel gives B's old descriptor number.
                        loop.deregister(log.registrations[1])
                        b.close()
                        let c = try! UDPSocket(bindingTo: SocketAddress("127.0.0.1:0")!)
                        log.sockets.append(c)
                        log.entries.append(c.fileDescriptor == bFD ? "c-reuses-b" : "c-new-fd")
                        log.registrations.append(try! loop.register(fd: c.fileDescriptor, events: .readable) { _ in
                            log.entries.append("c")
                        })
                    }
                    let regB = try! loop.register(fd: b.fileDescriptor, events: .readable) { _ in
                        log.entries.append("b")
                        b.receiveAvailable { _ in }
                    }
                    log.registrations = [regA, regB]
                    // Both become readable before the loop polls again: one epoll batch.
                    _ = b.send([1], to: a.localAddress)
                    _ = a.send([2], to: b.localAddress)
                    return true
                }
                #expect(reused)
                // Let the loop poll twice more.
                for _ in 0..<3 { _ = await onLoop(loop) { 0 } }
                let entries = await onLoop(loop) { () -> [String] in
                    let entries = log.entries
                    for registration in log.registrations { loop.deregister(registration) }
                    log.sockets = []
                    return entries
                }
                #expect(entries.first == "a" || entries.first == "b")
                // When A ran first (epoll's ready list is FIFO, and A became readable first), B's
                // event was already in the batch and must have been dropped with B's registration.
                if entries.first == "a" { #expect(entries == ["a", "c-reuses-b"]) }
                #expect(entries.contains("c-reuses-b"))
                // C received nothing: its handler must never have been called, least of all with
                // the event that was meant for B.
                #expect(!entries.contains("c"))
            }
        }
    }
}
