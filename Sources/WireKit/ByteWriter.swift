/// A growable big-endian (network order) byte buffer.
///
/// Reuse one writer with ``reset()`` on hot paths: it keeps its capacity, so steady-state
/// encoding does not allocate.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    @inlinable
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    @inlinable
    public var count: Int { bytes.count }

    /// Empties the buffer and keeps its storage.
    @inlinable
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    @inlinable
    public mutating func writeU8(_ value: UInt8) { bytes.append(value) }

    @inlinable
    public mutating func writeU16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func writeU24(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func writeU32(_ value: UInt32) {
        writeU16(UInt16(truncatingIfNeeded: value >> 16))
        writeU16(UInt16(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func writeU64(_ value: UInt64) {
        writeU32(UInt32(truncatingIfNeeded: value >> 32))
        writeU32(UInt32(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func writeBytes(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    public mutating func writeUTF8(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func writeZeros(_ count: Int) {
        guard count > 0 else { return }
        bytes.append(contentsOf: repeatElement(0, count: count))
    }

    /// Appends zero bytes until the length is a multiple of `alignment`.
    public mutating func pad(toMultipleOf alignment: Int) {
        guard alignment > 1 else { return }
        writeZeros((alignment - bytes.count % alignment) % alignment)
    }

    /// Overwrites two bytes at an index already written (for length fields filled in later).
    @inlinable
    public mutating func setU16(_ value: UInt16, at index: Int) { bytes.writeU16(value, at: index) }

    @inlinable
    public mutating func setU32(_ value: UInt32, at index: Int) { bytes.writeU32(value, at: index) }

    @inlinable
    public mutating func setU8(_ value: UInt8, at index: Int) { bytes[index] = value }

    /// Gives the buffer away and leaves this writer empty.
    public mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}
