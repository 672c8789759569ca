import FuzzTargets
import Testing

@Suite("AnnexB fuzz robustness")
struct AnnexBFuzzTests {
    @Test func hundredThousandSeededInputs() {
        let campaign = FuzzCampaign(
            seed: 0xAB_5EED_0001, seeds: AnnexBFuzz.seedInputs(), maxRandomLength: 64, AnnexBFuzz.run)
        #expect(campaign.violations == [])
        #expect(campaign.accepted > 80_000)
    }
}
