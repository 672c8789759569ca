/// The H.265 payload format parameters (RFC 7798 §7.1) that negotiation needs, with the RFC's
/// defaults filled in for absent ones.
public struct H265Parameters: Hashable, Sendable {
    /// `profile-space`, 0–3; default 0.
    public var profileSpace: UInt8
    /// `profile-id`, 0–31; default 1 (Main).
    public var profileID: UInt8
    /// `tier-flag`, 0 (Main tier) or 1 (High tier); default 0.
    public var tierFlag: UInt8
    /// `level-id`: 30 times the level number; default 93 (level 3.1).
    public var levelID: UInt8
    /// `tx-mode`: `SRST`, `MRST` or `MRMT`; default `SRST`.
    public var txMode: String
    /// `sprop-vps`, `sprop-sps`, `sprop-pps`, as written.
    public var spropVPS: String?
    public var spropSPS: String?
    public var spropPPS: String?

    public init(
        profileSpace: UInt8 = 0, profileID: UInt8 = 1, tierFlag: UInt8 = 0, levelID: UInt8 = 93,
        txMode: String = "SRST", spropVPS: String? = nil, spropSPS: String? = nil, spropPPS: String? = nil
    ) {
        self.profileSpace = profileSpace
        self.profileID = profileID
        self.tierFlag = tierFlag
        self.levelID = levelID
        self.txMode = txMode
        self.spropVPS = spropVPS
        self.spropSPS = spropSPS
        self.spropPPS = spropPPS
    }

    public init(_ fmtp: FormatParameters) throws(SDPError) {
        let txMode = fmtp["tx-mode"] ?? "SRST"
        guard ["SRST", "MRST", "MRMT"].contains(txMode) else {
            throw .attribute(FormatParameters.attributeName, "tx-mode", .invalid)
        }
        self.init(
            profileSpace: try fmtp.number("profile-space", as: UInt8.self, range: 0...3) ?? 0,
            profileID: try fmtp.number("profile-id", as: UInt8.self, range: 0...31) ?? 1,
            tierFlag: try fmtp.number("tier-flag", as: UInt8.self, range: 0...1) ?? 0,
            levelID: try fmtp.number("level-id", as: UInt8.self) ?? 93,
            txMode: txMode,
            spropVPS: fmtp["sprop-vps"], spropSPS: fmtp["sprop-sps"], spropPPS: fmtp["sprop-pps"])
    }

    /// The parameters written explicitly (defaults included, which receivers handle best).
    public func formatParameters(payloadType: UInt8) -> FormatParameters {
        var p: [FormatParameters.Parameter] = [
            .init(name: "profile-id", value: String(profileID)),
            .init(name: "tier-flag", value: String(tierFlag)),
            .init(name: "level-id", value: String(levelID)),
            .init(name: "tx-mode", value: txMode),
        ]
        if profileSpace != 0 { p.insert(.init(name: "profile-space", value: String(profileSpace)), at: 0) }
        if let spropVPS { p.append(.init(name: "sprop-vps", value: spropVPS)) }
        if let spropSPS { p.append(.init(name: "sprop-sps", value: spropSPS)) }
        if let spropPPS { p.append(.init(name: "sprop-pps", value: spropPPS)) }
        return FormatParameters(payloadType: payloadType, parameters: p)
    }
}
