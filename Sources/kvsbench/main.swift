import CAllocCounter
import CKVSShims
import Glibc
import RTP
import Security

// Benchmark: packetize 10 s of 1080p30 H.264 (RFC 6184) and SRTP-protect every packet
// (AES_CM_128_HMAC_SHA1_80 via libsrtp2), next to the cost of srtp_protect alone on the same
// packets. Prints ns per packet, MB/s of video and heap allocations per packet.
//
//   swift run -c release kvsbench [passes]

let passes = CommandLine.arguments.count > 1 ? max(Int(CommandLine.arguments[1]) ?? 7, 1) : 7
let cacheDirectory = ".build/kvsbench"
mkdir(".build", 0o755)
mkdir(cacheDirectory, 0o755)
let clip = EncodedClip.load(cachePath: cacheDirectory + "/h264-1080p30-4mbps.bin")

let key = [UInt8](repeating: 0x2B, count: 16)
let salt = [UInt8](repeating: 0x5A, count: 14)

func makeSession() -> SRTPSession {
    do {
        return try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .outbound)
    } catch {
        printError("kvsbench: \(error)")
        exit(1)
    }
}

func now() -> UInt64 { kvs_monotonic_nanoseconds() }

struct PassResult {
    var nanoseconds: UInt64
    var packets: Int
    var allocations: UInt64
    var failures: Int
}

/// The floor: srtp_protect alone on the already packetized packets (each copied into a reused
/// buffer first, since protection is in place; the copy costs ~1% of the protect).
func protectOnlyPass(_ packets: [[UInt8]], session: SRTPSession, sequence: inout UInt16) -> PassResult {
    var scratch = [UInt8]()
    scratch.reserveCapacity(1500)
    var failures = 0
    let allocationsBefore = kvs_alloc_count()
    let start = now()
    for packet in packets {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: packet)
        scratch.writeU16(sequence, at: 2)
        sequence &+= 1
        do { try session.protectRTP(&scratch) } catch { failures += 1 }
    }
    let elapsed = now() - start
    return PassResult(nanoseconds: elapsed, packets: packets.count, allocations: kvs_alloc_count() - allocationsBefore, failures: failures)
}

/// Packetize each access unit and protect each packet in the packetizer's own buffer.
func packetizeAndProtectPass(_ clip: EncodedClip, packetizer: inout H264Packetizer, session: SRTPSession) -> PassResult {
    var packets = 0
    var failures = 0
    let allocationsBefore = kvs_alloc_count()
    let start = now()
    var timestamp: UInt32 = 0
    for au in clip.accessUnits {
        packetizer.packetize(accessUnit: au, rtpTimestamp: timestamp) { packet in
            packets += 1
            do { try session.protectRTP(&packet) } catch { failures += 1 }
        }
        timestamp &+= 3000
    }
    let elapsed = now() - start
    return PassResult(nanoseconds: elapsed, packets: packets, allocations: kvs_alloc_count() - allocationsBefore, failures: failures)
}

/// Packetization alone: the packets are only touched, not protected.
func packetizeOnlyPass(_ clip: EncodedClip, packetizer: inout H264Packetizer) -> PassResult {
    var packets = 0
    var checksum: UInt8 = 0
    let allocationsBefore = kvs_alloc_count()
    let start = now()
    var timestamp: UInt32 = 0
    for au in clip.accessUnits {
        packetizer.packetize(accessUnit: au, rtpTimestamp: timestamp) { packet in
            packets += 1
            checksum ^= packet[packet.count - 1]
        }
        timestamp &+= 3000
    }
    let elapsed = now() - start
    blackHole(checksum)
    return PassResult(nanoseconds: elapsed, packets: packets, allocations: kvs_alloc_count() - allocationsBefore, failures: 0)
}

/// Keeps the optimizer from discarding work whose result is otherwise unused.
@inline(never) func blackHole(_ value: UInt8) {
    if value == 0x5A && CommandLine.arguments.isEmpty { print(value) }
}

