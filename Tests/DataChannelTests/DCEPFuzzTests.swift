import DataChannel
import Testing
import WireKit

/// Seeded robustness run of the DCEP parser (the FuzzTargets module cannot see DataChannel, so
/// the harness lives here): random bytes and mutations of valid messages; every accepted input
/// must survive serialize → parse unchanged.
@Suite struct DCEPFuzzTests {
    enum Outcome: Equatable { case accepted, rejected, invariantViolated(String) }

    static func run(_ data: [UInt8]) -> Outcome {
        let message: DCEPMessage
        do {
            message = try DCEPMessage.parse(data)
        } catch {
            return .rejected
        }
        do {
            let bytes = try message.serialized()
            guard try DCEPMessage.parse(bytes) == message else { return .invariantViolated("round trip differs") }
            // Apart from the ignored reliability parameter of reliable channels, the encoding
            // is canonical.
            var ignoredParameter = false
            if case .open(let parameters) = message, parameters.reliability == .reliable {
                ignoredParameter = data[4..<8].contains { $0 != 0 }
            }
            guard ignoredParameter || bytes == data else { return .invariantViolated("re-encoding differs") }
            return .accepted
        } catch {
            return .invariantViolated("serialize failed: \(error)")
        }
    }

    static let seeds: [[UInt8]] = [
        [0x02],
        [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x0E, 0x00, 0x00] + Array("kvsDataChannel".utf8),
        [0x03, 0x81, 0x02, 0x00, 0, 0, 0, 5, 0x00, 0x01, 0x00, 0x04] + Array("achat".utf8),
        [0x03, 0x02, 0x00, 0x80, 0, 0, 0x0B, 0xB8, 0x00, 0x00, 0x00, 0x00],
        [0x03, 0x82, 0x04, 0x00, 0, 0, 0, 0x64, 0x00, 0x02, 0x00, 0x01, 0x68, 0x69, 0x70],
    ]

    @Test func hundredThousandSeededInputs() {
        var rng = SplitMix64(seed: 0x8832)
        var accepted = 0
        var violations: [String] = []
        for i in 0..<100_000 {
            let input: [UInt8]
            if i % 4 == 0 {
                input = rng.bytes(Int.random(in: 0...40, using: &rng))
            } else {
                input = Self.mutate(Self.seeds[i % Self.seeds.count], &rng)
            }
            switch Self.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let why): violations.append("\(why): \(Hex.encode(input))")
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        #expect(accepted > 3_000, "only \(accepted) inputs parsed")
    }

    /// One to four bit flips, byte overwrites, truncations, insertions or length-field rewrites.
    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !out.isEmpty else {
                out.append(UInt8.random(in: 0...255, using: &rng))
                continue
            }
            let i = Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: out[i] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 1: out[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: out.removeSubrange(i...)
            case 3: out.insert(contentsOf: rng.bytes(Int.random(in: 1...8, using: &rng)), at: i)
            case 4: out.remove(at: i)
            default:
                if out.count >= 12 {
                    let field = [8, 10][Int.random(in: 0...1, using: &rng)]
                    let value = [0, 1, out.count - 12, out.count - 11, 0xFFFF][Int.random(in: 0..<5, using: &rng)]
                    out[field] = UInt8(truncatingIfNeeded: value >> 8)
                    out[field + 1] = UInt8(truncatingIfNeeded: value)
                }
            }
        }
        return out
    }
}
