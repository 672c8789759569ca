/// Rebuilds Annex-B access units from the NAL units and fragments that the H.264 (RFC 6184)
/// and H.265 (RFC 7798) payload formats carry. The codec depacketizers parse their payload
/// headers and drive this; it owns sequence tracking, fragment reassembly and loss handling.
///
/// Rules: a sequence gap drops the NAL unit being reassembled from fragments (later
/// fragments of it are ignored until the next start fragment) and flags the access unit as
/// lossy; a change of timestamp before the marker drops the unfinished access unit; an access
/// unit is handed out at the packet with the marker bit.
struct NALUnitAssembler: Sendable {
    var statistics = DepacketizerStatistics()
    var maximumFrameSize: Int

    enum Fragment: Sendable {
        case none
        /// Reassembling a NAL unit whose start code begins at `start` in the frame buffer.
        case assembling(start: Int)
        /// Skipping the rest of a NAL unit that lost a fragment.
        case discarding
    }

    enum Frame: Sendable {
        case idle
        case collecting(timestamp: UInt32, hadLoss: Bool)
        /// Over the size limit: ignored until its marker or the next timestamp.
        case overflowed(timestamp: UInt32)
    }

    var fragment: Fragment = .none
    var frame: Frame = .idle
    var sequence = RTPSequenceTracker()
    var buffer: [UInt8] = []

    init(maximumFrameSize: Int) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Accounts for a new packet. Returns false when the packet is a duplicate or late and
    /// must be ignored.
    mutating func beginPacket(sequenceNumber: UInt16, timestamp: UInt32) -> Bool {
        let verdict = sequence.observe(sequenceNumber, counting: &statistics)
        guard verdict != .stale else { return false }
        switch frame {
        case .collecting(let current, _) where current != timestamp, .overflowed(let current) where current != timestamp:
            dropFrame()
        default: break
        }
        if case .idle = frame { frame = .collecting(timestamp: timestamp, hadLoss: false) }
        if case .gap = verdict {
            if case .collecting(let current, _) = frame { frame = .collecting(timestamp: current, hadLoss: true) }
            if case .assembling = fragment { dropFragment() }
        }
        return true
    }

    /// Appends a whole NAL unit with a 4-byte start code.
    mutating func appendNALUnit(_ nal: ArraySlice<UInt8>) {
        if case .assembling = fragment { dropFragment() }
        fragment = .none
        guard reserve(nal.count + 4) else { return }
        buffer.append(contentsOf: [0, 0, 0, 1] as [UInt8])
        buffer.append(contentsOf: nal)
    }

    /// Starts a fragmented NAL unit with its rebuilt header.
    mutating func startFragment(header: UInt8, _ second: UInt8?, data: ArraySlice<UInt8>) {
        if case .assembling = fragment { dropFragment() }
        fragment = .none
        guard reserve(4 + (second == nil ? 1 : 2) + data.count) else { return }
        fragment = .assembling(start: buffer.count)
        buffer.append(contentsOf: [0, 0, 0, 1] as [UInt8])
        buffer.append(header)
        if let second { buffer.append(second) }
        buffer.append(contentsOf: data)
    }

    /// Continues (or with `isEnd` finishes) a fragmented NAL unit.
    mutating func continueFragment(data: ArraySlice<UInt8>, isEnd: Bool) {
        switch fragment {
        case .assembling:
            guard reserve(data.count) else { return }
            buffer.append(contentsOf: data)
            if isEnd { fragment = .none }
        case .discarding:
            if isEnd { fragment = .none }
        case .none:
            // A continuation without its start: the start was lost before any packet of ours.
            statistics.nalUnitsDropped += 1
            fragment = isEnd ? .none : .discarding
        }
    }

    /// A payload that broke the format: counted, and a fragment in progress is abandoned.
    mutating func malformed() {
        statistics.malformedPackets += 1
        if case .assembling = fragment { dropFragment() }
    }

    /// Ends the packet; at the marker the collected access unit (if any) is handed out.
    mutating func endPacket(marker: Bool) -> DepacketizedFrame? {
        guard marker else { return nil }
        if case .assembling = fragment { dropFragment() }
        fragment = .none
        defer { frame = .idle }
        guard case .collecting(let timestamp, let hadLoss) = frame else {
            if case .overflowed = frame { statistics.framesDropped += 1 }
            buffer.removeAll(keepingCapacity: true)
            return nil
        }
        guard !buffer.isEmpty else {
            if hadLoss { statistics.framesDropped += 1 }
            return nil
        }
        statistics.framesEmitted += 1
        let data = buffer
        buffer = []
        return DepacketizedFrame(timestamp: timestamp, data: data, hadLoss: hadLoss)
    }

    /// Checks the size limit before appending `count` bytes; on overflow the frame is dropped.
    private mutating func reserve(_ count: Int) -> Bool {
        guard case .collecting(let timestamp, _) = frame else { return false }
        guard buffer.count + count <= maximumFrameSize else {
            frame = .overflowed(timestamp: timestamp)
            fragment = .none
            buffer.removeAll(keepingCapacity: false)
            return false
        }
        return true
    }

    private mutating func dropFragment() {
        if case .assembling(let start) = fragment {
            buffer.removeSubrange(start...)
            statistics.nalUnitsDropped += 1
        }
        fragment = .discarding
    }

    private mutating func dropFrame() {
        if case .assembling = fragment { dropFragment() }
        if case .collecting = frame, !buffer.isEmpty { statistics.framesDropped += 1 }
        if case .overflowed = frame { statistics.framesDropped += 1 }
        fragment = .none
        frame = .idle
        buffer.removeAll(keepingCapacity: true)
    }
}
