import Testing
import WireKit

@testable import STUN

/// Seeded random messages: generated, encoded, decoded, verified, tampered with.
struct MessageGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] { rng.bytes(int(range)) }

    mutating func address() -> SocketAddress {
        let ip: IPAddress = bool()
            ? .v4(IPv4Address(UInt32(truncatingIfNeeded: rng.next())))
            : .v6(IPv6Address(high: rng.next(), low: rng.next()))
        return SocketAddress(ip: ip, port: UInt16(truncatingIfNeeded: rng.next()))
    }

    /// Text mixing ASCII, two- and three-byte UTF-8 and an astral scalar.
    mutating func text() -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", ":", " ", "/", "\u{E9}", "\u{30DE}", "\u{1F600}", "\u{0}"]
        var s = String.UnicodeScalarView()
        for _ in 0..<int(0...24) { s.append(alphabet[int(0...alphabet.count - 1)]) }
        return String(s)
    }

    /// Attribute types that decode as something other than `.unknown`.
    static let modelled: Set<UInt16> = [
        0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x000C, 0x000D, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016,
        0x0018, 0x0019, 0x001A, 0x001C, 0x0020, 0x0022, 0x0024, 0x0025, 0x8022, 0x8023, 0x8028, 0x8029, 0x802A,
    ]

    mutating func attribute() -> STUNAttribute {
        switch int(0...26) {
        case 0: return .mappedAddress(address())
        case 1: return .xorMappedAddress(address())
        case 2: return .xorPeerAddress(address())
        case 3: return .xorRelayedAddress(address())
        case 4: return .alternateServer(address())
        case 5: return .username(text())
        case 6: return .realm(text())
        case 7: return .nonce(text())
        case 8: return .software(text())
        case 9: return .errorCode(STUNErrorCode(code: int(300...699), reason: text()))
        case 10: return .unknownAttributes((0..<int(0...5)).map { _ in STUNAttributeType(UInt16(truncatingIfNeeded: rng.next())) })
        case 11: return .priority(UInt32(truncatingIfNeeded: rng.next()))
        case 12: return .useCandidate
        case 13: return .iceControlled(rng.next())
        case 14: return .iceControlling(rng.next())
        case 15: return .lifetime(UInt32(truncatingIfNeeded: rng.next()))
        case 16: return .requestedTransport(UInt8(truncatingIfNeeded: rng.next()))
        case 17: return .data(bytes(0...200))
        case 18: return .channelNumber(UInt16(truncatingIfNeeded: rng.next()))
        case 19: return .dontFragment
        case 20: return .evenPort(reserve: bool())
        case 21: return .reservationToken(rng.next())
        case 22: return .messageIntegrity(bytes(20...20))
        case 23: return .messageIntegritySHA256(rng.bytes(4 * int(4...8)))
        case 24: return .fingerprint(UInt32(truncatingIfNeeded: rng.next()))
        default:
            var type = UInt16(truncatingIfNeeded: rng.next())
            while Self.modelled.contains(type) { type &+= 1 }
            return .unknown(type: STUNAttributeType(type), value: bytes(0...40))
        }
    }

    mutating func message() -> STUNMessage {
        STUNMessage(
            method: STUNMethod(rawValue: UInt16(int(0...0xFFF))),
            messageClass: STUNClass(rawValue: UInt8(int(0...3)))!,
            transactionID: TransactionID(high: UInt32(truncatingIfNeeded: rng.next()), low: rng.next()),
            attributes: (0..<int(0...12)).map { _ in attribute() })
    }
}

@Suite struct STUNPropertyTests {
    /// The attributes a decoder keeps from `attributes` when nothing is computed: everything up
    /// to the first MESSAGE-INTEGRITY(-SHA256), then only those and FINGERPRINT, nothing after
    /// FINGERPRINT.
    static func kept(_ attributes: [STUNAttribute]) -> [STUNAttribute] {
        var out: [STUNAttribute] = []
        var afterIntegrity = false
        for a in attributes {
            if afterIntegrity, a.type != .messageIntegritySHA256, a.type != .fingerprint { continue }
            out.append(a)
            if a.type == .fingerprint { break }
            if a.type == .messageIntegrity || a.type == .messageIntegritySHA256 { afterIntegrity = true }
        }
        return out
    }

    @Test func verbatimRoundTrip() throws {
        var gen = MessageGenerator(seed: 0x5354_554E)
        for _ in 0..<1_000 {
            let m = gen.message()
            let bytes = try m.encode()
            #expect(bytes.count % 4 == 0)
            #expect(STUN.looksLikeSTUN(bytes) == (bytes[0] <= 3))
            let decoded = try STUNMessage(decoding: bytes)
            #expect(decoded.method == m.method)
            #expect(decoded.messageClass == m.messageClass)
            #expect(decoded.transactionID == m.transactionID)
            #expect(decoded.attributes == Self.kept(m.attributes))
            // Decoding is idempotent from here on: the bytes of the decoded message are stable.
            let again = try decoded.encode()
            #expect(try STUNMessage(decoding: again) == decoded)
        }
    }

    @Test func integrityAndFingerprintProperties() throws {
        var gen = MessageGenerator(seed: 2024)
        var tampered = 0
        for _ in 0..<500 {
            var m = gen.message()
            m.attributes = m.attributes.filter { !$0.isComputedTrailer }
            // Keep the integrity-covered part free of trailers so every attribute survives.
            let key = STUNKey(bytes: gen.bytes(1...32))
            let fingerprint = gen.bool()
            let bytes = try m.encode(integrity: key, fingerprint: fingerprint)
            let decoded = try STUNMessage(decoding: bytes)
            #expect(Array(decoded.attributes.prefix(m.attributes.count)) == m.attributes)
            #expect(decoded.attributes.count == m.attributes.count + (fingerprint ? 2 : 1))
            #expect(STUNMessage.verifyIntegrity(of: bytes, key: key))
            #expect(STUNMessage.verifyFingerprint(of: bytes) == fingerprint)

            var wrong = key
            wrong.bytes[gen.int(0...wrong.bytes.count - 1)] ^= 0x01
            #expect(!STUNMessage.verifyIntegrity(of: bytes, key: wrong))

            // Any single bit flipped before the end of MESSAGE-INTEGRITY breaks it.
            let integrityEnd = bytes.count - (fingerprint ? 8 : 0)
            var flipped = bytes
            flipped[gen.int(0...integrityEnd - 1)] ^= UInt8(1) << UInt8(gen.int(0...7))
            #expect(!STUNMessage.verifyIntegrity(of: flipped, key: key))
            if fingerprint {
                // CRC-32 catches every single-bit error, wherever it is.
                var anywhere = bytes
                anywhere[gen.int(0...bytes.count - 1)] ^= UInt8(1) << UInt8(gen.int(0...7))
                #expect(!STUNMessage.verifyFingerprint(of: anywhere))
                tampered += 1
            }
        }
        #expect(tampered > 150)
    }

    @Test func truncatedMessagesAreRejected() throws {
        var gen = MessageGenerator(seed: 99)
        var rejected = 0
        for _ in 0..<300 {
            let bytes = try gen.message().encode(integrity: STUNKey(bytes: [1]), fingerprint: true)
            let cut = gen.int(0...bytes.count - 1)
            do {
                _ = try STUNMessage(decoding: Array(bytes.prefix(cut)))
                Issue.record("a truncated message decoded")
            } catch {
                rejected += 1
            }
            #expect(!STUNMessage.verifyIntegrity(of: Array(bytes.prefix(cut)), key: STUNKey(bytes: [1])))
        }
        #expect(rejected == 300)
    }
}
