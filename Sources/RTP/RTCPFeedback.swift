import WireKit

/// A generic NACK, RTPFB FMT 1 (RFC 4585 §6.2.1): lost RTP sequence numbers as PID + BLP pairs.
public struct RTCPGenericNACK: Equatable, Sendable {
    /// One FCI entry: the packet ID and a bitmask of the 16 following sequence numbers.
    public struct Entry: Equatable, Sendable {
        /// Packet ID: a lost sequence number.
        public var packetID: UInt16
        /// Bit i (least significant first) set means `packetID + i + 1` is lost too.
        public var lostBitmask: UInt16

        public init(packetID: UInt16, lostBitmask: UInt16 = 0) {
            self.packetID = packetID
            self.lostBitmask = lostBitmask
        }

        /// The sequence numbers this entry reports lost, in order, wrapping past 65535.
        public var lostSequenceNumbers: [UInt16] {
            var out = [packetID]
            for bit in 0..<16 where lostBitmask & (1 << bit) != 0 {
                out.append(packetID &+ UInt16(bit + 1))
            }
            return out
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Packs lost sequence numbers into as few entries as a greedy pass allows. The numbers
    /// are ordered by their distance after the first one (so 65534, 65535, 0, 1 stay in that
    /// order and share one entry) and duplicates are dropped.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: [UInt16]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        entries = []
        guard let first = lostSequenceNumbers.first else { return }
        let ordered = lostSequenceNumbers.sorted { ($0 &- first) < ($1 &- first) }
        for sequence in ordered {
            if let last = entries.last {
                let distance = sequence &- last.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    entries[entries.count - 1].lostBitmask |= 1 << (distance - 1)
                    continue
                }
            }
            entries.append(Entry(packetID: sequence))
        }
    }

    /// Every sequence number reported lost, entry by entry.
    public var lostSequenceNumbers: [UInt16] { entries.flatMap(\.lostSequenceNumbers) }

    init(parsing reader: inout RTCPReader, senderSSRC: UInt32, mediaSSRC: UInt32) throws(RTCPError) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        guard reader.remaining % 4 == 0 else { throw .unexpectedBytes(.nackFCI, count: reader.remaining % 4) }
        var entries: [Entry] = []
        entries.reserveCapacity(reader.remaining / 4)
        while !reader.isAtEnd {
            entries.append(Entry(packetID: try reader.u16(.nackFCI), lostBitmask: try reader.u16(.nackFCI)))
        }
        self.entries = entries
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(
            &writer, count: Int(RTCPPacketType.fmtGenericNACK), type: RTCPPacketType.transportLayerFeedback)
        writer.writeU32(senderSSRC)
        writer.writeU32(mediaSSRC)
        for entry in entries {
            writer.writeU16(entry.packetID)
            writer.writeU16(entry.lostBitmask)
        }
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}

/// A picture loss indication, PSFB FMT 1 (RFC 4585 §6.3.1); it has no FCI.
public struct RTCPPictureLossIndication: Equatable, Sendable {
    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(
            &writer, count: Int(RTCPPacketType.fmtPictureLoss), type: RTCPPacketType.payloadSpecificFeedback)
        writer.writeU32(senderSSRC)
        writer.writeU32(mediaSSRC)
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}

/// A full intra request, PSFB FMT 4 (RFC 5104 §4.3.1): one FCI entry per encoder asked for a
/// decoder refresh point. The media source SSRC of the common header is unused (0).
public struct RTCPFullIntraRequest: Equatable, Sendable {
    /// One FCI entry: the target SSRC and a command sequence number that the requester
    /// increments for each new request (repeats of a request keep it).
    public struct Entry: Equatable, Sendable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt8

        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    /// Zero by RFC 5104; kept so a packet from a peer that sets it writes back unchanged.
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    init(parsing reader: inout RTCPReader, senderSSRC: UInt32, mediaSSRC: UInt32) throws(RTCPError) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        guard reader.remaining % 8 == 0 else { throw .unexpectedBytes(.firFCI, count: reader.remaining % 8) }
        var entries: [Entry] = []
        entries.reserveCapacity(reader.remaining / 8)
        while !reader.isAtEnd {
            let ssrc = try reader.u32(.firFCI)
            let sequence = try reader.u8(.firFCI)
            try reader.skip(3, .firFCI)  // reserved
            entries.append(Entry(ssrc: ssrc, sequenceNumber: sequence))
        }
        self.entries = entries
    }

    func write(to writer: inout ByteWriter) throws(RTCPError) {
        let start = try RTCPPacketWriter.begin(
            &writer, count: Int(RTCPPacketType.fmtFullIntraRequest), type: RTCPPacketType.payloadSpecificFeedback)
        writer.writeU32(senderSSRC)
        writer.writeU32(mediaSSRC)
        for entry in entries {
            writer.writeU32(entry.ssrc)
            writer.writeU8(entry.sequenceNumber)
            writer.writeU24(0)
        }
        try RTCPPacketWriter.finish(&writer, start: start)
    }
}
