import FuzzTargets
import Testing

/// The registry the libFuzzer driver uses dispatches each name to its parser, and every target's
/// seeds are valid inputs for that parser.
@Suite struct FuzzTargetRegistryTests {
    @Test(arguments: FuzzTarget.allCases)
    func seedsAreAcceptedAndMutationsKeepInvariants(target: FuzzTarget) {
        let seeds = target.seedInputs
        #expect(!seeds.isEmpty)
        for seed in seeds {
            #expect(target.run(seed) == .accepted, "\(target) seed of \(seed.count) bytes was not accepted")
        }
        var mutator = Mutator(seed: 0xF022 &+ UInt64(target.rawValue.utf8.count))
        for i in 0..<2_000 {
            let input = mutator.mutate(seeds[i % seeds.count])
            let outcome = target.run(input)
            if case .invariantViolated(let message) = outcome {
                Issue.record("\(target): \(message)")
                break
            }
        }
    }

    @Test func targetsRejectOtherProtocols() {
        // A STUN message is not an SDP and an SDP is not STUN: the registry does not mix them up.
        let stun = FuzzTarget.stun.seedInputs[0]
        let sdp = FuzzTarget.sdp.seedInputs[0]
        #expect(FuzzTarget.sdp.run(stun) == .rejected)
        #expect(FuzzTarget.stun.run(sdp) == .rejected)
        #expect(FuzzTarget(rawValue: "stun") == .stun)
        #expect(FuzzTarget(rawValue: "nope") == nil)
    }
}
