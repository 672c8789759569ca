import WireKit

/// A source description packet, SDES (RFC 3550 §6.5): one chunk per source, each a list of items.
public struct RTCPSourceDescription: Equatable, Sendable {
    /// The items describing one SSRC or CSRC.
    public struct Chunk: Equatable, Sendable {
        public var source: UInt32
        public var items: [RTCPSDESItem]

        public init(source: UInt32, items: [RTCPSDESItem]) {
            self.source = source
            self.items = items
        }
    }

    /// At most 31 chunks.
    public var chunks: [Chunk]

    public init(chunks: [Chunk]) { self.chunks = chunks }

    /// The usual single-chunk SDES carrying only a CNAME (RFC 3550 §6.5.1).
    public init(source: UInt32, cname: String) {
        chunks = [Chunk(source: source, items: [RTCPSDESItem(.cname, text: cname)])]
    }

    init(parsing reader: inout RTCPReader, count: UInt8) throws(RTCPError) {
        var chunks: [Chunk] = []
        chunks.reserveCapacity(Int(count))
        for _ in 0..<count { chunks.append(try Self.parseChunk(&reader)) }
        try reader.expectEnd(.sdesChunk)
        self.chunks = chunks
    }

    private static func parseChunk(_ reader: inout RTCPReader) throws(RTCPError) -> Chunk {
        let source = try reader.u32(.sdesChunk)
        var items: [RTCPSDESItem] = []
        while true {
            let type = try reader.u8(.sdesChunk)
            if type == 0 {
                // The null item ends the list; more null octets pad the chunk to 32 bits.
                // Chunks start 32-bit aligned, and so does the packet content after its header.
                try reader.skip((4 - reader.consumed % 4) % 4, .sdesChunk)
                return Chunk(source: source, items: items)
            }
            let length = try reader.u8(.sdesItem)
            let value = try reader.bytes(Int(length), .sdesItem)
            items.append(RTCPSDESItem(RTCPSDESItem.ItemType(rawValue: type), value: Array(value)))
        }
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(&writer, count: chunks.count, type: RTCPPacketType.sourceDescription)
        for chunk in chunks {
            writer.writeU32(chunk.source)
            for item in chunk.items {
                guard item.type.rawValue != 0 else { throw .invalidValue(.sdesItem) }
                guard item.value.count <= 255 else {
                    throw .notEncodable(.sdesItem, value: item.value.count, limit: 255)
                }
                writer.writeU8(item.type.rawValue)
                writer.writeU8(UInt8(item.value.count))
                writer.writeBytes(item.value)
            }
            writer.writeU8(0)
            RTCPPacketWriter.padWithZeros(&writer, start: start)
        }
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}

/// One SDES item (RFC 3550 §6.5): a type and up to 255 octets of value, UTF-8 text for every
/// type but PRIV. The value is kept as bytes so a malformed name from a peer still parses.
public struct RTCPSDESItem: Equatable, Sendable {
    /// SDES item types (RFC 3550 §6.5.1–6.5.8, §12.2); other values are kept as they are.
    public struct ItemType: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let cname = ItemType(rawValue: 1)
        public static let name = ItemType(rawValue: 2)
        public static let email = ItemType(rawValue: 3)
        public static let phone = ItemType(rawValue: 4)
        public static let location = ItemType(rawValue: 5)
        public static let tool = ItemType(rawValue: 6)
        public static let note = ItemType(rawValue: 7)
        /// Private extension: prefix length, prefix and value, kept raw (RFC 3550 §6.5.8).
        public static let priv = ItemType(rawValue: 8)
    }

    public var type: ItemType
    public var value: [UInt8]

    public init(_ type: ItemType, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    public init(_ type: ItemType, text: String) {
        self.init(type, value: Array(text.utf8))
    }

    /// The value as text; invalid UTF-8 is replaced rather than rejected.
    public var text: String { String(decoding: value, as: UTF8.self) }
}
