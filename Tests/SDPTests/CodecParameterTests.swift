import SDP
import Testing

@Suite struct CodecParameterTests {
    func fmtp(_ text: String) throws -> FormatParameters {
        try FormatParameters(attributeValue: text[...])
    }

    @Test(arguments: [
        ("42e01f", H264Profile.constrainedBaseline), ("42c01e", .constrainedBaseline), ("42001f", .baseline),
        ("42100b", .baseline), ("4d001f", .main), ("4d401f", .main), ("4d801f", .constrainedBaseline),
        ("58c01e", .constrainedBaseline), ("58801e", .baseline), ("58001e", .extended), ("640c1f", .constrainedHigh),
        ("64001f", .high), ("640832", .progressiveHigh), ("6e001f", .high10), ("7a001f", .high422),
        ("f4001f", .high444Predictive), ("6e101f", .high10Intra), ("7a101f", .high422Intra),
        ("f4101f", .high444Intra), ("2c101f", .cavlc444Intra), ("4d201f", .unknown), ("42e41f", .unknown),
        ("64011f", .unknown), ("01001f", .unknown),
    ])
    func h264ProfileClassification(hex: String, profile: H264Profile) throws {
        let id = try #require(H264ProfileLevelID(hex: hex))
        #expect(id.profile == profile)
        #expect(id.description == hex)
    }

    @Test func h264ProfileLevelIDFields() throws {
        let id = try #require(H264ProfileLevelID(hex: "42E01F"))
        #expect(id.profileIDC == 0x42)
        #expect(id.profileIOP == 0xE0)
        #expect(id.levelIDC == 31)
        #expect(id.description == "42e01f")
        #expect(H264ProfileLevelID(hex: "42e01") == nil)
        #expect(H264ProfileLevelID(hex: "42e01g") == nil)
        #expect(H264ProfileLevelID(hex: "42e01f0") == nil)
        #expect(H264ProfileLevelID(hex: "42f00b")?.isLevel1b == true)
        #expect(H264ProfileLevelID(hex: "42e00b")?.isLevel1b == false)
        #expect(H264ProfileLevelID(hex: "640009")?.isLevel1b == true)
    }

