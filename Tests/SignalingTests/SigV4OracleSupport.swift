import Foundation
import Testing
import WireKit

@testable import Signaling

/// One signing case as the botocore oracle script reads it (Tests/Support/SigV4/sigv4_oracle.py).
struct SigV4OracleCase: Codable, Equatable {
    var kind: String  // "header" or "presign"
    var accessKey: String
    var secretKey: String
    var token: String?
    var region: String
    var service: String
    var time: Int64
    var method: String
    var scheme: String
    var host: String
    var path: String
    var query: [[String]]
    var headers: [[String]]
    var body: String  // hex
    var expires: Int?

    var credentials: AWSCredentials {
        AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: token)
    }

    var request: SigV4Request {
        SigV4Request(
            method: method, host: host, path: path, query: query.map { SigV4QueryItem($0[0], $0[1]) },
            headers: headers.map { SigV4Header($0[0], $0[1]) }, body: Hex.decode(body) ?? [])
    }

    /// What this package produces for the case: the Authorization header or the full URL.
    func signedBySwift() throws -> String {
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        if kind == "header" {
            return try signer.sign(request, now: time).authorization
        }
        return try signer.presign(
            scheme: scheme, host: host, path: path, query: request.query, expires: expires ?? 300, now: time
        ).url
    }
}

struct SigV4OracleResult: Codable {
    var authorization: String?
    var url: String?
    var value: String { authorization ?? url ?? "" }
}

enum SigV4OracleError: Error, CustomStringConvertible {
    case oracleFailed(status: Int32, stderr: String)

    var description: String {
        switch self {
        case .oracleFailed(let status, let stderr):
            "botocore oracle exited with \(status): \(stderr)"
                + (status == 3 || status == -1
                    ? " (needs /usr/bin/python3 with the Debian package python3-botocore; scripts/install-deps.sh --test)"
                    : "")
        }
    }
}

enum SigV4Oracle {
    static let python = "/usr/bin/python3"

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/SigV4/sigv4_oracle.py").path
    }

    /// Signs all `cases` with botocore in one Python process.
    static func sign(_ cases: [SigV4OracleCase]) throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SigV4OracleError.oracleFailed(status: -1, stderr: "\(python) not found")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.json")
        let output = directory.appendingPathComponent("results.json")
        try JSONEncoder().encode(cases).write(to: input)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptPath, input.path, output.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SigV4OracleError.oracleFailed(
                status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
        }
        let results = try JSONDecoder().decode([SigV4OracleResult].self, from: Data(contentsOf: output))
        return results.map(\.value)
    }

    /// Indices where the two sides differ, with a readable line for each.
    static func mismatches(_ cases: [SigV4OracleCase], swift: [String], botocore: [String]) -> [String] {
        var lines: [String] = []
        if swift.count != botocore.count { lines.append("count \(swift.count) vs \(botocore.count)") }
        for index in 0..<min(swift.count, botocore.count) where swift[index] != botocore[index] {
            lines.append("case \(index) \(cases[index].kind) path=\(cases[index].path.debugDescription):\n  swift:    \(swift[index])\n  botocore: \(botocore[index])")
        }
        return lines
    }
}

