import FuzzTargets
import Testing

@Suite("Depacketizer fuzz robustness")
struct DepacketizerFuzzTests {
    @Test func hundredThousandSeededInputs() {
        let campaign = FuzzCampaign(
            seed: 0xD_5EED_0001, seeds: DepacketizerFuzz.seedInputs(), maxRandomLength: 400, DepacketizerFuzz.run)
        #expect(campaign.violations == [])
        #expect(campaign.accepted > 30_000)
    }
}
