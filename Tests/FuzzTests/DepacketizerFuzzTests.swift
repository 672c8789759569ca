import FuzzTargets
import Testing

@Suite("Depacketizer fuzz robustness")
struct DepacketizerFuzzTests {
    @Test func hundredThousandSeededInputs() {
        var mutator = Mutator(seed: 0xD_5EED_0001)
        let seeds = DepacketizerFuzz.seedInputs()
        for seed in seeds {
            #expect(DepacketizerFuzz.run(seed) == .accepted)
        }
        var accepted = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input = i % 4 == 0
                ? mutator.randomInput(maxLength: 400)
                : mutator.mutate(seeds[i % seeds.count])
            switch DepacketizerFuzz.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why): if violations.count < 5 { violations.append(why) }
            }
        }
        #expect(violations == [])
        #expect(accepted > 30_000)
    }
}
