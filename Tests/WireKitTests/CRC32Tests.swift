import CZlib
import Testing
import WireKit

@Suite struct CRC32Tests {
    private func zlibCRC(_ bytes: [UInt8], continuing crc: UInt = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(crc, $0.baseAddress, UInt32($0.count))) }
    }

    @Test func knownValue() {
        // The CRC-32 check value: "123456789" → 0xCBF43926.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func matchesZlibOnRandomBuffers() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for length in Array(0...40) + [63, 64, 65, 1000, 1499, 4096, 65_537] {
            let data = rng.bytes(length)
            #expect(CRC32.checksum(data) == zlibCRC(data), "length \(length)")
        }
    }

    @Test func chainingMatchesOneShotAndZlib() {
        var rng = SplitMix64(seed: 99)
        let data = rng.bytes(10_000)
        for split in [0, 1, 7, 8, 9, 5_000, 9_999, 10_000] {
            let first = CRC32.checksum(data[0..<split])
            let chained = CRC32.checksum(data[split...], continuing: first)
            #expect(chained == CRC32.checksum(data))
            #expect(chained == zlibCRC(Array(data[split...]), continuing: UInt(zlibCRC(Array(data[0..<split])))))
        }
    }
}
