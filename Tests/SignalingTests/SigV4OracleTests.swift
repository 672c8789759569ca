import Foundation
import Testing
import WireKit

@testable import Signaling

/// The signer against botocore (Debian python3-botocore), the AWS SDK for Python's signer:
/// seeded random requests, one Python process per test, exact string comparison.
@Suite struct SigV4OracleTests {
    static func cases(seed: UInt64, headerCount: Int, presignCount: Int) -> [SigV4OracleCase] {
        var generator = SigV4CaseGenerator(seed: seed)
        var cases: [SigV4OracleCase] = []
        for _ in 0..<headerCount { cases.append(generator.headerCase()) }
        for _ in 0..<presignCount { cases.append(generator.presignCase()) }
        return cases
    }

    @Test func botocoreAgreesOnTwelveHundredRequests() throws {
        let cases = Self.cases(seed: 0x5147_3456, headerCount: 800, presignCount: 400)
        // The generator really produces the hard inputs it claims to.
        #expect(cases.filter { $0.token != nil }.count > 300)
        #expect(cases.filter { $0.token == nil }.count > 300)
        #expect(cases.contains { $0.region == "cn-north-1" })
        #expect(cases.contains { $0.query.contains { $0[1].isEmpty } })
        #expect(cases.contains { $0.query.contains { $0[1].contains("%") && $0[1].contains("+") } })
        #expect(cases.contains { $0.path.contains("..") && $0.path.contains(" ") })
        #expect(cases.contains { c in c.headers.contains { $0[1].contains("  ") || $0[1].contains("\t") } })
        #expect(cases.contains { c in Set(c.query.map { $0[0] }).count < c.query.count })

        let botocore = try SigV4Oracle.sign(cases)
        let swift = try cases.map { try $0.signedBySwift() }
        let mismatches = SigV4Oracle.mismatches(cases, swift: swift, botocore: botocore)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3).joined(separator: "\n"))")
        #expect(botocore.count == 1200)
        #expect(botocore.prefix(800).allSatisfy { $0.hasPrefix("AWS4-HMAC-SHA256 Credential=") })
        #expect(botocore.suffix(400).allSatisfy { $0.contains("&X-Amz-Signature=") })
    }

    /// The comparison is sharp: one changed byte on the Swift side (in the body, a query value,
    /// the secret or the time) makes every case disagree with botocore.
    @Test func oneWrongByteIsCaught() throws {
        let cases = Self.cases(seed: 77, headerCount: 40, presignCount: 40)
        let botocore = try SigV4Oracle.sign(cases)
        var unchanged = 0
        for (index, original) in cases.enumerated() {
            var altered = original
            switch index % 4 {
            case 0 where original.kind == "header":
                var body = Hex.decode(original.body) ?? []
                if body.isEmpty { body = [0] } else { body[body.count / 2] ^= 0x01 }
                altered.body = Hex.encode(body)
            case 1 where !original.query.isEmpty:
                altered.query[0][1] += "a"
            case 2:
                var secret = Array(original.secretKey.utf8)
                secret[7] ^= 0x01
                altered.secretKey = String(decoding: secret, as: UTF8.self)
            default:
                altered.time += 1
            }
            if try altered.signedBySwift() == botocore[index] { unchanged += 1 }
            #expect(try original.signedBySwift() == botocore[index])
        }
        #expect(unchanged == 0)
    }
}
