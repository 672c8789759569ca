import FuzzTargets
import Testing

@Suite struct STUNFuzzTests {
    @Test func seedsAreAccepted() {
        #expect(STUNFuzz.seeds.count == 11)
        for seed in STUNFuzz.seeds {
            #expect(STUNFuzz.run(seed) == .accepted)
        }
    }

    /// 100,000 seeded inputs: one in ten random bytes, the rest mutations of valid STUN and
    /// ChannelData messages.
    @Test func hundredThousandInputs() {
        var mutator = Mutator(seed: 0x5354_554E)
        let seeds = STUNFuzz.seeds
        var accepted = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input = i % 10 == 0
                ? mutator.randomInput(maxLength: 96)
                : mutator.mutate(seeds[i % seeds.count])
            switch STUNFuzz.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why):
                if violations.count < 5 { violations.append("\(why): \(input)") }
            }
        }
        #expect(violations.isEmpty, "\(violations)")
        // Mutations that keep framing intact (bit flips inside values) must reach the decoder's end.
        #expect(accepted >= 10_000, "only \(accepted) accepted")
    }
}
