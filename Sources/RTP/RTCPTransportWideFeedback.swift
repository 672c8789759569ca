import WireKit

/// Transport-wide congestion control feedback, RTPFB FMT 15
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): for a run of transport-wide
/// sequence numbers, whether each packet arrived and, if so, its arrival time as a delta from
/// the previous arrival in 250 µs ticks.
///
/// The value holds one ``PacketStatus`` per sequence number; status chunks are an encoding
/// detail chosen when writing (run-length where a status repeats, status vectors elsewhere),
/// so a parsed packet may write back with different but equivalent chunks.
public struct RTCPTransportWideFeedback: Equatable, Sendable {
    /// What the feedback says about one sequence number.
    public enum PacketStatus: Equatable, Sendable {
        case notReceived
        /// Received, `delta` ticks of 250 µs after the previous received packet (the first:
        /// after the reference time). 0...255 is sent as a small one-byte delta; anything
        /// else, negative deltas from reordering included, as a large two-byte one.
        case received(delta: Int16)

        /// The 2-bit status symbol (§3.1.1).
        var symbol: UInt8 {
            switch self {
            case .notReceived: 0
            case .received(let delta): (0...255).contains(delta) ? 1 : 2
            }
        }
    }

    /// One sequence number's outcome with its absolute arrival time.
    public struct PacketResult: Equatable, Sendable {
        public var sequenceNumber: UInt16
        /// The receive delta in 250 µs ticks; nil when the packet was not received.
        public var receiveDelta: Int16?
        /// Arrival time in microseconds in the feedback sender's time base
        /// (reference time × 64 ms plus the deltas so far); nil when not received.
        public var arrivalTime: Int64?

        public var isReceived: Bool { receiveDelta != nil }

        public init(sequenceNumber: UInt16, receiveDelta: Int16?, arrivalTime: Int64?) {
            self.sequenceNumber = sequenceNumber
            self.receiveDelta = receiveDelta
            self.arrivalTime = arrivalTime
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// Transport-wide sequence number of the first packet described.
    public var baseSequenceNumber: UInt16
    /// Signed 24-bit time base in multiples of 64 ms.
    public var referenceTime: Int32
    /// Counts feedback packets sent, so the media sender can detect lost feedback.
    public var feedbackPacketCount: UInt8
    /// One status per sequence number from ``baseSequenceNumber`` on (at most 65535).
    public var packetStatuses: [PacketStatus]

    /// Microseconds per receive delta tick.
    public static let deltaTickMicroseconds: Int64 = 250
    /// Microseconds per reference time unit.
    public static let referenceTimeUnitMicroseconds: Int64 = 64_000
    static let referenceTimeRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
        feedbackPacketCount: UInt8, packetStatuses: [PacketStatus]
    ) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packetStatuses = packetStatuses
    }

    /// Sequence numbers with their deltas and arrival times, in order.
    public var packetResults: [PacketResult] {
        var time = Int64(referenceTime) * Self.referenceTimeUnitMicroseconds
        var results: [PacketResult] = []
        results.reserveCapacity(packetStatuses.count)
        for (index, status) in packetStatuses.enumerated() {
            let sequence = baseSequenceNumber &+ UInt16(truncatingIfNeeded: index)
            switch status {
            case .notReceived:
                results.append(PacketResult(sequenceNumber: sequence, receiveDelta: nil, arrivalTime: nil))
            case .received(let delta):
                time += Int64(delta) * Self.deltaTickMicroseconds
                results.append(PacketResult(sequenceNumber: sequence, receiveDelta: delta, arrivalTime: time))
            }
        }
        return results
    }

    // MARK: Parsing

