import Testing
import WireKit

@Suite struct ByteReaderTests {
    @Test func readsBigEndianIntegers() throws {
        var r = ByteReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12])
        #expect(try r.readU8() == 0x01)
        #expect(try r.readU16() == 0x0203)
        #expect(try r.readU24() == 0x04_0506)
        #expect(try r.readU32() == 0x0708_090A)
        #expect(try r.readU64() == 0x0B0C_0D0E_0F10_1112)
        #expect(r.isAtEnd)
        #expect(r.consumed == 18)
    }

    @Test func shortInputThrowsTruncatedWithCounts() {
        var r = ByteReader([0xAA, 0xBB, 0xCC])
        #expect(throws: WireError.truncated(needed: 4, available: 3)) { try r.readU32() }
        // A failed read does not move the cursor.
        #expect(r.position == 0)
        #expect(throws: WireError.truncated(needed: 8, available: 3)) { try r.readU64() }
        #expect(throws: WireError.truncated(needed: 5, available: 3)) { try r.readBytes(5) }
        #expect(throws: WireError.truncated(needed: 4, available: 3)) { try r.skip(4) }
        #expect(throws: WireError.truncated(needed: 3, available: 3 - 1)) {
            var s = r
            _ = try s.readU8()
            _ = try s.readU24()
        }
    }

    @Test func negativeLengthsAreErrorsNotTraps() {
        var r = ByteReader([1, 2, 3])
        #expect(throws: WireError.invalidLength(-1)) { try r.readBytes(-1) }
        #expect(throws: WireError.invalidLength(-5)) { try r.skip(-5) }
        #expect(throws: WireError.invalidLength(-1)) { try r.peekU8(offset: -1) }
    }

    @Test func emptyInput() throws {
        var r = ByteReader([])
        #expect(r.isAtEnd)
        #expect(throws: WireError.truncated(needed: 1, available: 0)) { try r.readU8() }
        #expect(r.readRest().isEmpty)
        #expect(try r.readBytes(0).isEmpty)
    }

    @Test func slicesShareStorageAndKeepIndices() throws {
        let bytes: [UInt8] = Array(0..<32)
        var r = ByteReader(bytes[8..<24])
        #expect(r.remaining == 16)
        let head = try r.readBytes(4)
        #expect(Array(head) == [8, 9, 10, 11])
        #expect(head.startIndex == 8)
        var sub = try r.readReader(4)
        #expect(try sub.readU32() == 0x0C0D_0E0F)
        #expect(throws: WireError.truncated(needed: 1, available: 0)) { try sub.readU8() }
        #expect(r.remaining == 8)
        #expect(Array(r.readRest()) == Array(16..<24))
    }

    @Test func peekDoesNotMove() throws {
        let r = ByteReader([0x12, 0x34, 0x56])
        #expect(try r.peekU8() == 0x12)
        #expect(try r.peekU8(offset: 2) == 0x56)
        #expect(try r.peekU16(offset: 1) == 0x3456)
        #expect(throws: WireError.truncated(needed: 4, available: 3)) { try r.peekU8(offset: 3) }
        #expect(r.position == 0)
    }

    @Test func utf8IsValidated() throws {
        var ok = ByteReader(Array("héllo".utf8))
        #expect(try ok.readUTF8(6) == "héllo")
        var bad = ByteReader([0x61, 0xFF, 0xFE])
        #expect(throws: WireError.invalidUTF8) { try bad.readUTF8(3) }
    }

    @Test func clampedRangeInitializer() {
        let r = ByteReader([1, 2, 3], range: -5..<10)
        #expect(r.remaining == 3)
        let empty = ByteReader([1, 2, 3], range: 7..<9)
        #expect(empty.remaining == 0)
    }

    @Test func everyPrefixOfAValidRecordFailsCleanly() {
        // Reading a fixed layout from each truncation of it must throw, never trap.
        let full: [UInt8] = [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9]
        for n in 0..<full.count {
            var r = ByteReader(Array(full[0..<n]))
            let result = Result { () throws(WireError) in
                _ = try r.readU16()
                _ = try r.readU32()
                _ = try r.readU64()
                _ = try r.readBytes(3)
            }
            #expect((try? result.get()) == nil, "prefix of \(n) bytes should not parse")
        }
    }
}

@Suite struct ByteWriterTests {
    @Test func writesBigEndianAndPatches() {
        var w = ByteWriter(capacity: 32)
        w.writeU8(0xAB)
        w.writeU16(0x0102)
        w.writeU24(0x03_0405)
        w.writeU32(0x0607_0809)
        w.writeU64(0x0A0B_0C0D_0E0F_1011)
        w.writeUTF8("hi")
        #expect(w.bytes == [0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0x68, 0x69])
        w.setU16(0xBEEF, at: 1)
        w.setU32(0xDEAD_BEEF, at: 3)
        #expect(Array(w.bytes[0..<7]) == [0xAB, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF])
    }

    @Test func padsToAlignment() {
        var w = ByteWriter()
        w.writeBytes([1, 2, 3, 4, 5])
        w.pad(toMultipleOf: 4)
        #expect(w.bytes == [1, 2, 3, 4, 5, 0, 0, 0])
        w.pad(toMultipleOf: 4)
        #expect(w.count == 8)
    }

    @Test func resetKeepsCapacity() {
        var w = ByteWriter(capacity: 1500)
        w.writeZeros(1400)
        let capacity = w.bytes.capacity
        w.reset()
        #expect(w.count == 0)
        #expect(w.bytes.capacity == capacity)
    }

    @Test func writerAndReaderRoundTrip() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let a = UInt8.random(in: 0...255, using: &rng)
            let b = UInt16.random(in: 0...UInt16.max, using: &rng)
            let c = UInt32.random(in: 0...0xFF_FFFF, using: &rng)
            let d = UInt32.random(in: 0...UInt32.max, using: &rng)
            let e = UInt64.random(in: 0...UInt64.max, using: &rng)
            var w = ByteWriter()
            w.writeU8(a)
            w.writeU16(b)
            w.writeU24(c)
            w.writeU32(d)
            w.writeU64(e)
            var r = ByteReader(w.take())
            #expect(try r.readU8() == a)
            #expect(try r.readU16() == b)
            #expect(try r.readU24() == c)
            #expect(try r.readU32() == d)
            #expect(try r.readU64() == e)
        }
    }
}
