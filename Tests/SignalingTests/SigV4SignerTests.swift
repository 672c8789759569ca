import Testing
import WireKit

@testable import Signaling

/// Fixed vectors: AWS's published SigV4 test-suite examples (get-vanilla family, credentials
/// AKIDEXAMPLE, 2015-08-30 12:36:00 UTC, us-east-1, service "service") and hand-checked pieces.
@Suite struct SigV4SignerTests {
    static let example = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let exampleTime: Int64 = 1_440_938_160  // 20150830T123600Z
    static let signer = SigV4Signer(credentials: example, region: "us-east-1", service: "service")

    static func vanilla(path: String = "/", query: [SigV4QueryItem] = [], method: String = "GET") -> SigV4Request {
        SigV4Request(method: method, host: "example.amazonaws.com", path: path, query: query)
    }

    @Test func getVanilla() throws {
        let request = Self.vanilla()
        let time = Self.signer.signingTime(now: Self.exampleTime)
        let headers = Self.signer.headersToSend(request, time: time)
        let canonical = try Self.signer.canonicalRequest(request, headers: headers)
        #expect(
            canonical.text == """
                GET
                /

                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            try Self.signer.stringToSign(canonicalRequest: canonical.text, time: time) == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
        let signed = try Self.signer.sign(request, now: Self.exampleTime)
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signed.headers.map(\.name) == ["Host", "X-Amz-Date", "Authorization"])
        #expect(signed.headers[1].value == "20150830T123600Z")
    }

    @Test func getVanillaQueryOrderKeyCase() throws {
        let signed = try Self.signer.sign(
            Self.vanilla(query: [SigV4QueryItem("Param2", "value2"), SigV4QueryItem("Param1", "value1")]),
            now: Self.exampleTime)
        #expect(signed.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        #expect(signed.request.target == "/?Param2=value2&Param1=value1")
    }

    /// More of AWS's SigV4 test suite (same credentials, time, region and service); botocore
    /// produces the same signatures.
    @Test(arguments: [
        ("post-vanilla", vanilla(method: "POST"), "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ("get-utf8", vanilla(path: "/\u{1234}"), "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        ("get-space", vanilla(path: "/example space/"), "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        ("get-vanilla-query", vanilla(query: [SigV4QueryItem("Param1", "value1")]),
         "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        ("get-vanilla-utf8-query", vanilla(query: [SigV4QueryItem("\u{1234}", "bar")]),
         "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        ("get-relative-relative", vanilla(path: "/example1/example2/../.."),
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-slashes", vanilla(path: "//example//"), "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        ("get-header-key-duplicate",
         SigV4Request(
            method: "GET", host: "example.amazonaws.com", path: "/",
            headers: [SigV4Header("My-Header1", "value2"), SigV4Header("My-Header1", "value2"), SigV4Header("My-Header1", "value1")]),
         "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        ("get-header-value-trim",
         SigV4Request(
            method: "GET", host: "example.amazonaws.com", path: "/",
            headers: [SigV4Header("My-Header1", " value1"), SigV4Header("My-Header2", " \"a   b   c\"")]),
         "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        ("post-x-www-form-urlencoded",
         SigV4Request(
            method: "POST", host: "example.amazonaws.com", path: "/",
            headers: [SigV4Header("Content-Type", "application/x-www-form-urlencoded")], body: Array("Param1=value1".utf8)),
         "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ])
    func awsTestSuite(name: String, request: SigV4Request, signature: String) throws {
        #expect(try Self.signer.sign(request, now: Self.exampleTime).signature == signature, "\(name)")
    }

    /// The same example with a clock 90 s slow corrected by the offset: identical signature.
    @Test func clockOffsetShiftsTheSigningTime() throws {
        var skewed = Self.signer
        skewed.clockOffset = 90
        let signed = try skewed.sign(Self.vanilla(), now: Self.exampleTime - 90)
        #expect(signed.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(skewed.signingTime(now: .max).unixSeconds == .max)
        skewed.clockOffset = -10
        #expect(skewed.signingTime(now: .min).unixSeconds == .min)
    }

    @Test func sessionTokenIsSignedAndSentButNotDescribed() throws {
        var credentials = Self.example
        credentials.sessionToken = "FQoGZXIvYXdzE//token+secret=="
        let signer = SigV4Signer(credentials: credentials, region: "us-west-2")
        let request = SigV4Request(
            method: "POST", host: "kinesisvideo.us-west-2.amazonaws.com", path: "/describeSignalingChannel",
            headers: [SigV4Header("Content-Type", "application/json"), SigV4Header("X-Amz-Date", "stale")],
            body: Array(#"{"ChannelName":"cam"}"#.utf8))
        let signed = try signer.sign(request, now: Self.exampleTime)
        #expect(signed.headers.map(\.name) == ["Content-Type", "Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(signed.headers[3].value == "FQoGZXIvYXdzE//token+secret==")
        #expect(signed.authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"))
        #expect(signed.authorization.contains("/20150830/us-west-2/kinesisvideo/aws4_request"))
        #expect(!signed.description.contains("token+secret"))
        #expect(signed.description.contains("X-Amz-Security-Token: <redacted>"))
    }

    @Test func presignedConnectAsMasterURL() throws {
        var credentials = Self.example
        credentials.sessionToken = "tok/+="
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let url = try signer.connectAsMasterURL(
            endpoint: "wss://m-1.kinesisvideo.us-east-1.amazonaws.com",
            channelARN: "arn:aws:kinesisvideo:us-east-1:1:channel/a/1", now: Self.exampleTime)
        // Checked against botocore's SigV4QueryAuth for the same inputs.
        #expect(
            url.url == "wss://m-1.kinesisvideo.us-east-1.amazonaws.com?X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo"
                + "%3Aus-east-1%3A1%3Achannel%2Fa%2F1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
                + "%2F20150830%2Fus-east-1%2Fkinesisvideo%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300"
                + "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2F%2B%3D"
                + "&X-Amz-Signature=5733539d6a75bd7e9d7630f183d34149d09e76b430ccf8788b9df940798a7a6b")
        #expect(url.expiresAt == Self.exampleTime + 300)
        #expect(!url.description.contains("tok%2F"))
        #expect(url.description.contains("X-Amz-Security-Token=<redacted>&X-Amz-Signature=5733"))
        #expect(throws: SigV4Error.invalidEndpoint("m-1.example.com")) {
            try signer.connectAsMasterURL(endpoint: "m-1.example.com", channelARN: "x", now: 0)
        }
        #expect(throws: SigV4Error.invalidExpiry(604_801)) {
            try signer.presign(host: "h", query: [], expires: 604_801, now: 0)
        }
    }

    @Test func timestampsFormatWithoutACalendarLibrary() {
        #expect(SigV4Timestamp(unixSeconds: 0).amzDate == "19700101T000000Z")
        #expect(SigV4Timestamp(unixSeconds: 951_782_400).amzDate == "20000229T000000Z")
        #expect(SigV4Timestamp(unixSeconds: 1_709_251_199).amzDate == "20240229T235959Z")
        #expect(SigV4Timestamp(unixSeconds: 4_102_444_800).amzDate == "21000101T000000Z")
        #expect(SigV4Timestamp(unixSeconds: -1).amzDate == "19691231T235959Z")
        #expect(SigV4Timestamp(unixSeconds: 253_402_300_799).amzDate == "99991231T235959Z")
        #expect(SigV4Timestamp(unixSeconds: 1_440_938_160).dateStamp == "20150830")
        // Round trip through the civil fields over a wide, irregular sample.
        var rng = SplitMix64(seed: 9)
        for _ in 0..<20_000 {
            let unix = Int64(bitPattern: rng.next() % 400_000_000_000) - 100_000_000_000
            #expect(SigV4Timestamp(unixSeconds: unix).components.unixSeconds == unix)
        }
    }

    @Test func encodingRules() {
        #expect(SigV4Encoding.uriEncode("a b+c*d~e%f/g") == "a%20b%2Bc%2Ad~e%25f%2Fg")
        #expect(SigV4Encoding.uriEncode("a/é", keepSlash: true) == "a/%C3%A9")
        #expect(SigV4Encoding.canonicalURI(path: "") == "/")
        #expect(SigV4Encoding.canonicalURI(path: "//a/./b/../c//") == "/a/c/")
        #expect(SigV4Encoding.canonicalURI(path: "/a%20b") == "/a%2520b")
        #expect(SigV4Encoding.canonicalURI(path: "/..") == "/")
        #expect(SigV4Encoding.trimAll("  a \t b   c  ") == "a b c")
        #expect(SigV4Encoding.trimAll("\r\n x\r\ny ") == "x y")
        #expect(SigV4Signer.canonicalQuery([("b", "2"), ("a", ""), ("A", "z"), ("a", "1"), ("a b", "+")]) == "A=z&a=&a=1&a%20b=%2B&b=2")
    }

    /// Arbitrary Unicode anywhere in a request never traps, and signing is deterministic.
    @Test func arbitraryInputsSignDeterministically() throws {
        var rng = SplitMix64(seed: 41)
        func text() -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 12) {
                let pick = rng.next() % 4
                let value: UInt32 = pick == 0 ? UInt32(rng.next() % 0x80) : pick == 1 ? 0x2F : UInt32(rng.next() % 0x11_0000)
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            return String(scalars)
        }
        for _ in 0..<3_000 {
            let request = SigV4Request(
                method: text(), host: text(), path: text(), query: [SigV4QueryItem(text(), text())],
                headers: [SigV4Header(text(), text()), SigV4Header(text(), text())], body: Array(text().utf8))
            let signer = SigV4Signer(
                credentials: AWSCredentials(accessKeyID: text(), secretAccessKey: text(), sessionToken: text()),
                region: text(), service: text(), clockOffset: Int64(bitPattern: rng.next()))
            let now = Int64(bitPattern: rng.next())
            let first = try signer.sign(request, now: now)
            #expect(try signer.sign(request, now: now) == first)
            #expect(first.signature.count == 64)
            let url = try signer.presign(host: text(), path: text(), query: request.query, now: now)
            #expect(url.url.hasSuffix("&X-Amz-Signature=" + url.signature))
        }
    }
}
