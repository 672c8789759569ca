import FoundationEssentials
import Testing
import WireKit

@testable import Signaling

/// Seeded random and mutated inputs for the credential parsers (the shared-config INI reader,
/// the IoT response parser, the ISO 8601 reader): nothing traps, and whatever parses survives a
/// serialize-and-parse round trip. (These parsers live in Signaling, which the FuzzTargets
/// module cannot import, so the robustness run lives here.)
@Suite struct CredentialParserRobustnessTests {
    /// Byte-level mutations: flips, inserts of interesting bytes, deletions, duplicated and
    /// swapped chunks.
    struct Mutator {
        var rng: SplitMix64
        static let interesting: [UInt8] = Array("[]=#; \t\r\n\"{}:,.-+TZ0129\\".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xCC, 0x81, 0xEF, 0xBB, 0xBF, 0xFF]

        mutating func int(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(rng.next() % UInt64(bound)) }

        mutating func randomInput(maxLength: Int) -> [UInt8] {
            (0..<int(maxLength + 1)).map { _ in
                int(3) == 0 ? Self.interesting[int(Self.interesting.count)] : UInt8(truncatingIfNeeded: rng.next())
            }
        }

        mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
            var bytes = seed
            for _ in 0..<(1 + int(4)) {
                let position = int(bytes.count + 1)
                switch int(6) {
                case 0 where !bytes.isEmpty: bytes[min(position, bytes.count - 1)] ^= UInt8(1 << int(8))
                case 1: bytes.insert(Self.interesting[int(Self.interesting.count)], at: position)
                case 2 where !bytes.isEmpty: bytes.remove(at: min(position, bytes.count - 1))
                case 3 where position < bytes.count:
                    let end = min(bytes.count, position + 1 + int(16))
                    bytes.insert(contentsOf: bytes[position..<end], at: int(bytes.count + 1))
                case 4 where position < bytes.count:
                    bytes.removeSubrange(position..<min(bytes.count, position + 1 + int(8)))
                default:
                    if !bytes.isEmpty { bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            return bytes
        }
    }

    static func configInvariant(_ text: String) -> String? {
        let file = AWSConfigFile(parsing: text)
        let lineCount = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count
        if let bad = file.malformedLines.first(where: { $0 < 1 || $0 > lineCount }) { return "malformed line \(bad) of \(lineCount)" }
        var serialized = ""
        for (name, properties) in file.sections {
            serialized += "[\(name)]\n"
            for (key, value) in properties {
                if key != key.lowercased() || key.isEmpty { return "key \(key.debugDescription) not normalized" }
                serialized += "\(key)=\(value)\n"
            }
        }
        let again = AWSConfigFile(parsing: serialized)
        if again.sections != file.sections { return "round trip changed \(file.sections) into \(again.sections)" }
        return nil
    }

    @Test func sharedConfigParser() {
        let seeds = [
            "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s/+\n# c\n; c\n[profile cam]\nregion = x # y\n",
            "[cam]\r\n  aws_session_token=tok\r\ns3 =\n  max = 1\n[a]b]\nk==v\n",
            "\u{FEFF}[ x ]\nk\t=\tv ;c\n[\nk\n=v\nk=\u{301}v\n",
        ].map { Array($0.utf8) }
        var mutator = Mutator(rng: SplitMix64(seed: 0xC0FF1E))
        var sectionsSeen = 0
        for index in 0..<100_000 {
            let input = index % 4 == 0 ? mutator.randomInput(maxLength: 120) : mutator.mutate(seeds[index % seeds.count])
            let text = String(decoding: input, as: UTF8.self)
            if let violation = Self.configInvariant(text) {
                Issue.record("input \(text.debugDescription): \(violation)")
                return
            }
            if !(AWSConfigFile(parsing: text).sections.isEmpty) { sectionsSeen += 1 }
        }
        #expect(sectionsSeen > 50_000)
    }

    @Test func iotResponseAndTimestampParsers() throws {
        let seed = #"{"credentials":{"accessKeyId":"ASIA1","secretAccessKey":"s/k+","sessionToken":"t==","expiration":"2019-09-18T17:15:27.5+02:00"}}"#
        let timestamps = ["2019-09-18T17:15:27Z", "2024-02-29T23:59:60.123-0130", "0001-01-01T00:00:00+23:59"]
        var mutator = Mutator(rng: SplitMix64(seed: 0x107))
        var accepted = 0
        var timestampsAccepted = 0
        let encoder = JSONEncoder()
        for index in 0..<100_000 {
            let input = index % 10 == 0 ? mutator.randomInput(maxLength: 200) : mutator.mutate(Array(seed.utf8))
            if let credentials = try? IoTCredentialResponse.parse(input), let expiration = credentials.expiration {
                accepted += 1
                let time = SigV4Timestamp(unixSeconds: expiration).components
                guard (0...9999).contains(time.year) else { continue }
                let iso = Self.iso(time)
                let body = ["credentials": [
                    "accessKeyId": credentials.accessKeyID, "secretAccessKey": credentials.secretAccessKey,
                    "sessionToken": credentials.sessionToken ?? "", "expiration": iso,
                ]]
                let again = try IoTCredentialResponse.parse(Array(try encoder.encode(body)))
                if again != credentials || credentials.accessKeyID.isEmpty || credentials.secretAccessKey.isEmpty {
                    Issue.record("round trip of \(String(decoding: input, as: UTF8.self).debugDescription) gave \(again)")
                    return
                }
            }
            let stamp = String(decoding: mutator.mutate(Array(timestamps[index % timestamps.count].utf8)), as: UTF8.self)
            if let seconds = IoTCredentialResponse.ISO8601.unixSeconds(stamp) {
                timestampsAccepted += 1
                let components = SigV4Timestamp(unixSeconds: seconds).components
                if (0...9999).contains(components.year), IoTCredentialResponse.ISO8601.unixSeconds(Self.iso(components)) != seconds {
                    Issue.record("timestamp \(stamp.debugDescription) → \(seconds) does not round trip")
                    return
                }
            }
        }
        #expect(accepted > 1_000)
        #expect(timestampsAccepted > 1_000)
    }

    static func iso(_ time: CivilDateTime) -> String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(time.year, 4))-\(pad(Int64(time.month), 2))-\(pad(Int64(time.day), 2))T"
            + "\(pad(Int64(time.hour), 2)):\(pad(Int64(time.minute), 2)):\(pad(Int64(time.second), 2))Z"
    }
}
