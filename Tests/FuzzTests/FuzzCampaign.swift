import FuzzTargets
import Testing

/// One seeded robustness run: every seed must be accepted, then `count` inputs — every fourth
/// random bytes, the rest mutations of the seeds in turn — go through `run`.
struct FuzzCampaign {
    var accepted = 0
    var violations: [String] = []

    init(
        seed: UInt64, seeds: [[UInt8]], count: Int = 100_000, maxRandomLength: Int,
        _ run: ([UInt8]) -> FuzzOutcome, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var mutator = Mutator(seed: seed)
        for input in seeds {
            #expect(run(input) == .accepted, sourceLocation: sourceLocation)
        }
        for i in 0..<count {
            let input = i % 4 == 0 ? mutator.randomInput(maxLength: maxRandomLength) : mutator.mutate(seeds[i % seeds.count])
            switch run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why): if violations.count < 5 { violations.append(why) }
            }
        }
    }
}
