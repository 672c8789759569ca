import Foundation
import WireKit

/// Writes RTP packets as UDP/IPv4 datagrams in a classic pcap file (linktype Ethernet), the input
/// GStreamer's `pcapparse` reads.
public struct PcapWriter {
    private var bytes = ByteWriter(capacity: 1 << 20)
    public private(set) var packetCount = 0

    public init() {
        // Global header, little-endian magic (pcapparse reads either byte order).
        writeLE32(0xA1B2_C3D4)
        writeLE16(2)
        writeLE16(4)
        writeLE32(0)  // thiszone
        writeLE32(0)  // sigfigs
        writeLE32(65_535)  // snaplen
        writeLE32(1)  // LINKTYPE_ETHERNET
    }

    /// Appends one UDP datagram from 10.0.0.1:5000 to 10.0.0.2:5004 captured at `timeNanoseconds`.
    public mutating func append(udpPayload payload: [UInt8], timeNanoseconds: UInt64) {
        let udpLength = 8 + payload.count
        let ipLength = 20 + udpLength
        let frameLength = 14 + ipLength
        writeLE32(UInt32(timeNanoseconds / 1_000_000_000))
        writeLE32(UInt32((timeNanoseconds % 1_000_000_000) / 1_000))
        writeLE32(UInt32(frameLength))
        writeLE32(UInt32(frameLength))
        // Ethernet: destination, source, EtherType IPv4.
        bytes.writeBytes([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1])
        bytes.writeU16(0x0800)
        // IPv4 header with a correct checksum.
        var ip = ByteWriter(capacity: 20)
        ip.writeU8(0x45)
        ip.writeU8(0)
        ip.writeU16(UInt16(ipLength))
        ip.writeU16(UInt16(truncatingIfNeeded: packetCount))
        ip.writeU16(0x4000)  // don't fragment
        ip.writeU8(64)
        ip.writeU8(17)  // UDP
        ip.writeU16(0)
        ip.writeBytes([10, 0, 0, 1, 10, 0, 0, 2])
        var header = ip.take()
        header.writeU16(Self.ipChecksum(header), at: 10)
        bytes.writeBytes(header)
        // UDP header; checksum 0 = none (allowed for IPv4).
        bytes.writeU16(5000)
        bytes.writeU16(5004)
        bytes.writeU16(UInt16(udpLength))
        bytes.writeU16(0)
        bytes.writeBytes(payload)
        packetCount += 1
    }

    public func write(to path: String) throws {
        try Data(bytes.bytes).write(to: URL(fileURLWithPath: path))
    }

    private static func ipChecksum(_ header: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for i in stride(from: 0, to: header.count, by: 2) {
            sum += UInt32(header.readU16(at: i))
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private mutating func writeLE16(_ v: UInt16) {
        bytes.writeU8(UInt8(v & 0xFF))
        bytes.writeU8(UInt8(v >> 8))
    }

    private mutating func writeLE32(_ v: UInt32) {
        writeLE16(UInt16(v & 0xFFFF))
        writeLE16(UInt16(v >> 16))
    }
}
