import TestSupport
import Foundation
import Logging
import Testing
import WireKit

@testable import Signaling

/// The driver's pure parts: configuration from the environment, log redaction and event lines,
/// and the fixes its integration needed (storage-session recipients, 401 and 403 alike).
@Suite struct SignalingClientUnitTests {
    static let probe = CAFileProbe { path in path == "/ca/test.pem" ? .file : .missing }

    @Test func configurationReadsTheOverridesFromTheGivenEnvironment() throws {
        let configuration = try SignalingClientConfiguration.resolve(
            channelName: "cam",
            environment: [
                "CONTROL_PLANE_URI": "https://127.0.0.1:8443", "KVS_STUN_URI": "stun:127.0.0.1:3478",
                "AWS_DEFAULT_REGION": "eu-central-1", "AWS_KVS_CACERT_PATH": "/ca/test.pem",
            ],
            endpointCachePath: .some("/tmp/x.json"), probe: Self.probe
        ).get()
        #expect(configuration.endpoints.region == "eu-central-1")
        #expect(configuration.endpoints.controlPlane.description == "https://127.0.0.1:8443")
        #expect(configuration.endpoints.stunURI == "stun:127.0.0.1:3478")
        #expect(configuration.trust == .file("/ca/test.pem"))
        #expect(configuration.webSocketTrust == .caFile("/ca/test.pem"))
        #expect(configuration.endpointCachePath == "/tmp/x.json")
        #expect(
            configuration.endpointCacheKey == EndpointCacheKey(channelName: "cam", region: "eu-central-1", dualStack: false))
    }

    @Test func configurationDefaultsToUsWest2AndItsEndpoints() throws {
        let configuration = try SignalingClientConfiguration.resolve(
            channelName: "cam", environment: ["AWS_KVS_CACERT_PATH": "/ca/test.pem", "HOME": "/home/cam"], probe: Self.probe
        ).get()
        #expect(configuration.endpoints.region == "us-west-2")
        #expect(configuration.endpoints.controlPlane.description == "https://kinesisvideo.us-west-2.amazonaws.com")
        #expect(configuration.endpoints.stunURI == "stun:stun.kinesisvideo.us-west-2.amazonaws.com:443")
        #expect(configuration.endpointCachePath == "/home/cam/.cache/kvsmaster/endpoints.json")
    }

    @Test func configurationErrorsNameTheVariable() {
        let badURI = SignalingClientConfiguration.resolve(
            channelName: "cam", environment: ["CONTROL_PLANE_URI": "http://plain", "AWS_KVS_CACERT_PATH": "/ca/test.pem"],
            probe: Self.probe)
        #expect(throws: SignalingClientConfigurationError.self) { try badURI.get() }
        if case .failure(let error) = badURI { #expect(error.description.contains("CONTROL_PLANE_URI")) }
        let badCA = SignalingClientConfiguration.resolve(
            channelName: "cam", environment: ["AWS_KVS_CACERT_PATH": "/nowhere.pem"], probe: Self.probe)
        if case .failure(let error) = badCA {
            #expect(error.description.contains("AWS_KVS_CACERT_PATH"))
        } else {
            Issue.record("a missing AWS_KVS_CACERT_PATH file must be an error")
        }
    }

    @Test func redactionMasksPresignedURLsAuthorizationSignaturesAndLiteralSecrets() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token),
            region: "us-west-2")
        let url = try signer.connectAsMasterURL(
            endpoint: "wss://m-1.kinesisvideo.us-west-2.amazonaws.com", channelARN: "arn:aws:kinesisvideo:x", now: 1_700_000_000)
        let redactedURL = SignalingLog.redact("connecting to \(url.url)")
        #expect(!redactedURL.contains(url.signature))
        #expect(!redactedURL.contains("IQoJb3JpZ2lu"))
        #expect(redactedURL.contains("X-Amz-Signature=***"))

        let authorization =
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/kinesisvideo/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + url.signature
        let redactedHeader = SignalingLog.redact(authorization)
        #expect(!redactedHeader.contains(url.signature))
        #expect(redactedHeader.hasSuffix("Signature=***"))

        let echoed = "The request signature we calculated does not match; secret \(secret) token \(token)"
        #expect(SignalingLog.redact(echoed, secrets: [secret, token]) == "The request signature we calculated does not match; secret *** token ***")
    }

    @Test func logLinesMaskSecretsTheServerEchoesAndNameEachBadInput() {
        let log = CapturedLog()
        var signalingLog = SignalingLog(logger: log.logger(level: .trace))
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "verysecretkey123", sessionToken: "sessiontoken456")
        signalingLog.protect(credentials)
        signalingLog.event(
            .requestFailed(.describe, KVSAPIError.http(403, "InvalidSignatureException", message: "canonical had sessiontoken456")))
        signalingLog.event(.messageRejected(.malformedJSON(context: "message")))
        signalingLog.event(.messageRejected(.invalidBase64))
        signalingLog.event(.messageRejected(.unknownMessageType("FOO")))
        signalingLog.event(.messageRejected(.oversized(size: 70_000, limit: 65_536)))
        signalingLog.event(.clockOffsetChanged(.seconds(900)))
        signalingLog.event(
            .iceServersUpdated(
                KVSIceServerConfig(servers: [KVSIceServer(uris: ["turn:x"], username: "u", password: "turnpass", ttl: .seconds(60))])))
        let lines = log.lines.map(\.text)
        #expect(lines.count == 7)
        #expect(lines[0].contains("canonical had ***"))
        #expect(lines[1].contains("malformed JSON"))
        #expect(lines[2].contains("bad base64"))
        #expect(lines[3].contains("unknown event"))
        #expect(lines[4].contains("oversized message (message of 70000 bytes"))
        #expect(lines[5].contains("NTP") && lines[5].contains("900 s behind"))
        #expect(log.lines[5].level == .warning)
        #expect(lines[6].contains("1 server(s), shortest TTL 60 s") && !lines[6].contains("turnpass"))
        #expect(lines.allSatisfy { $0.contains("component=signaling") })
    }

    @Test func storageSessionMessagesHaveNoRecipient() throws {
        let answer = SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n")
        let message = try SignalingOutgoingMessage(answer, to: nil, correlationId: "s1")
        #expect(message.recipientClientId == nil)
        #expect(message.json == #"{"action":"SDP_ANSWER","messagePayload":"\#(message.messagePayload)","correlationId":"s1"}"#)
        #expect(try SignalingOutgoingMessage.decode(Array(message.json.utf8)) == message)
        // A viewer's id is still checked.
        #expect(throws: SignalingCodecError.invalidIdentifier(field: "recipientClientId", length: 0)) {
            try SignalingOutgoingMessage(answer, to: "")
        }
    }

    /// KVS's kinesisvideo model answers AccessDeniedException with 401 and webrtc-storage with
    /// 403: both must lead to fresh credentials before the retry.
    @Test(arguments: [401, 403]) func unauthorizedRefreshesCredentialsThenRetries(status: Int) {
        var machine = SignalingStateMachine(configuration: SignalingConfiguration(channelName: "cam"), seed: 1)
        machine.start(now: .zero)
        guard case .call(let credentialsCall, .credentials, _) = machine.pollOutput() else {
            Issue.record("expected the credential fetch first")
            return
        }
        machine.handle(.callSucceeded(credentialsCall, .credentials(expiresAt: nil)), now: .zero)
        guard case .call(let describe, .describeChannel, _) = machine.pollOutput() else {
            Issue.record("expected DescribeSignalingChannel")
            return
        }
        machine.handle(.callFailed(describe, .http(status, "AccessDeniedException")), now: .zero + .milliseconds(5))
        let outputs = machine.drainOutputs()
        #expect(outputs.contains(.event(.requestFailed(.describe, .http(status, "AccessDeniedException")))))
        guard case .call(let again, .credentials, _) = outputs.last else {
            Issue.record("expected a credential refresh, got \(outputs)")
            return
        }
        machine.handle(.callSucceeded(again, .credentials(expiresAt: nil)), now: .zero + .milliseconds(6))
        guard case .call(_, .describeChannel(name: "cam"), _) = machine.pollOutput() else {
            Issue.record("expected the describe to be retried")
            return
        }
    }

    @Test func webSocketFailuresMapToTheStatusesTheMachineActsOn() {
        #expect(SignalingClient.apiError(for: .upgradeRejected(status: 403)).status == 403)
        #expect(SignalingClient.apiError(for: .connectTimeout(milliseconds: 10)).kind == .timeout)
        #expect(SignalingClient.apiError(for: .connectionRefused(host: "h", port: 1)).kind == .transport)
        #expect(SignalingClient.apiError(for: .tlsHandshakeFailed(detail: "truncated")).errorType == "TLSFailed")
        #expect(SignalingClient.host(of: "wss://m-1.example.com:443/path?X-Amz-Signature=abc") == "m-1.example.com:443")
    }
}
