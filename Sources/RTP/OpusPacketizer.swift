/// Packetizes Opus for RTP (RFC 7587 §4): one Opus packet per RTP packet, 48 kHz clock
/// whatever the coded bandwidth, never fragmented.
public struct OpusPacketizer: RTPPacketizer, Sendable {
    public var writer: RTPPacketWriter

    /// RTP clock rate of Opus (RFC 7587 §4.1).
    public static let clockRate: UInt32 = 48_000

    public init(
        ssrc: UInt32, payloadType: UInt8 = 111, initialSequenceNumber: UInt16 = 0,
        payloadBudget: Int = RTPPacketWriter.defaultPayloadBudget, headerExtension: RTPHeaderExtension? = nil
    ) {
        writer = RTPPacketWriter(
            ssrc: ssrc, payloadType: payloadType, initialSequenceNumber: initialSequenceNumber,
            payloadBudget: payloadBudget, headerExtension: headerExtension)
    }

    /// Sends one Opus packet. `marker` flags the first packet of a talkspurt (RFC 3551 §4.1).
    /// An Opus packet longer than the budget cannot be split and is refused.
    @inlinable
    public mutating func packetize(
        frame: UnsafeRawBufferPointer, rtpTimestamp: UInt32, marker: Bool = false,
        emit: (inout [UInt8]) -> Void
    ) throws(RTPError) {
        guard frame.count <= writer.payloadBudget else {
            throw .payloadTooLarge(size: frame.count, budget: writer.payloadBudget)
        }
        guard !frame.isEmpty else { return }
        writer.begin(timestamp: rtpTimestamp)
        writer.append(frame)
        writer.finish(marker: marker, emit: emit)
    }

    public mutating func packetize(
        frame: [UInt8], rtpTimestamp: UInt32, marker: Bool = false, emit: (inout [UInt8]) -> Void
    ) throws(RTPError) {
        var failure: RTPError?
        frame.withUnsafeBytes { raw in
            do throws(RTPError) {
                try packetize(frame: raw, rtpTimestamp: rtpTimestamp, marker: marker, emit: emit)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// The packet for one Opus packet as an array (for tests and tools).
    public mutating func packets(frame: [UInt8], rtpTimestamp: UInt32) throws(RTPError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        try packetize(frame: frame, rtpTimestamp: rtpTimestamp) { out.append($0) }
        return out
    }
}

/// Takes Opus packets back out of RTP (RFC 7587 §4): each payload is one Opus packet.
public typealias OpusDepacketizer = WholePayloadDepacketizer
