import FuzzTargets
import Testing

@Suite("RTP fuzz robustness")
struct RTPFuzzTests {
    @Test func hundredThousandSeededInputs() {
        let campaign = FuzzCampaign(
            seed: 0x27F_5EED_0001, seeds: RTPFuzz.seedInputs(), maxRandomLength: 64, RTPFuzz.run)
        #expect(campaign.violations == [])
        #expect(campaign.accepted > 30_000)
    }
}