    @Test func h264Parameters() throws {
        let p = try H264Parameters(fmtp("102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        #expect(p.levelAsymmetryAllowed)
        #expect(p.packetizationMode == 1)
        #expect(p.profileLevelID == H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0xE0, levelIDC: 0x1F))
        #expect(p.formatParameters(payloadType: 102).attributeValue
            == "102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")

        let defaults = try H264Parameters(fmtp("96 sprop-parameter-sets=Z0IACpZTBYmI,aMljiA=="))
        #expect(defaults.packetizationMode == 0)
        #expect(!defaults.levelAsymmetryAllowed)
        #expect(defaults.profileLevelID == nil)
        #expect(defaults.effectiveProfileLevelID.description == "42000a")
        #expect(defaults.spropParameterSets == "Z0IACpZTBYmI,aMljiA==")

        // Parameter names are case-insensitive (RFC 6184 §8.1); values keep their case.
        let upper = try H264Parameters(fmtp("96 Profile-Level-Id=4D001F;Packetization-Mode=1"))
        #expect(upper.profileLevelID?.profile == .main)
        #expect(upper.packetizationMode == 1)

        func failure(_ text: String) -> SDPError? {
            do {
                _ = try H264Parameters(fmtp(text))
                return nil
            } catch let e as SDPError { return e } catch { return nil }
        }
        #expect(failure("96 profile-level-id=42e0")
            == SDPError(line: nil, kind: .invalidAttribute(name: "fmtp", field: "profile-level-id", problem: .invalid)))
        #expect(failure("96 packetization-mode=3")
            == SDPError(line: nil, kind: .invalidAttribute(name: "fmtp", field: "packetization-mode", problem: .outOfRange)))
        #expect(failure("96 level-asymmetry-allowed=yes")
            == SDPError(line: nil, kind: .invalidAttribute(name: "fmtp", field: "level-asymmetry-allowed", problem: .invalid)))
    }

    @Test func h265Parameters() throws {
        let explicit = try H265Parameters(fmtp("98 profile-id=1;tier-flag=0;level-id=120;tx-mode=SRST"))
        #expect(explicit == H265Parameters(profileSpace: 0, profileID: 1, tierFlag: 0, levelID: 120, txMode: "SRST"))

        let high = try H265Parameters(fmtp("98 profile-space=0;profile-id=2;tier-flag=1;level-id=153;tx-mode=MRST"))
        #expect(high.profileID == 2)
        #expect(high.tierFlag == 1)
        #expect(high.levelID == 153)
        #expect(high.txMode == "MRST")

        let defaults = try H265Parameters(fmtp("98 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ;sprop-pps=RAHBcrRiQA=="))
        #expect(defaults.profileSpace == 0)
        #expect(defaults.profileID == 1)
        #expect(defaults.tierFlag == 0)
        #expect(defaults.levelID == 93)
        #expect(defaults.txMode == "SRST")
        #expect(defaults.spropVPS == "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ")
        #expect(defaults.spropSPS == nil)
        #expect(defaults.spropPPS == "RAHBcrRiQA==")

        #expect(H265Parameters(levelID: 120).formatParameters(payloadType: 98).attributeValue
            == "98 profile-id=1;tier-flag=0;level-id=120;tx-mode=SRST")
        #expect(throws: SDPError.self) { try H265Parameters(fmtp("98 tier-flag=2")) }
        #expect(throws: SDPError.self) { try H265Parameters(fmtp("98 tx-mode=XYZ")) }
        #expect(throws: SDPError.self) { try H265Parameters(fmtp("98 profile-id=40")) }
    }

    @Test func opusParameters() throws {
        let p = try OpusParameters(fmtp("111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=0;maxaveragebitrate=128000"))
        #expect(p.minPacketTime == 10)
        #expect(p.useInbandFEC == true)
        #expect(p.stereo == true)
        #expect(p.spropStereo == false)
        #expect(p.maxAverageBitrate == 128000)
        #expect(p.useDTX == nil)
        #expect(p.formatParameters(payloadType: 111).attributeValue
            == "111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=0;maxaveragebitrate=128000")
        #expect(throws: SDPError.self) { try OpusParameters(fmtp("111 stereo=2")) }
        #expect(throws: SDPError.self) { try OpusParameters(fmtp("111 maxaveragebitrate=fast")) }
    }

    @Test func rtxParameters() throws {
        let p = try RTXParameters(fmtp("97 apt=96;rtx-time=3000"))
        #expect(p == RTXParameters(associatedPayloadType: 96, rtxTime: 3000))
        #expect(p.formatParameters(payloadType: 97).attributeValue == "97 apt=96;rtx-time=3000")
        #expect(throws: SDPError(line: nil, kind: .invalidAttribute(name: "fmtp", field: "apt", problem: .missing))) {
            try RTXParameters(fmtp("97 rtx-time=3000"))
        }
        #expect(throws: SDPError.self) { try RTXParameters(fmtp("97 apt=300")) }
    }

    @Test func formatParameterParsing() throws {
        let f = try fmtp("101 0-15")
        #expect(f.payloadType == 101)
        #expect(f.parameters == [.init(name: "0-15", value: nil)])
        let spaced = try fmtp("111 minptime=10; useinbandfec=1 ;x=a=b")
        #expect(spaced.parameters == [
            .init(name: "minptime", value: "10"), .init(name: "useinbandfec", value: "1"), .init(name: "x", value: "a=b"),
        ])
        #expect(spaced["USEINBANDFEC"] == "1")
        #expect(spaced.attributeValue == "111 minptime=10; useinbandfec=1 ;x=a=b")
        let bare = try fmtp("96")
        #expect(bare.parameterText == "")
        #expect(bare.attributeValue == "96")
    }
}
