import FuzzTargets
import Testing
import WireKit

/// Robustness of the RTCP compound parser under random and mutated input.
@Suite struct RTCPFuzzTests {
    /// Valid datagrams covering every packet kind the parser interprets.
    static let seeds: [String] = [
        // SR with a report block + SDES CNAME.
        """
        81c8000c 11223344 e1b60c2a 80000000 0001e240 00000064 00003e80 aabbccdd 40000005 00010010
        00000020 12345678 00018000 81ca0005 11223344 010a6b76 732d6d61 73746572 00000000
        """,
        // RR + REMB.
        "80c90001 00000001 8fce0005 00000001 00000000 52454d42 010edc6c 2b3c4d5e",
        // RR with a block + NACK + PLI + FIR.
        """
        81c90007 01020304 05060708 00ffffff 0000ffff 00000000 00000000 00000000
        81cd0003 00000001 11223344 fffe0005 81ce0002 00000001 11223344
        84ce0004 00000001 00000000 11223344 07000000
        """,
        // Transport-wide feedback with all chunk kinds.
        """
        8fcd000c 00000001 11223344 0064001a fffffe05 200ee181 a6000a04 04040404
        04040404 040404ff ffd85004 00080102 03000000
        """,
        // SDES with two chunks + BYE with reason + APP + XR.
        """
        82ca0005 01020304 01016102 02426f00 05060708 00000000 81cb0004 11223344 08736875 74646f77 6e000000
        83cc0003 11223344 54455354 01020304 80cf0004 11223344 04000002 e93c7f00 80000000
        """,
        // Padded transport-wide feedback followed by a padded BYE.
        "afcd0006 00000001 00000002 fff0012d 00000101 012c4001 01000002 a1cb0002 00000001 00000004",
    ]

    @Test func hundredThousandInputs() throws {
        let seeds = try Self.seeds.map { try #require(Hex.decode($0)) }
        var mutator = Mutator(seed: 0xC0FF_EE00_7C9C)
        var accepted = 0
        var rejected = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input: [UInt8]
            if i % 10 == 0 {
                input = mutator.randomInput(maxLength: 96)
            } else {
                input = mutator.mutate(seeds[i % seeds.count])
            }
            switch RTCPFuzz.run(input) {
            case .accepted: accepted += 1
            case .rejected: rejected += 1
            case .invariantViolated(let why):
                if violations.count < 5 { violations.append("\(why): \(Hex.encode(input))") }
            }
        }
        #expect(violations.isEmpty, "\(violations)")
        // Mutations must reach past the header checks often enough to exercise the packet parsers.
        #expect(accepted > 10_000)
        #expect(rejected > 10_000)
        for seed in seeds { #expect(RTCPFuzz.run(seed) == .accepted) }
    }
}
