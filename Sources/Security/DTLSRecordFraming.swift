import WireKit

/// The DTLS record header (RFC 6347 §4.1): type, version, epoch, 48-bit sequence number, length.
///
/// Used only to check that a datagram is a plausible sequence of whole records before OpenSSL
/// sees it, so junk is counted and dropped here rather than inside the library.
public struct DTLSRecordHeader: Sendable, Equatable {
    public static let length = 13
    /// RFC 6347 §4.1 allows 2^14 bytes of plaintext plus 2048 of expansion.
    public static let maximumFragmentLength = 16_384 + 2_048

    public var contentType: UInt8
    public var version: UInt16
    public var epoch: UInt16
    public var sequenceNumber: UInt64
    public var fragmentLength: Int

    /// change_cipher_spec(20) … tls12_cid(25) (RFC 6347 §4.1, RFC 9146).
    public static let contentTypes: ClosedRange<UInt8> = 20...25

    public init(from reader: inout ByteReader) throws(WireError) {
        contentType = try reader.readU8()
        version = try reader.readU16()
        epoch = try reader.readU16()
        let high = UInt64(try reader.readU16())
        let low = UInt64(try reader.readU32())
        sequenceNumber = high << 32 | low
        fragmentLength = Int(try reader.readU16())
    }

    /// DTLS 1.0 is 0xFEFF, 1.2 is 0xFEFD; ClientHellos may carry 1.0 in the record layer.
    public var isDTLSVersion: Bool { version >> 8 == 0xFE }

    /// A known content type, a DTLS version and a length within the record limit.
    public var isPlausible: Bool {
        Self.contentTypes.contains(contentType) && isDTLSVersion && fragmentLength <= Self.maximumFragmentLength
    }
}

/// Checks whole datagrams for DTLS record framing (RFC 6347 §4.1.2.7: invalid records are
/// discarded silently, and one datagram may carry several records).
public enum DTLSRecordFraming {
    /// The headers of every record in `datagram`, or nil if any record is malformed or truncated.
    public static func records(in datagram: [UInt8]) -> [DTLSRecordHeader]? {
        var reader = ByteReader(datagram)
        var headers: [DTLSRecordHeader] = []
        while !reader.isAtEnd {
            guard let header = try? DTLSRecordHeader(from: &reader), header.isPlausible,
                  (try? reader.skip(header.fragmentLength)) != nil
            else { return nil }
            headers.append(header)
        }
        return headers.isEmpty ? nil : headers
    }

    /// True when `datagram` is one or more well-formed DTLS records.
    public static func isWellFormed(_ datagram: [UInt8]) -> Bool {
        var reader = ByteReader(datagram)
        var count = 0
        while !reader.isAtEnd {
            guard let header = try? DTLSRecordHeader(from: &reader), header.isPlausible,
                  (try? reader.skip(header.fragmentLength)) != nil
            else { return false }
            count += 1
        }
        return count > 0
    }
}
