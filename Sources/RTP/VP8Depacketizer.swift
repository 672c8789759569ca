/// The VP8 payload descriptor at the start of every VP8 RTP payload (RFC 7741 §4.2).
public struct VP8PayloadDescriptor: Equatable, Sendable {
    /// N: the frame is not used as a reference.
    public var nonReference: Bool
    /// S: this packet starts a partition.
    public var startOfPartition: Bool
    public var partitionIndex: UInt8
    /// 7- or 15-bit picture ID, if present.
    public var pictureID: UInt16?
    public var tl0PictureIndex: UInt8?
    /// TID/Y/KEYIDX byte, if present.
    public var temporalLayerByte: UInt8?
    /// Bytes the descriptor takes.
    public var length: Int

    /// Parses the descriptor at the start of `payload`; nil if it is cut short or leaves no
    /// frame data.
    public init?(parsing payload: ArraySlice<UInt8>) {
        var i = payload.startIndex
        guard i < payload.endIndex else { return nil }
        let first = payload[i]
        i += 1
        nonReference = first & 0x20 != 0
        startOfPartition = first & 0x10 != 0
        partitionIndex = first & 0x0F
        pictureID = nil
        tl0PictureIndex = nil
        temporalLayerByte = nil
        if first & 0x80 != 0 {
            guard i < payload.endIndex else { return nil }
            let ext = payload[i]
            i += 1
            if ext & 0x80 != 0 {
                guard i < payload.endIndex else { return nil }
                if payload[i] & 0x80 != 0 {
                    guard i + 1 < payload.endIndex else { return nil }
                    pictureID = UInt16(payload[i] & 0x7F) << 8 | UInt16(payload[i + 1])
                    i += 2
                } else {
                    pictureID = UInt16(payload[i])
                    i += 1
                }
            }
            if ext & 0x40 != 0 {
                guard i < payload.endIndex else { return nil }
                tl0PictureIndex = payload[i]
                i += 1
            }
            if ext & 0x30 != 0 {
                guard i < payload.endIndex else { return nil }
                temporalLayerByte = payload[i]
                i += 1
            }
        }
        guard i < payload.endIndex else { return nil }
        length = i - payload.startIndex
    }
}

/// Rebuilds VP8 frames from RTP packets (RFC 7741 §4). A frame starts at a packet with S set
/// and partition index 0 and ends at the packet with the marker bit. A sequence gap inside a
/// frame drops the whole frame (a partial VP8 frame cannot be decoded) and packets are skipped
/// until the next frame start.
public struct VP8Depacketizer: RTPDepacketizer, Sendable {
    public private(set) var statistics = DepacketizerStatistics()
    /// Frames larger than this are dropped, bounding memory on hostile input.
    public var maximumFrameSize: Int

    enum State: Sendable {
        case waitingForStart
        case assembling(timestamp: UInt32, hadLoss: Bool)
    }

    var state: State = .waitingForStart
    var sequence = RTPSequenceTracker()
    var frame: [UInt8] = []

    public init(maximumFrameSize: Int = 4 << 20) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Feeds one packet; returns a frame when this packet completes one.
    public mutating func push(
        payload: ArraySlice<UInt8>, sequenceNumber: UInt16, timestamp: UInt32, marker: Bool
    ) -> DepacketizedFrame? {
        let verdict = sequence.observe(sequenceNumber, counting: &statistics)
        guard verdict != .stale else { return nil }
        let lossBefore = verdict != .next
        guard let descriptor = VP8PayloadDescriptor(parsing: payload) else {
            statistics.malformedPackets += 1
            abandonFrame()
            return nil
        }
        let data = payload.dropFirst(descriptor.length)
        if descriptor.startOfPartition && descriptor.partitionIndex == 0 {
            abandonFrame()
            frame.removeAll(keepingCapacity: true)
            state = .assembling(timestamp: timestamp, hadLoss: false)
        } else if case .assembling(let current, _) = state, lossBefore || current != timestamp {
            abandonFrame()
        }
        guard case .assembling(let current, let hadLoss) = state else { return nil }
        guard frame.count + data.count <= maximumFrameSize else {
            abandonFrame()
            return nil
        }
        frame.append(contentsOf: data)
        guard marker else { return nil }
        state = .waitingForStart
        statistics.framesEmitted += 1
        let out = frame
        frame = []
        return DepacketizedFrame(timestamp: current, data: out, hadLoss: hadLoss)
    }

    /// Drops a frame in progress, if any.
    private mutating func abandonFrame() {
        if case .assembling = state { statistics.framesDropped += 1 }
        state = .waitingForStart
        frame.removeAll(keepingCapacity: true)
    }
}
