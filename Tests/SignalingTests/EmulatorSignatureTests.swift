import TestSupport
import Foundation
import Testing

@testable import Signaling

/// The emulator's SigV4 checking, judged independently of this package's signer first
/// (botocore signs, the emulator must accept; one changed byte must be refused), then with it.
@Suite struct EmulatorSignatureTests {
    static var describe: [String: Any] { ["ChannelName": "cam"] }

    @Test func botocoreSignedRequestsAreAcceptedAndOneChangedByteIsRefused() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }

        let accepted = try emulator.botocore(credentials, operation: "DescribeSignalingChannel", params: Self.describe)
        #expect(accepted["status"] as? Int == 200)
        let info = (accepted["result"] as? [String: Any])?["ChannelInfo"] as? [String: Any]
        #expect(info?["ChannelARN"] as? String == emulator.info.channels.first?.arn)
        #expect(info?["ChannelStatus"] as? String == "ACTIVE")

        let tampered = try emulator.botocore(
            credentials, operation: "DescribeSignalingChannel", params: Self.describe, tamper: true)
        #expect(tampered["status"] as? Int == 403)
        let error = tampered["error"] as? [String: Any]
        #expect(error?["Code"] as? String == "InvalidSignatureException")
        #expect((error?["Message"] as? String)?.hasPrefix("The request signature we calculated does not match") == true)

        // A secret one character off is refused just the same.
        var wrong = credentials
        wrong.secretKey = String(wrong.secretKey.dropLast()) + (wrong.secretKey.hasSuffix("A") ? "B" : "A")
        let wrongSecret = try emulator.botocore(wrong, operation: "DescribeSignalingChannel", params: Self.describe)
        #expect(wrongSecret["status"] as? Int == 403)
        #expect((wrongSecret["error"] as? [String: Any])?["Code"] as? String == "InvalidSignatureException")

        #expect(try emulator.stat("signatureFailures", "mismatch") == 2)
        #expect(try emulator.stat("calls", "DescribeSignalingChannel") == 3)
    }

    @Test func sessionTokenIsRequiredWhenConfigured() throws {
        let credentials = EmulatorCredentials.random(token: true)
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }

        let withToken = try emulator.botocore(credentials, operation: "DescribeSignalingChannel", params: Self.describe)
        #expect(withToken["status"] as? Int == 200)

        var noToken = credentials
        noToken.token = nil
        let refused = try emulator.botocore(noToken, operation: "DescribeSignalingChannel", params: Self.describe)
        #expect(refused["status"] as? Int == 403)
        #expect((refused["error"] as? [String: Any])?["Code"] as? String == "UnrecognizedClientException")

        // The package's signer carries the token in X-Amz-Security-Token.
        let signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)
        let ours = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(ours.status == 200, "\(ours.text)")
    }

    @Test func requestsSignedByOurSignerAreAccepted() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        let signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)

        let described = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(described.status == 200, "\(described.text)")
        let info = try KVSChannelInfo.decode(described.body)
        #expect(info.arn == emulator.info.channels.first?.arn)
        #expect(info.isActive)

        var wrong = credentials
        wrong.secretKey += "x"
        let refused = try emulator.send(
            SigV4Signer(credentials: wrong.aws, region: emulator.info.region), .describeChannel(name: "cam"))
        #expect(refused.status == 403)
        #expect(refused.headers["x-amzn-errortype"]?.hasPrefix("InvalidSignatureException") == true)

        // Signed for another region: refused by the scope check, not by luck.
        let otherRegion = try emulator.send(
            SigV4Signer(credentials: credentials.aws, region: "eu-west-1"), .describeChannel(name: "cam"))
        #expect(otherRegion.status == 403)
        #expect((otherRegion.json["message"] as? String)?.contains("scoped to a valid region") == true)
        #expect(try emulator.stat("signatureFailures", "mismatch") == 1)
        #expect(try emulator.stat("signatureFailures", "scope-region") == 1)
    }

    /// A signature 15 minutes ahead of the emulator's clock: "Signature not yet current" with a
    /// Date header; correcting the signer's offset from the message makes the retry succeed.
    @Test func skewedSignatureIsRefusedAndTheOffsetFixesIt() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        var signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region, clockOffset: 900)

        let ahead = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(ahead.status == 403)
        #expect(ahead.headers["x-amzn-errortype"]?.hasPrefix("InvalidSignatureException") == true)
        let message = try #require(ahead.json["message"] as? String)
        #expect(message.hasPrefix("Signature not yet current: "))
        #expect(message.hasSuffix(" + 5 min.)"))
        let date = try #require(ahead.headers["date"])
        let serverTime = try #require(Self.httpDate(date))
        #expect(abs(serverTime.timeIntervalSinceNow) < 30)

        let error = KVSAPIError(kind: .http(status: ahead.status), errorType: "InvalidSignatureException", message: message)
        #expect(error.isClockSkew)
        let correction = try #require(KVSClockSkew.correction(fromMessage: message))
        #expect(abs(correction.components.seconds + 900) <= 5)
        signer.clockOffset += correction.components.seconds
        let retried = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(retried.status == 200, "\(retried.text)")
        #expect(try emulator.stat("signatureFailures", "skew") == 1)
    }

    /// The emulator's own clock moved 15 minutes ahead: "Signature expired", and the Date
    /// header tells the client how far to move.
    @Test func emulatorClockAheadGivesSignatureExpiredAndDateHeader() throws {
        let credentials = EmulatorCredentials.random()
        let emulator = try EmulatorProcess(credentials, arguments: ["--no-turn", "--channel", "cam"])
        defer { emulator.stop() }
        #expect(try emulator.admin("POST", "/clock", ["offsetSeconds": 900]).status == 200)
        var signer = SigV4Signer(credentials: credentials.aws, region: emulator.info.region)

        let behind = try emulator.send(signer, .describeChannel(name: "cam"))
        #expect(behind.status == 403)
        let message = try #require(behind.json["message"] as? String)
        #expect(message.hasPrefix("Signature expired: "))
        #expect(message.contains(" is now earlier than "))
        #expect(message.hasSuffix(" - 5 min.)"))
        let serverTime = try #require(behind.headers["date"].flatMap(Self.httpDate))
        let offset = Int64(serverTime.timeIntervalSinceNow.rounded())
        #expect(abs(offset - 900) <= 5)

        signer.clockOffset = offset
        #expect(try emulator.send(signer, .describeChannel(name: "cam")).status == 200)
        // botocore agrees with the emulator about the same skew.
        let late = try emulator.botocore(credentials, operation: "DescribeSignalingChannel", params: Self.describe)
        #expect(late["status"] as? Int == 403)
        let early = try emulator.botocore(
            credentials, operation: "DescribeSignalingChannel", params: Self.describe, clockOffset: 900)
        #expect(early["status"] as? Int == 200)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