/// Seeded generator of signing cases that stress the canonicalization rules.
struct SigV4CaseGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    static let regions = [
        "us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1",
        "cn-north-1", "cn-northwest-1", "us-gov-west-1", "af-south-1",
    ]
    /// Pieces that need encoding (or deliberately do not): reserved characters, `%`, `+`, `*`,
    /// `~`, spaces, and multi-byte UTF-8.
    static let fragments = [
        "a", "Z", "0", "9", "-", ".", "_", "~", " ", "+", "*", "%", "%20", "=", "&", "/", ":", "@", "!", "$", "'",
        "(", ")", ",", ";", "[", "]", "é", "日本", "💡", "Ω", "\u{301}", "abc", "Describe", "channel",
    ]
    static let headerNames = [
        "Content-Type", "X-Amz-Target", "x-custom-header", "X-Custom-Header", "Accept", "X-Api-Key", "User-Agent",
        "Content-Encoding", "x-amz-meta-camera", "X-Amzn-Trace-Id", "Expect",
    ]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func text(_ pieces: ClosedRange<Int>) -> String {
        (0..<int(pieces)).map { _ in pick(Self.fragments) }.joined()
    }

    mutating func key(length: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        return String((0..<length).map { _ in characters[int(0...characters.count - 1)] })
    }

    mutating func path() -> String {
        switch int(0...5) {
        case 0: return pick(["/describeSignalingChannel", "/getSignalingChannelEndpoint", "/v1/get-ice-server-config"])
        case 1: return pick(["", "/", "//", "/./", "/a/../b", "/a/./b/", "/../x", "//a//b//"])
        default:
            var segments: [String] = []
            for _ in 0..<int(1...4) {
                segments.append(chance(15) ? pick([".", "..", ""]) : text(1...4).replacingOccurrences(of: "/", with: "-"))
            }
            let path = "/" + segments.joined(separator: "/") + (chance(30) ? "/" : "")
            // urlsplit drops trailing spaces from a URL; keep the oracle's URL intact.
            return path.hasSuffix(" ") ? path + "x" : path
        }
    }

    mutating func headerValue() -> String {
        let words = (0..<int(1...4)).map { _ in
            key(length: int(1...8), alphabet: "abcXYZ019/+=,;:-_.()\"'")
        }
        let gaps = words.map { _ in pick([" ", "  ", "\t", " \t  ", "   "]) }
        var value = pick(["", " ", "  ", "\t"])
        for (word, gap) in zip(words, gaps) { value += word + gap }
        return chance(50) ? value.trimmingCharacters(in: .whitespaces) + pick(["", " ", "   "]) : value
    }

    mutating func body() -> [UInt8] {
        switch int(0...3) {
        case 0: return []
        case 1: return Array("{\"ChannelName\":\"\(text(1...3))\"}".utf8)
        case 2: return Array("{\"ChannelARN\":\"arn:aws:kinesisvideo:us-west-2:123456789012:channel/cam/1\",\"SingleMasterChannelEndpointConfiguration\":{\"Protocols\":[\"WSS\",\"HTTPS\"],\"Role\":\"MASTER\"}}".utf8)
        default: return (0..<int(1...300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    mutating func time() -> Int64 {
        switch int(0...4) {
        case 0: return pick([0, 951_782_400, 1_078_012_799, 1_709_164_800, 1_735_689_599, 4_107_542_399])
        default: return Int64(int(0...4_102_444_800))
        }
    }

    mutating func host(region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        switch int(0...5) {
        case 0: return "127.0.0.1:8443"
        case 1: return "localhost:4566"
        case 2: return "Kinesisvideo.\(region).\(suffix)"
        default: return "kinesisvideo.\(region).\(suffix)"
        }
    }

    mutating func credentials() -> (String, String, String?) {
        let access = pick(["AKIA", "ASIA"]) + key(length: 16, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secret = key(length: 40, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
        let token = chance(50)
            ? key(length: int(16...400), alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=") : nil
        return (access, secret, token)
    }

    mutating func headerCase() -> SigV4OracleCase {
        let (access, secret, token) = credentials()
        let region = pick(Self.regions)
        let host = host(region: region)
        var query: [[String]] = []
        for _ in 0..<int(0...5) {
            let name = chance(20) && !query.isEmpty ? query[0][0] : text(1...3)
            query.append([name, chance(20) ? "" : text(0...4)])
        }
        var headers: [[String]] = [["Content-Type", "application/json"]]
        for _ in 0..<int(0...4) { headers.append([pick(Self.headerNames), headerValue()]) }
        if chance(10) { headers.append(["Host", host.lowercased()]) }
        return SigV4OracleCase(
            kind: "header", accessKey: access, secretKey: secret, token: token, region: region,
            service: chance(85) ? "kinesisvideo" : pick(["service", "iot", "execute-api"]), time: time(),
            method: pick(["POST", "POST", "POST", "GET", "PUT", "DELETE"]), scheme: "https", host: host,
            path: path(), query: query, headers: headers, body: Hex.encode(body()), expires: nil)
    }

    mutating func presignCase() -> SigV4OracleCase {
        let (access, secret, token) = credentials()
        let region = pick(Self.regions)
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        let account = key(length: 12, alphabet: "0123456789")
        var query = [["X-Amz-ChannelARN", "arn:aws:kinesisvideo:\(region):\(account):channel/\(text(1...3))/\(int(1...999_999))"]]
        // Unique names only: botocore folds query parameters into a dict before presigning.
        for index in 0..<int(0...3) { query.append(["\(text(1...2))\(index)", chance(20) ? "" : text(0...4)]) }
        return SigV4OracleCase(
            kind: "presign", accessKey: access, secretKey: secret, token: token, region: region,
            service: chance(90) ? "kinesisvideo" : "service", time: time(), method: "GET",
            scheme: pick(["wss", "wss", "https"]),
            host: chance(80) ? "m-\(key(length: 8, alphabet: "0123456789abcdef")).kinesisvideo.\(region).\(suffix)" : host(region: region),
            path: chance(70) ? "" : path(), query: query, headers: [], body: "", expires: int(1...604_800))
    }
}
