import RTP

/// What the first bytes of an H.264 (ITU-T H.264 §7.3.1) or H.265 (ITU-T H.265 §7.3.1.2) NAL
/// unit say about access-unit boundaries and random access.
///
/// Built from the NAL unit header plus, for slices, the first bit of the slice header
/// (`first_mb_in_slice == 0`, which is `ue(v)` so a leading 1 bit; or
/// `first_slice_segment_in_pic_flag`).
public struct NALUnitHeader: Sendable, Hashable {
    /// The NAL unit's place in an access unit.
    public enum Role: Sendable, Hashable {
        /// A slice (VCL NAL unit). `firstInPicture`: it starts a new primary coded picture.
        case slice(firstInPicture: Bool)
        /// A NAL unit that, after a slice, begins the next access unit (H.264 §7.4.1.2.3:
        /// AUD, SPS, PPS, SEI, types 14–18; H.265 §7.4.2.4.4: AUD, VPS, SPS, PPS, prefix SEI,
        /// types 41–44 and 48–55).
        case accessUnitStart
        /// Belongs to the access unit it follows (end of sequence, filler, suffix SEI, ...).
        case trailing
    }

    public var type: UInt8
    public var role: Role
    /// An IDR picture (H.264 type 5) or an IRAP picture (H.265 types 16–23).
    public var isRandomAccess: Bool

    /// Bytes of the NAL unit needed to classify it fully.
    public static func bytesNeeded(_ codec: MediaCodec) -> Int { codec == .h265 ? 3 : 2 }

    /// Classifies a NAL unit from its first bytes (the start code excluded). A slice whose
    /// header bytes are missing counts as a continuation of the current picture.
    public init?(codec: MediaCodec, prefix: some Collection<UInt8>) {
        var iterator = prefix.makeIterator()
        guard let b0 = iterator.next() else { return nil }
        switch codec {
        case .h265:
            let b1 = iterator.next()
            let b2 = iterator.next()
            let type = (b0 >> 1) & 0x3F
            self.type = type
            self.isRandomAccess = (16...23).contains(type)
            switch type {
            case 0...31:
                let first = b1 != nil && b2.map { $0 & 0x80 != 0 } == true
                self.role = .slice(firstInPicture: first)
            case 32, 33, 34, 35, 39, 41...44, 48...55: self.role = .accessUnitStart
            default: self.role = .trailing
            }
        default:
            let b1 = iterator.next()
            let type = b0 & 0x1F
            self.type = type
            self.isRandomAccess = type == 5
            switch type {
            case 1, 2, 5: self.role = .slice(firstInPicture: b1.map { $0 & 0x80 != 0 } ?? false)
            case 3, 4: self.role = .slice(firstInPicture: false)
            case 6, 7, 8, 9, 14...18: self.role = .accessUnitStart
            default: self.role = .trailing
            }
        }
    }

    public var isSlice: Bool {
        if case .slice = role { return true }
        return false
    }
}

extension NALUnitHeader {
    /// Whether an Annex-B access unit holds an IDR (H.264) or IRAP (H.265) picture.
    public static func isKeyframe(_ accessUnit: [UInt8], codec: MediaCodec) -> Bool {
        var key = false
        AnnexB.forEachNALUnit(in: accessUnit) { range in
            if !key, let header = NALUnitHeader(codec: codec, prefix: accessUnit[range].prefix(3)) {
                key = header.isRandomAccess
            }
        }
        return key
    }
}
