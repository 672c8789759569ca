/// Packetizes G.711 audio for RTP (RFC 3551 §4.5.14): PCMU (static payload type 0) or PCMA
/// (payload type 8), one byte per sample at 8000 Hz. A frame longer than the payload budget
/// is split into several packets; each carries the timestamp of its first sample.
public struct G711Packetizer: RTPPacketizer, Sendable {
    /// The two G.711 companding laws and their static payload types (RFC 3551 Table 4).
    public enum Law: Sendable, Equatable {
        case pcmu
        case pcma

        public var payloadType: UInt8 { self == .pcmu ? 0 : 8 }
    }

    public var writer: RTPPacketWriter
    public let law: Law

    /// RTP clock rate of G.711 (RFC 3551 Table 4).
    public static let clockRate: UInt32 = 8_000

    public init(
        law: Law, ssrc: UInt32, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, headerExtension: RTPHeaderExtension? = nil
    ) {
        self.law = law
        writer = RTPPacketWriter(
            ssrc: ssrc, payloadType: law.payloadType, initialSequenceNumber: initialSequenceNumber,
            payloadBudget: payloadBudget, headerExtension: headerExtension)
    }

    /// Sends the samples of `frame`, whose first sample has `rtpTimestamp`. `marker` flags the
    /// first packet of a talkspurt (RFC 3551 §4.1) and is set on the first packet only.
    @inlinable
    public mutating func packetize(
        frame: UnsafeRawBufferPointer, rtpTimestamp: UInt32, marker: Bool = false,
        emit: (inout [UInt8]) -> Void
    ) {
        var offset = 0
        while offset < frame.count {
            let n = min(writer.payloadBudget, frame.count - offset)
            writer.begin(timestamp: rtpTimestamp &+ UInt32(truncatingIfNeeded: offset))
            writer.append(UnsafeRawBufferPointer(rebasing: frame[offset..<offset + n]))
            writer.finish(marker: marker && offset == 0, emit: emit)
            offset += n
        }
    }

    public mutating func packetize(
        frame: [UInt8], rtpTimestamp: UInt32, marker: Bool = false, emit: (inout [UInt8]) -> Void
    ) {
        frame.withUnsafeBytes { packetize(frame: $0, rtpTimestamp: rtpTimestamp, marker: marker, emit: emit) }
    }

    /// The packets of one frame as separate arrays (for tests and tools).
    public mutating func packets(frame: [UInt8], rtpTimestamp: UInt32, marker: Bool = false) -> [[UInt8]] {
        var out: [[UInt8]] = []
        packetize(frame: frame, rtpTimestamp: rtpTimestamp, marker: marker) { out.append($0) }
        return out
    }
}

/// Takes G.711 samples back out of RTP (RFC 3551 §4.5.14): each payload is a run of samples
/// starting at the packet's timestamp.
public typealias G711Depacketizer = WholePayloadDepacketizer
