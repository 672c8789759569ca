import WireKit

/// The H.264 payload format parameters (RFC 6184 §8.1) that negotiation needs.
public struct H264Parameters: Hashable, Sendable {
    /// `profile-level-id`, nil when absent (then `effectiveProfileLevelID` applies).
    public var profileLevelID: H264ProfileLevelID?
    /// `packetization-mode`: 0 single NAL unit, 1 non-interleaved, 2 interleaved; default 0.
    public var packetizationMode: UInt8
    /// `level-asymmetry-allowed`; default false.
    public var levelAsymmetryAllowed: Bool
    /// `sprop-parameter-sets`, as written.
    public var spropParameterSets: String?

    public init(
        profileLevelID: H264ProfileLevelID?, packetizationMode: UInt8 = 0, levelAsymmetryAllowed: Bool = false,
        spropParameterSets: String? = nil
    ) {
        self.profileLevelID = profileLevelID
        self.packetizationMode = packetizationMode
        self.levelAsymmetryAllowed = levelAsymmetryAllowed
        self.spropParameterSets = spropParameterSets
    }

    public init(_ fmtp: FormatParameters) throws(SDPError) {
        var id: H264ProfileLevelID?
        if let text = fmtp["profile-level-id"] {
            guard let parsed = H264ProfileLevelID(hex: text) else {
                throw .attribute(FormatParameters.attributeName, "profile-level-id", .invalid)
            }
            id = parsed
        }
        self.init(
            profileLevelID: id,
            packetizationMode: try fmtp.number("packetization-mode", as: UInt8.self, range: 0...2) ?? 0,
            levelAsymmetryAllowed: try fmtp.flag("level-asymmetry-allowed") ?? false,
            spropParameterSets: fmtp["sprop-parameter-sets"])
    }

    /// The profile and level in force: RFC 6184 §8.1 infers Baseline, level 1 (`42000a`) when
    /// `profile-level-id` is absent.
    public var effectiveProfileLevelID: H264ProfileLevelID {
        profileLevelID ?? H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0x00, levelIDC: 0x0A)
    }

    /// The parameters in the order browsers write them.
    public func formatParameters(payloadType: UInt8) -> FormatParameters {
        var p: [FormatParameters.Parameter] = []
        if levelAsymmetryAllowed { p.append(.init(name: "level-asymmetry-allowed", value: "1")) }
        p.append(.init(name: "packetization-mode", value: String(packetizationMode)))
        if let profileLevelID { p.append(.init(name: "profile-level-id", value: profileLevelID.description)) }
        if let spropParameterSets { p.append(.init(name: "sprop-parameter-sets", value: spropParameterSets)) }
        return FormatParameters(payloadType: payloadType, parameters: p)
    }
}

/// `profile-level-id` (RFC 6184 §8.1): `profile_idc`, the `profile-iop` constraint flags and
/// `level_idc` of the sequence parameter set, as six hex digits.
public struct H264ProfileLevelID: Hashable, Sendable, CustomStringConvertible {
    public var profileIDC: UInt8
    /// constraint_set0..5 flags from the most significant bit, then two reserved zero bits.
    public var profileIOP: UInt8
    /// Ten times the level number (31 for level 3.1), or 9/11 for level 1b (see `isLevel1b`).
    public var levelIDC: UInt8

    public init(profileIDC: UInt8, profileIOP: UInt8, levelIDC: UInt8) {
        self.profileIDC = profileIDC
        self.profileIOP = profileIOP
        self.levelIDC = levelIDC
    }

    /// Parses exactly six hex digits, either case.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: 6, by: 2) {
            guard let hi = Hex.digitValue(digits[i]), let lo = Hex.digitValue(digits[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        self.init(profileIDC: bytes[0], profileIOP: bytes[1], levelIDC: bytes[2])
    }

    /// Six lowercase hex digits.
    public var description: String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        for b in [profileIDC, profileIOP, levelIDC] {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0x0F)])
        }
        return text
    }

    /// The profile, per the `profile_idc` / `profile-iop` combinations of RFC 6184 Table 5, plus
    /// the Constrained High and Progressive High profiles added to H.264 later.
    public var profile: H264Profile {
        for rule in Self.table where rule.idc == profileIDC && profileIOP & rule.mask == rule.value {
            return rule.profile
        }
        return .unknown
    }

    /// Level 1b: `level_idc` 11 with constraint_set3 for the Baseline/Main/Extended family,
    /// `level_idc` 9 for the others (RFC 6184 §8.1).
    public var isLevel1b: Bool {
        switch profileIDC {
        case 0x42, 0x4D, 0x58: levelIDC == 11 && profileIOP & 0x10 != 0
        default: levelIDC == 9
        }
    }

    /// One row of RFC 6184 Table 5: the iop bits where `mask` is set must equal `value`
    /// (an `x` in the table is a clear mask bit).
    private struct Rule {
        let profile: H264Profile
        let idc: UInt8
        let mask: UInt8
        let value: UInt8
    }

    private static let table: [Rule] = [
        Rule(profile: .constrainedBaseline, idc: 0x42, mask: 0b0100_1111, value: 0b0100_0000),  // x1xx0000
        Rule(profile: .constrainedBaseline, idc: 0x4D, mask: 0b1000_1111, value: 0b1000_0000),  // 1xxx0000
        Rule(profile: .constrainedBaseline, idc: 0x58, mask: 0b1100_1111, value: 0b1100_0000),  // 11xx0000
        Rule(profile: .baseline, idc: 0x42, mask: 0b0100_1111, value: 0b0000_0000),  // x0xx0000
        Rule(profile: .baseline, idc: 0x58, mask: 0b1100_1111, value: 0b1000_0000),  // 10xx0000
        Rule(profile: .main, idc: 0x4D, mask: 0b1010_1111, value: 0b0000_0000),  // 0x0x0000
        Rule(profile: .extended, idc: 0x58, mask: 0b1100_1111, value: 0b0000_0000),  // 00xx0000
        Rule(profile: .high, idc: 0x64, mask: 0xFF, value: 0b0000_0000),
        Rule(profile: .progressiveHigh, idc: 0x64, mask: 0xFF, value: 0b0000_1000),
        Rule(profile: .constrainedHigh, idc: 0x64, mask: 0xFF, value: 0b0000_1100),
        Rule(profile: .high10, idc: 0x6E, mask: 0xFF, value: 0b0000_0000),
        Rule(profile: .high422, idc: 0x7A, mask: 0xFF, value: 0b0000_0000),
        Rule(profile: .high444Predictive, idc: 0xF4, mask: 0xFF, value: 0b0000_0000),
        Rule(profile: .high10Intra, idc: 0x6E, mask: 0xFF, value: 0b0001_0000),
        Rule(profile: .high422Intra, idc: 0x7A, mask: 0xFF, value: 0b0001_0000),
        Rule(profile: .high444Intra, idc: 0xF4, mask: 0xFF, value: 0b0001_0000),
        Rule(profile: .cavlc444Intra, idc: 0x2C, mask: 0xFF, value: 0b0001_0000),
    ]
}

/// H.264 profiles as RFC 6184 Table 5 names them (plus two later High variants).
public enum H264Profile: Hashable, Sendable {
    case constrainedBaseline, baseline, main, extended
    case high, progressiveHigh, constrainedHigh, high10, high422, high444Predictive
    case high10Intra, high422Intra, high444Intra, cavlc444Intra
    /// A combination Table 5 does not list.
    case unknown
}
