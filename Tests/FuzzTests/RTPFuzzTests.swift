import FuzzTargets
import Testing

@Suite("RTP fuzz robustness")
struct RTPFuzzTests {
    @Test func hundredThousandSeededInputs() {
        var mutator = Mutator(seed: 0x27F_5EED_0001)
        let seeds = RTPFuzz.seedInputs()
        for seed in seeds {
            #expect(RTPFuzz.run(seed) == .accepted)
        }
        var accepted = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input = i % 4 == 0
                ? mutator.randomInput(maxLength: 64)
                : mutator.mutate(seeds[i % seeds.count])
            switch RTPFuzz.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why): if violations.count < 5 { violations.append(why) }
            }
        }
        #expect(violations == [])
        #expect(accepted > 30_000)
    }
}
