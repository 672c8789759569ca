import TestSupport
import DataChannel
import EventLoop
import Foundation
import Glibc
import PeerConnection
import SDP
import Security
import Testing
import WireKit

/// Heap bytes in use from glibc's `mallinfo2()` (not exported by Swift's Glibc module, so looked
/// up with dlsym): `uordblks` (arena bytes in use, field 8) + `hblkhd` (mmapped bytes, field 5).
/// The function returns ten `size_t`s by value; declaring the result as the larger `stat`
/// struct makes the caller reserve a big enough return slot.
func mallocInUse() -> Int {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return -1 }
    let call = unsafeBitCast(symbol, to: (@convention(c) () -> stat).self)
    var result = call()
    return withUnsafeBytes(of: &result) { bytes in
        let fields = bytes.bindMemory(to: Int.self)
        return fields[7] + fields[4]
    }
}

/// Resident set size from /proc/self/statm (second field, in pages).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return -1 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

extension PeerConnectionSuites {
    /// Numbers for the note, printed; the assertions check the work really happened.
    @Suite struct MeasurementTests {
        /// Connects a pair with a channel open and one message each way; returns the pair and the channel.
        static func connectedPair(rig: PeerRig, contexts: (DTLSContext, DTLSContext)? = nil) async throws -> (BackToBack, UInt16) {
            let pair = try await BackToBack.connect(rig: rig, video: false, contexts: contexts)
            #expect(await pair.waitConnected())
            #expect(await rig.wait(pair.offerer, timeout: .seconds(5)) { $0.events.contains(.dataChannelTransportReady) })
            let channel = try await rig.open(pair.offerer, DataChannelParameters(label: "m"))
            #expect(await rig.wait(pair.answerer, timeout: .seconds(5)) { !$0.openedChannels.isEmpty })
            try await rig.send(pair.offerer, Array("hello".utf8), on: channel, isBinary: false)
            try await rig.send(pair.answerer, Array("world".utf8), on: channel, isBinary: false)
            #expect(await rig.wait(pair.answerer, timeout: .seconds(5)) { $0.messages(on: channel).count == 1 })
            #expect(await rig.wait(pair.offerer, timeout: .seconds(5)) { $0.messages(on: channel).count == 1 })
            return (pair, channel)
        }

        @Test func residentMemoryPerPeerConnection() async throws {
            try await withRig { rig in
                // Warm-up: library initialization (usrsctp, OpenSSL, libsrtp) is not per connection.
                // Like the daemon, every connection of a side shares one certificate and context.
                let contexts = (
                    try DTLSContext(certificate: try DTLSCertificate.generate()),
                    try DTLSContext(certificate: try DTLSCertificate.generate()))
                let (warm, _) = try await Self.connectedPair(rig: rig, contexts: contexts)
                await rig.drop(warm.offerer)
                await rig.drop(warm.answerer)
                let pairs = 20
                let heapBefore = mallocInUse()
                let rssBefore = residentBytes()
                var ids: [BackToBack] = []
                for _ in 0..<pairs { ids.append(try await Self.connectedPair(rig: rig, contexts: contexts).0) }
                let heapAfter = mallocInUse()
                let rssAfter = residentBytes()
                let connections = 2 * pairs
                let heapPer = (heapAfter - heapBefore) / connections
                let rssPer = (rssAfter - rssBefore) / connections
                print("measure: per PeerConnection (connected, ICE+DTLS+SRTP+SCTP with one open channel, shared DTLS context), "
                    + "\(connections) connections: heap (mallinfo2) \(heapPer / 1024) KiB, RSS \(rssPer / 1024) KiB")
                // The number is for the notes; process-wide counters are not asserted (other work
                // in the process moves them). What is asserted: every connection really connected.
                for pair in ids {
                    #expect(await rig.state(pair.offerer) == .connected)
                    #expect(await rig.state(pair.answerer) == .connected)
                }
                await rig.closeAll()
            }
        }

        @Test func dataChannelThroughputBetweenTwoOfOurs() async throws {
            try await withRig { rig in
                let (pair, channel) = try await Self.connectedPair(rig: rig)
                await rig.countMessagesOnly(pair.answerer)
                let total = 64 << 20
                let start = monotonicNow()
                await rig.startThroughput(pair.offerer, channel: channel, total: total, chunkSize: 16 << 10)
                let done = await rig.waitForCountedBytes(pair.answerer, total: total, timeout: .seconds(120))
                let counted = await rig.countedBytes(pair.answerer)
                let finished = try #require(done, "received \(counted) of \(total) bytes")
                let seconds = Double((finished - start).nanoseconds) / 1e9
                let rate = Double(total) / seconds / 1e6
                print("measure: data channel throughput, reliable ordered, 16 KiB messages, loopback, one loop: "
                    + "\(total >> 20) MiB in \(seconds) s = \(rate) MB/s")
                #expect(await rig.countedBytes(pair.answerer) == total)
                await rig.closeAll()
            }
        }
    }
}
