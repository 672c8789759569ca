/// A bounds-checked, big-endian (network order) cursor over bytes.
///
/// Every read checks the remaining length first and throws ``WireError/truncated(needed:available:)``
/// instead of trapping, so a parser built on it cannot crash on short input. Byte runs come back
/// as `ArraySlice`s of the original storage: no copy is made.
public struct ByteReader: Sendable {
    /// The bytes being read; indices are those of the original array.
    public let storage: ArraySlice<UInt8>
    /// Index in `storage` of the next byte to read.
    @inlinable public var position: Int { cursor }
    @usableFromInline internal var cursor: Int

    @inlinable
    public init(_ bytes: [UInt8]) {
        self.storage = bytes[...]
        self.cursor = 0
    }

    @inlinable
    public init(_ slice: ArraySlice<UInt8>) {
        self.storage = slice
        self.cursor = slice.startIndex
    }

    /// A reader over `bytes[range]`; the range is clamped to the array's bounds.
    @inlinable
    public init(_ bytes: [UInt8], range: Range<Int>) {
        let lower = min(max(range.lowerBound, 0), bytes.count)
        let upper = min(max(range.upperBound, lower), bytes.count)
        self.init(bytes[lower..<upper])
    }

    @inlinable public var startIndex: Int { storage.startIndex }
    @inlinable public var endIndex: Int { storage.endIndex }
    @inlinable public var remaining: Int { storage.endIndex - position }
    @inlinable public var isAtEnd: Bool { position >= storage.endIndex }
    /// Bytes consumed since the start.
    @inlinable public var consumed: Int { position - storage.startIndex }

    @inlinable @inline(__always)
    internal func check(_ n: Int) throws(WireError) {
        guard n >= 0 else { throw .invalidLength(n) }
        guard n <= storage.endIndex - position else {
            throw .truncated(needed: n, available: storage.endIndex - position)
        }
    }

    @inlinable
    public mutating func readU8() throws(WireError) -> UInt8 {
        try check(1)
        defer { cursor += 1 }
        return storage[position]
    }

    @inlinable
    public mutating func readU16() throws(WireError) -> UInt16 {
        try check(2)
        defer { cursor += 2 }
        return storage.readU16(at: position)
    }

    @inlinable
    public mutating func readU24() throws(WireError) -> UInt32 {
        try check(3)
        defer { cursor += 3 }
        return UInt32(storage[position]) << 16 | UInt32(storage.readU16(at: position + 1))
    }

    @inlinable
    public mutating func readU32() throws(WireError) -> UInt32 {
        try check(4)
        defer { cursor += 4 }
        return storage.readU32(at: position)
    }

    @inlinable
    public mutating func readU64() throws(WireError) -> UInt64 {
        try check(8)
        defer { cursor += 8 }
        return UInt64(storage.readU32(at: position)) << 32 | UInt64(storage.readU32(at: position + 4))
    }

    /// The next `count` bytes as a slice of the underlying storage (no copy).
    @inlinable
    public mutating func readBytes(_ count: Int) throws(WireError) -> ArraySlice<UInt8> {
        try check(count)
        defer { cursor += count }
        return storage[position..<position + count]
    }

    /// The next `count` bytes copied into a new array.
    @inlinable
    public mutating func readArray(_ count: Int) throws(WireError) -> [UInt8] {
        Array(try readBytes(count))
    }

    /// The next `count` bytes decoded as UTF-8; invalid UTF-8 throws ``WireError/invalidUTF8``.
    public mutating func readUTF8(_ count: Int) throws(WireError) -> String {
        let bytes = try readBytes(count)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    /// A reader limited to the next `count` bytes; this reader moves past them.
    @inlinable
    public mutating func readReader(_ count: Int) throws(WireError) -> ByteReader {
        ByteReader(try readBytes(count))
    }

    /// Everything not read yet; the reader ends up at its end.
    @inlinable
    public mutating func readRest() -> ArraySlice<UInt8> {
        defer { cursor = storage.endIndex }
        return storage[position...]
    }

    @inlinable
    public mutating func skip(_ count: Int) throws(WireError) {
        try check(count)
        cursor += count
    }

    /// The byte `offset` bytes ahead of the position, without moving.
    @inlinable
    public func peekU8(offset: Int = 0) throws(WireError) -> UInt8 {
        guard offset >= 0 else { throw .invalidLength(offset) }
        try check(offset + 1)
        return storage[position + offset]
    }

    @inlinable
    public func peekU16(offset: Int = 0) throws(WireError) -> UInt16 {
        guard offset >= 0 else { throw .invalidLength(offset) }
        try check(offset + 2)
        return storage.readU16(at: position + offset)
    }
}

extension MutableCollection where Element == UInt8, Index == Int {
    /// Big-endian 16-bit value at `index`. The caller has checked the bounds.
    @inlinable @inline(__always)
    public func readU16(at index: Int) -> UInt16 {
        UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }

    /// Big-endian 32-bit value at `index`. The caller has checked the bounds.
    @inlinable @inline(__always)
    public func readU32(at index: Int) -> UInt32 {
        UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8
            | UInt32(self[index + 3])
    }

    @inlinable @inline(__always)
    public mutating func writeU16(_ value: UInt16, at index: Int) {
        self[index] = UInt8(truncatingIfNeeded: value >> 8)
        self[index + 1] = UInt8(truncatingIfNeeded: value)
    }

    @inlinable @inline(__always)
    public mutating func writeU32(_ value: UInt32, at index: Int) {
        self[index] = UInt8(truncatingIfNeeded: value >> 24)
        self[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[index + 3] = UInt8(truncatingIfNeeded: value)
    }
}
