import WireKit

/// What one fuzz input did to a parser.
public enum FuzzOutcome: Equatable, Sendable {
    /// The parser produced a value and every invariant checked on it held.
    case accepted
    /// The parser returned a typed error.
    case rejected
    /// The parser accepted the input but a checked property failed (for example, a value that
    /// serializes to bytes which parse back to a different value). Always a bug.
    case invariantViolated(String)
}

/// Seeded input mutations for the robustness tests (and a stand-in for a coverage-guided fuzzer
/// when none is available): bit flips, byte overwrites, truncation, insertion, duplication,
/// and interesting integers written over length fields.
public struct Mutator: Sendable {
    public var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// Random bytes, 0 to `maxLength` long.
    public mutating func randomInput(maxLength: Int) -> [UInt8] {
        rng.bytes(Int.random(in: 0...max(maxLength, 0), using: &rng))
    }

    /// `seed` changed by one to four random mutations.
    public mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
        var out = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            mutateOnce(&out)
        }
        return out
    }

    private static let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x40, 0x20]

    private mutating func mutateOnce(_ out: inout [UInt8]) {
        let choice = Int.random(in: 0..<8, using: &rng)
        if out.isEmpty {
            out.append(UInt8.random(in: 0...255, using: &rng))
            return
        }
        let i = Int.random(in: 0..<out.count, using: &rng)
        switch choice {
        case 0: out[i] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 1: out[i] = UInt8.random(in: 0...255, using: &rng)
        case 2: out.removeSubrange(Int.random(in: 0...out.count, using: &rng)...)
        case 3: out.insert(contentsOf: rng.bytes(Int.random(in: 1...16, using: &rng)), at: i)
        case 4:
            let end = min(out.count, i + Int.random(in: 1...64, using: &rng))
            out.insert(contentsOf: out[i..<end], at: Int.random(in: 0...out.count, using: &rng))
        case 5: out.remove(at: i)
        case 6: out[i] = Mutator.interesting[Int.random(in: 0..<Mutator.interesting.count, using: &rng)]
        default:
            // Overwrite a 16-bit big-endian field with an extreme value.
            if i + 1 < out.count {
                let v: UInt16 = [0, 1, 0x7FFF, 0x8000, 0xFFFF, UInt16(out.count), UInt16(out.count + 4)][
                    Int.random(in: 0..<7, using: &rng)]
                out[i] = UInt8(v >> 8)
                out[i + 1] = UInt8(v & 0xFF)
            }
        }
    }
}
