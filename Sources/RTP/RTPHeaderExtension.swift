import WireKit

/// One element of an RTP header extension block (RFC 8285 §4): a local identifier and its data.
public struct RTPHeaderExtensionElement: Equatable, Sendable {
    /// Local identifier: 1–14 in the one-byte form, 1–255 in the two-byte form.
    public var id: UInt8
    public var data: ArraySlice<UInt8>

    public init(id: UInt8, data: ArraySlice<UInt8>) {
        self.id = id
        self.data = data
    }

    public init(id: UInt8, data: [UInt8]) {
        self.init(id: id, data: data[...])
    }
}

/// The header extension block of an RTP packet (RFC 3550 §5.3.1), kept as its raw words so that
/// a parsed packet serializes back byte for byte; the RFC 8285 one-byte (profile 0xBEDE) and
/// two-byte (profile 0x100X) element forms are decoded on demand with ``elements()``.
public struct RTPHeaderExtension: Equatable, Sendable {
    /// The 16-bit "defined by profile" field.
    public var profile: UInt16
    /// The extension data after the 4-byte block header; serialized padded to a multiple of 4.
    public var data: ArraySlice<UInt8>

    /// The profile value of the RFC 8285 §4.2 one-byte header form.
    public static let oneByteProfile: UInt16 = 0xBEDE

    public init(profile: UInt16, data: ArraySlice<UInt8>) {
        self.profile = profile
        self.data = data
    }

    /// Which RFC 8285 element form (§4.2 one-byte, §4.3 two-byte) the profile field announces.
    public enum Form: Equatable, Sendable {
        case oneByte
        /// Two-byte form; `appBits` are the low 4 bits of the profile (RFC 8285 §4.3).
        case twoByte(appBits: UInt8)
        /// Any other profile: the data is opaque.
        case other
    }

    public var form: Form {
        if profile == Self.oneByteProfile { return .oneByte }
        if profile & 0xFFF0 == 0x1000 { return .twoByte(appBits: UInt8(profile & 0x0F)) }
        return .other
    }

    /// Data length rounded up to whole 32-bit words, as written on the wire.
    @inlinable
    public var paddedDataLength: Int { (data.count + 3) & ~3 }

    /// Bytes this block takes in a packet, its 4-byte header included.
    @inlinable
    public var encodedLength: Int { 4 + paddedDataLength }

    /// Builds a one-byte form block (RFC 8285 §4.2): ids 1–14, 1–16 data bytes each.
    public init(oneByte elements: [RTPHeaderExtensionElement]) throws(RTPError) {
        var out: [UInt8] = []
        for element in elements {
            guard (1...14).contains(element.id), (1...16).contains(element.data.count) else {
                throw .invalidExtensionElement(id: element.id, length: element.data.count)
            }
            out.append(element.id << 4 | UInt8(element.data.count - 1))
            out.append(contentsOf: element.data)
        }
        try self.init(profile: Self.oneByteProfile, padding: out)
    }

    /// Builds a two-byte form block (RFC 8285 §4.3): ids 1–255, 0–255 data bytes each.
    public init(twoByte elements: [RTPHeaderExtensionElement], appBits: UInt8 = 0) throws(RTPError) {
        var out: [UInt8] = []
        for element in elements {
            guard element.id != 0, element.data.count <= 255 else {
                throw .invalidExtensionElement(id: element.id, length: element.data.count)
            }
            out.append(element.id)
            out.append(UInt8(element.data.count))
            out.append(contentsOf: element.data)
        }
        try self.init(profile: 0x1000 | UInt16(appBits & 0x0F), padding: out)
    }

    private init(profile: UInt16, padding out: [UInt8]) throws(RTPError) {
        var padded = out
        while padded.count % 4 != 0 { padded.append(0) }
        guard padded.count / 4 <= Int(UInt16.max) else { throw .extensionTooLong(padded.count) }
        self.init(profile: profile, data: padded[...])
    }

    /// Calls `body` for each element in order without allocating. Padding bytes are skipped; in
    /// the one-byte form an id of 15 ends processing (RFC 8285 §4.2).
    public func forEachElement(
        _ body: (RTPHeaderExtensionElement) -> Void
    ) throws(RTPError) {
        switch form {
        case .oneByte: try forEachOneByte(body)
        case .twoByte: try forEachTwoByte(body)
        case .other: throw .notRFC8285Extension(profile: profile)
        }
    }

    /// The decoded RFC 8285 elements, in order.
    public func elements() throws(RTPError) -> [RTPHeaderExtensionElement] {
        var result: [RTPHeaderExtensionElement] = []
        try forEachElement { result.append($0) }
        return result
    }

    /// The data of the first element with `id`, if the block is in an RFC 8285 form and has it.
    public func element(id: UInt8) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        try? forEachElement { element in
            if found == nil && element.id == id { found = element.data }
        }
        return found
    }

    private func forEachOneByte(_ body: (RTPHeaderExtensionElement) -> Void) throws(RTPError) {
        var i = data.startIndex
        while i < data.endIndex {
            let byte = data[i]
            let id = byte >> 4
            if id == 0 {
                i += 1
                continue
            }
            if id == 15 { return }
            let length = Int(byte & 0x0F) + 1
            guard length <= data.endIndex - i - 1 else {
                throw .invalidExtensionElement(id: id, length: length)
            }
            body(RTPHeaderExtensionElement(id: id, data: data[i + 1..<i + 1 + length]))
            i += 1 + length
        }
    }

    private func forEachTwoByte(_ body: (RTPHeaderExtensionElement) -> Void) throws(RTPError) {
        var i = data.startIndex
        while i < data.endIndex {
            let id = data[i]
            if id == 0 {
                i += 1
                continue
            }
            guard i + 1 < data.endIndex else { throw .invalidExtensionElement(id: id, length: -1) }
            let length = Int(data[i + 1])
            guard length <= data.endIndex - i - 2 else {
                throw .invalidExtensionElement(id: id, length: length)
            }
            body(RTPHeaderExtensionElement(id: id, data: data[i + 2..<i + 2 + length]))
            i += 2 + length
        }
    }
}
