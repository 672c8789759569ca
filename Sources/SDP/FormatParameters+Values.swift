extension FormatParameters {
    /// The value of `name` as a number, nil when absent, a typed error when malformed.
    func number<T: FixedWidthInteger & UnsignedInteger>(
        _ name: String, as type: T.Type, range: ClosedRange<T>? = nil
    ) throws(SDPError) -> T? {
        guard let text = self[name] else { return nil }
        return try SDPText.attributeNumber(text[...], as: type, attribute: Self.attributeName, field: name,
                                           range: range)
    }

    /// A `0`/`1` flag, nil when absent.
    func flag(_ name: String) throws(SDPError) -> Bool? {
        guard let text = self[name] else { return nil }
        switch text {
        case "0": return false
        case "1": return true
        default: throw .attribute(Self.attributeName, name, .invalid)
        }
    }
}

/// The RTX payload format parameters (RFC 4588 §8.6): the payload type being retransmitted.
public struct RTXParameters: Hashable, Sendable {
    /// `apt`: the associated (original) payload type.
    public var associatedPayloadType: UInt8
    /// `rtx-time` in milliseconds.
    public var rtxTime: UInt32?

    public init(associatedPayloadType: UInt8, rtxTime: UInt32? = nil) {
        self.associatedPayloadType = associatedPayloadType
        self.rtxTime = rtxTime
    }

    public init(_ fmtp: FormatParameters) throws(SDPError) {
        guard let apt = try fmtp.number("apt", as: UInt8.self, range: 0...127) else {
            throw .attribute(FormatParameters.attributeName, "apt", .missing)
        }
        self.init(associatedPayloadType: apt, rtxTime: try fmtp.number("rtx-time", as: UInt32.self))
    }

    public func formatParameters(payloadType: UInt8) -> FormatParameters {
        var p = [FormatParameters.Parameter(name: "apt", value: String(associatedPayloadType))]
        if let rtxTime { p.append(.init(name: "rtx-time", value: String(rtxTime))) }
        return FormatParameters(payloadType: payloadType, parameters: p)
    }
}

/// The Opus payload format parameters (RFC 7587 §6.1), plus `minptime`, which browsers put in the
/// fmtp line. Absent parameters are nil; RFC 7587 defaults: mono, no FEC, no DTX, VBR.
public struct OpusParameters: Hashable, Sendable {
    public var minPacketTime: UInt32?
    public var packetTime: UInt32?
    public var maxPacketTime: UInt32?
    public var useInbandFEC: Bool?
    public var useDTX: Bool?
    public var stereo: Bool?
    public var spropStereo: Bool?
    public var constantBitrate: Bool?
    public var maxAverageBitrate: UInt32?
    public var maxPlaybackRate: UInt32?
    public var spropMaxCaptureRate: UInt32?

    public init() {}

    public init(_ fmtp: FormatParameters) throws(SDPError) {
        minPacketTime = try fmtp.number("minptime", as: UInt32.self)
        packetTime = try fmtp.number("ptime", as: UInt32.self)
        maxPacketTime = try fmtp.number("maxptime", as: UInt32.self)
        useInbandFEC = try fmtp.flag("useinbandfec")
        useDTX = try fmtp.flag("usedtx")
        stereo = try fmtp.flag("stereo")
        spropStereo = try fmtp.flag("sprop-stereo")
        constantBitrate = try fmtp.flag("cbr")
        maxAverageBitrate = try fmtp.number("maxaveragebitrate", as: UInt32.self)
        maxPlaybackRate = try fmtp.number("maxplaybackrate", as: UInt32.self)
        spropMaxCaptureRate = try fmtp.number("sprop-maxcapturerate", as: UInt32.self)
    }

    /// The parameters that are set, in the order browsers write them.
    public func formatParameters(payloadType: UInt8) -> FormatParameters {
        var p: [FormatParameters.Parameter] = []
        func add(_ name: String, _ value: UInt32?) { if let value { p.append(.init(name: name, value: String(value))) } }
        func add(_ name: String, _ value: Bool?) { if let value { p.append(.init(name: name, value: value ? "1" : "0")) } }
        add("minptime", minPacketTime)
        add("ptime", packetTime)
        add("maxptime", maxPacketTime)
        add("useinbandfec", useInbandFEC)
        add("usedtx", useDTX)
        add("stereo", stereo)
        add("sprop-stereo", spropStereo)
        add("cbr", constantBitrate)
        add("maxaveragebitrate", maxAverageBitrate)
        add("maxplaybackrate", maxPlaybackRate)
        add("sprop-maxcapturerate", spropMaxCaptureRate)
        return FormatParameters(payloadType: payloadType, parameters: p)
    }
}