func median(_ results: [PassResult]) -> PassResult {
    results.sorted { $0.nanoseconds < $1.nanoseconds }[results.count / 2]
}

func format(_ value: Double, _ digits: Int) -> String {
    let scale = (0..<digits).reduce(1.0) { a, _ in a * 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
        text += "." + String(repeating: "0", count: digits)
    }
    return text
}

// Packetize once to get the packets the floor protects.
var reference = H264Packetizer(ssrc: 0x1234_5678, payloadType: 102)
var packetList: [[UInt8]] = []
var ts: UInt32 = 0
for au in clip.accessUnits {
    packetList += reference.packets(accessUnit: au, rtpTimestamp: ts)
    ts &+= 3000
}

let floorSession = makeSession()
let fullSession = makeSession()
var floorSequence: UInt16 = 0
var packetizer = H264Packetizer(ssrc: 0x1234_5678, payloadType: 102)

// One warm-up pass each, then `passes` measured passes, interleaved to share machine noise.
_ = protectOnlyPass(packetList, session: floorSession, sequence: &floorSequence)
_ = packetizeAndProtectPass(clip, packetizer: &packetizer, session: fullSession)
_ = packetizeOnlyPass(clip, packetizer: &packetizer)
var floorResults: [PassResult] = []
var fullResults: [PassResult] = []
var packetizeResults: [PassResult] = []
for _ in 0..<passes {
    floorResults.append(protectOnlyPass(packetList, session: floorSession, sequence: &floorSequence))
    fullResults.append(packetizeAndProtectPass(clip, packetizer: &packetizer, session: fullSession))
    packetizeResults.append(packetizeOnlyPass(clip, packetizer: &packetizer))
}

let floor = median(floorResults)
let full = median(fullResults)
let packetizeOnly = median(packetizeResults)
let megabytes = Double(clip.totalBytes) / 1_000_000
let payloadBytes = packetList.reduce(0) { $0 + $1.count }

print("kvsbench: H.264 packetize + SRTP protect (AES_CM_128_HMAC_SHA1_80, \(SRTPLibrary.version))")
print("  input:    \(clip.source)")
print("            \(clip.accessUnits.count) access units, \(format(megabytes, 2)) MB of H.264 "
    + "(\(format(Double(clip.totalBytes) * 8 / 10 / 1_000_000, 2)) Mbit/s over 10 s)")
print("  packets:  \(packetList.count) RTP packets per pass, \(format(Double(payloadBytes) / Double(packetList.count), 0)) bytes on average, "
    + "max \(packetList.map(\.count).max() ?? 0)")
print("  passes:   \(passes) measured (median shown), 1 warm-up each")
for (name, r) in [("srtp_protect alone (floor)", floor), ("packetize + protect", full), ("packetize alone", packetizeOnly)] {
    let ns = Double(r.nanoseconds) / Double(r.packets)
    let mbps = megabytes / (Double(r.nanoseconds) / 1e9)
    let allocs = Double(r.allocations) / Double(r.packets)
    print("  \(name + String(repeating: " ", count: max(0, 28 - name.count))) \(format(ns, 1)) ns/packet  "
        + "\(format(mbps, 1)) MB/s  \(format(allocs, 4)) allocations/packet  (\(r.failures) failures)")
}
let ratio = Double(full.nanoseconds) / Double(floor.nanoseconds)
print("  ratio:    packetize + protect = \(format(ratio, 3)) × floor (goal ≤ 1.3)")
print("  steady-state allocations added by packetization: "
    + "\(format(Double(full.allocations) / Double(full.packets) - Double(floor.allocations) / Double(floor.packets), 4)) per packet "
    + "(\(packetizeOnly.allocations) in \(packetizeOnly.packets) packets packetized alone)")
if full.failures > 0 || floor.failures > 0 { exit(1) }