    init(parsing reader: inout RTCPReader, senderSSRC: UInt32, mediaSSRC: UInt32) throws(RTCPError) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        try reader.require(8, .twccHeader)
        baseSequenceNumber = try reader.u16(.twccHeader)
        let count = Int(try reader.u16(.twccHeader))
        referenceTime = Int32(bitPattern: try reader.u24(.twccHeader) << 8) >> 8
        feedbackPacketCount = try reader.u8(.twccHeader)
        let symbols = try Self.parseChunks(&reader, count: count)
        var statuses: [PacketStatus] = []
        statuses.reserveCapacity(symbols.count)
        for symbol in symbols {
            switch symbol {
            case 0: statuses.append(.notReceived)
            case 1: statuses.append(.received(delta: Int16(try reader.u8(.twccReceiveDelta))))
            default: statuses.append(.received(delta: Int16(bitPattern: try reader.u16(.twccReceiveDelta))))
            }
        }
        packetStatuses = statuses
        // Zero padding to the next 32-bit boundary may follow; its content does not matter.
        _ = reader.rest()
    }

    /// Status symbols for `count` packets from run-length (§3.1.3) and status vector (§3.1.4)
    /// chunks. Symbols a final chunk carries beyond `count` are ignored.
    private static func parseChunks(_ reader: inout RTCPReader, count: Int) throws(RTCPError) -> [UInt8] {
        var symbols: [UInt8] = []
        symbols.reserveCapacity(min(count, 1024))
        while symbols.count < count {
            let chunk = try reader.u16(.twccStatusChunk)
            let left = count - symbols.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8(truncatingIfNeeded: chunk >> 13) & 0x3
                let run = min(Int(chunk & 0x1FFF), left)
                if run > 0 && symbol == 3 { throw .invalidValue(.twccStatusChunk) }
                symbols.append(contentsOf: repeatElement(symbol, count: run))
            } else if chunk & 0x4000 == 0 {
                for i in 0..<min(14, left) {
                    symbols.append(UInt8(truncatingIfNeeded: chunk >> (13 - i)) & 0x1)
                }
            } else {
                for i in 0..<min(7, left) {
                    let symbol = UInt8(truncatingIfNeeded: chunk >> (12 - 2 * i)) & 0x3
                    if symbol == 3 { throw .invalidValue(.twccStatusChunk) }
                    symbols.append(symbol)
                }
            }
        }
        return symbols
    }

    // MARK: Writing

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        guard packetStatuses.count <= 0xFFFF else {
            throw .notEncodable(.twccHeader, value: packetStatuses.count, limit: 0xFFFF)
        }
        guard Self.referenceTimeRange.contains(referenceTime) else {
            throw .notEncodable(.twccHeader, value: Int(referenceTime), limit: Int(Self.referenceTimeRange.upperBound))
        }
        let start = try RTCPPacketWriter.begin(
            &writer, count: Int(RTCPPacketType.fmtTransportWideCC), type: RTCPPacketType.transportLayerFeedback)
        writer.writeU32(senderSSRC)
        writer.writeU32(mediaSSRC)
        writer.writeU16(baseSequenceNumber)
        writer.writeU16(UInt16(packetStatuses.count))
        writer.writeU24(UInt32(bitPattern: referenceTime) & 0xFF_FFFF)
        writer.writeU8(feedbackPacketCount)
        Self.writeChunks(packetStatuses.map(\.symbol), to: &writer)
        for status in packetStatuses {
            guard case .received(let delta) = status else { continue }
            if (0...255).contains(delta) {
                writer.writeU8(UInt8(delta))
            } else {
                writer.writeU16(UInt16(bitPattern: delta))
            }
        }
        RTCPPacketWriter.padWithZeros(&writer, start: start)
        try RTCPPacketWriter.finish(&writer, start: start)
    }

    /// A run-length chunk where a symbol repeats 14 times or more, or fills the rest; otherwise
    /// a 1-bit status vector when the next 14 symbols are all 0 or 1, else a 2-bit one.
    static func writeChunks(_ symbols: [UInt8], to writer: inout ByteWriter) {
        var i = 0
        while i < symbols.count {
            let left = symbols.count - i
            var run = 1
            while run < left, run < 0x1FFF, symbols[i + run] == symbols[i] { run += 1 }
            if run >= 14 || run == left {
                writer.writeU16(UInt16(symbols[i]) << 13 | UInt16(run))
                i += run
            } else if symbols[i..<i + min(14, left)].allSatisfy({ $0 <= 1 }) {
                var chunk: UInt16 = 0x8000
                for k in 0..<min(14, left) { chunk |= UInt16(symbols[i + k]) << (13 - k) }
                writer.writeU16(chunk)
                i += min(14, left)
            } else {
                var chunk: UInt16 = 0xC000
                for k in 0..<min(7, left) { chunk |= UInt16(symbols[i + k]) << (12 - 2 * k) }
                writer.writeU16(chunk)
                i += min(7, left)
            }
        }
    }
}
