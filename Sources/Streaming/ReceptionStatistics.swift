import RTP
import WireKit

/// What we know of one RTP stream a viewer sends us, for the report blocks of our RTCP
/// (RFC 3550 §6.4.1): extended highest sequence number and loss (Appendix A.1, A.3) and
/// interarrival jitter (Appendix A.8), plus the last sender report the viewer sent (LSR/DLSR).
struct ReceptionStatistics: Sendable {
    let clockRate: UInt32
    private(set) var ssrc: UInt32?
    private(set) var packets: UInt64 = 0
    private(set) var bytes: UInt64 = 0
    private var baseSequence: UInt32 = 0
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var badSequence: UInt32 = 1 << 17
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    private var lastTransit: Int64?
    /// Interarrival jitter in timestamp units (RFC 3550 A.8), as a real number.
    private(set) var jitter: Double = 0
    private var lastSenderReport: (compact: UInt32, arrival: Instant)?

    /// Sequence jumps larger than this restart the count (RFC 3550 A.1 MAX_DROPOUT).
    static let maxDropout: UInt16 = 3000
    static let maxMisorder: UInt16 = 100

    init(clockRate: UInt32) { self.clockRate = clockRate }

    var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Packets lost: expected minus received, which duplicates can make negative.
    var cumulativeLost: Int64 {
        guard packets > 0 else { return 0 }
        let expected = Int64(extendedHighestSequence) - Int64(baseSequence) + 1
        return expected - Int64(packets)
    }

    mutating func record(_ header: RTPHeader, payloadBytes: Int, now: Instant) {
        if ssrc != header.ssrc {
            self = ReceptionStatistics(clockRate: clockRate)
            ssrc = header.ssrc
            baseSequence = UInt32(header.sequenceNumber)
            maxSequence = header.sequenceNumber
        } else {
            updateSequence(header.sequenceNumber)
        }
        packets += 1
        bytes += UInt64(payloadBytes)
        // A.8: transit = arrival - timestamp, both in timestamp units; J += (|D| - J) / 16.
        let arrival = OutboundStream.ticks(.nanoseconds(now.nanoseconds), rate: clockRate)
        let transit = Int64(Int32(truncatingIfNeeded: arrival &- Int64(header.timestamp)))
        if let last = lastTransit {
            let d = Double(abs(Int64(Int32(truncatingIfNeeded: transit &- last))))
            jitter += (d - jitter) / 16
        }
        lastTransit = transit
    }

    private mutating func updateSequence(_ seq: UInt16) {
        let delta = seq &- maxSequence
        if delta < Self.maxDropout {
            if seq < maxSequence { cycles &+= 1 << 16 }
            maxSequence = seq
        } else if delta <= UInt16.max - Self.maxMisorder {
            // A large jump: restart only when the next packet confirms it (A.1 bad_seq).
            if UInt32(seq) == badSequence {
                baseSequence = UInt32(seq)
                maxSequence = seq
                cycles = 0
                packets = 0
                expectedPrior = 0
                receivedPrior = 0
            } else {
                badSequence = UInt32(seq &+ 1)
            }
        }
    }

    mutating func recordSenderReport(_ ntp: NTPTimestamp, now: Instant) {
        lastSenderReport = (ntp.compact, now)
    }

    /// The report block for this stream (RFC 3550 §6.4.1), advancing the "since last report"
    /// counters behind the fraction lost (A.3).
    mutating func reportBlock(now: Instant) -> RTCPReportBlock? {
        guard let ssrc, packets > 0 else { return nil }
        let expected = Int64(extendedHighestSequence) - Int64(baseSequence) + 1
        let expectedInterval = expected - expectedPrior
        let receivedInterval = Int64(packets) - receivedPrior
        expectedPrior = expected
        receivedPrior = Int64(packets)
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 =
            expectedInterval <= 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        let lost = Int32(clamping: cumulativeLost)
        var block = RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost, extendedHighestSequence: extendedHighestSequence,
            jitter: UInt32(min(jitter, Double(UInt32.max)).rounded(.down)))
        if let lsr = lastSenderReport {
            block.lastSenderReport = lsr.compact
            block.delaySinceLastSenderReport = NTPTimestamp.compactDuration(nanoseconds: (now - lsr.arrival).nanoseconds)
        }
        return block
    }
}
