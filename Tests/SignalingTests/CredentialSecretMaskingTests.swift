import Testing

@testable import Signaling

/// No secret key or session token appears in any description, debug description, mirror or
/// error of the credential and signing types.
@Suite struct CredentialSecretMaskingTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY"
    static let token = "IQoJb3JpZ2luX2VjSESSIONTOKEN/+=="
    static let credentials = AWSCredentials(
        accessKeyID: "ASIAMASKTEST", secretAccessKey: secret, sessionToken: token, expiration: 1_795_248_927)

    static func leaks(_ text: String) -> Bool {
        text.contains(secret) || text.contains(token) || text.contains("SECRETKEY") || text.contains("SESSIONTOKEN")
            || text.contains(SigV4Encoding.uriEncode(token))
    }

    @Test func credentialsDescriptions() {
        let texts = [
            Self.credentials.description, Self.credentials.debugDescription, "\(Self.credentials)", String(reflecting: Self.credentials),
            { var out = ""; dump(Self.credentials, to: &out); return out }(),
            "\([Self.credentials])", "\(Optional(Self.credentials) as Any)",
        ]
        for text in texts { #expect(!Self.leaks(text), "\(text)") }
        #expect(
            Self.credentials.description
                == "AWSCredentials(accessKeyID: ASIAMASKTEST, secretAccessKey: <redacted>, sessionToken: <redacted>, "
                + "expiration: 20261121T081527Z)")
        #expect(
            AWSCredentials(accessKeyID: "AKIA", secretAccessKey: "x").description
                == "AWSCredentials(accessKeyID: AKIA, secretAccessKey: <redacted>, sessionToken: none)")
    }

    @Test func signedRequestsAndURLs() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-west-2")
        let signed = try signer.sign(
            SigV4Request(method: "POST", host: "kinesisvideo.us-west-2.amazonaws.com", path: "/describeSignalingChannel"),
            now: 1_700_000_000)
        #expect(signed.headers.contains(SigV4Header("X-Amz-Security-Token", Self.token)))
        #expect(!Self.leaks(signed.description))
        #expect(!Self.leaks(String(describing: signed.request)))
        let url = try signer.connectAsMasterURL(
            endpoint: "wss://m-1.kinesisvideo.us-west-2.amazonaws.com", channelARN: "arn", now: 1_700_000_000)
        #expect(url.url.contains(SigV4Encoding.uriEncode(Self.token)))
        #expect(!Self.leaks(url.description))
    }

    @Test func errorsNeverCarrySecrets() {
        let environment = [
            "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token, "HOME": "/h",
            "AWS_IOT_CORE_ROLE_ALIAS": "alias",
        ]
        let files = CredentialFileSystem.inMemory(files: [
            "/h/.aws/credentials": "[default]\naws_secret_access_key = \(Self.secret)\naws_session_token = \(Self.token)\n"
        ])
        let result = CredentialProviderChain(environment: environment, fileSystem: files, fetchIoT: { _ in .failure(.timedOut("")) })
            .resolve()
        guard case .failure(let error) = result else {
            Issue.record("expected failure, got \(result)")
            return
        }
        #expect(error.problems.count == 3)
        #expect(!Self.leaks(error.description))
        #expect(!Self.leaks(String(reflecting: error)))
        for problem in error.problems { #expect(!Self.leaks(problem.description)) }

        let body = #"{"credentials":{"accessKeyId":"A","secretAccessKey":"\#(Self.secret)","sessionToken":"\#(Self.token)","expiration":"x"}}"#
        do {
            _ = try IoTCredentialResponse.parse(Array(body.utf8))
            Issue.record("expected a parse error")
        } catch {
            #expect(!Self.leaks(error.description))
            #expect(!Self.leaks(String(reflecting: error)))
        }
    }
}
