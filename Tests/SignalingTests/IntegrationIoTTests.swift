import TestSupport
import Foundation
import Glibc
import Testing
import WireKit

@testable import Signaling

/// A stand-in for the AWS IoT credentials provider that hands out a scripted rotation of
/// credentials with a short lifetime (Tests/Support/SigV4/iot_credentials_server.py with
/// --credentials/--lifetime) over mutual TLS, with a throwaway PKI made by the openssl CLI.
/// Every fetch is a "FETCH <n> <access key>" line on its stdout. Stopped by PID.
final class IoTRotatingServer {
    let authority: TestCertificateAuthority
    private let process: ScriptProcess
    let port: Int
    private var fetchLines: [String] = []

    var directory: URL { authority.directory }
    func path(_ name: String) -> String { authority.path(name) }
    var ca: String { authority.ca }
    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }

    init(credentials: [EmulatorCredentials], lifetime: Int) throws {
        authority = try TestCertificateAuthority(directoryPrefix: "iot-rotation", subjectPrefix: "kvsmaster IoT test")
        let directory = authority.directory
        do {
            try authority.issueServerCertificate(subjectAltName: "IP:127.0.0.1", serial: 9)
            try authority.issue("client", subject: "client", serial: 9, extensions: "extendedKeyUsage=clientAuth\n")
            let entries = credentials.map {
                ["accessKeyId": $0.accessKey, "secretAccessKey": $0.secretKey, "sessionToken": $0.token ?? ""]
            }
            let file = directory.appendingPathComponent("credentials.json")
            try JSONSerialization.data(withJSONObject: entries).write(to: file)
            process = try ScriptProcess(
                executable: EmulatorProcess.python,
                arguments: [
                    IoTTestServer.scriptPath, directory.appendingPathComponent("server.pem").path,
                    directory.appendingPathComponent("server.key").path, directory.appendingPathComponent("ca.pem").path,
                    "--credentials", file.path, "--lifetime", String(lifetime),
                ],
                stderrFile: directory.appendingPathComponent("server.stderr"))
            guard let line = process.lines.next(timeout: .seconds(10)), line.hasPrefix("PORT "),
                let port = Int(line.dropFirst(5))
            else {
                throw IoTTestServerError.failed("the IoT test server did not start: \(process.stderrText)")
            }
            self.port = port
        } catch {
            authority.remove()
            throw error
        }
    }

    deinit { stop() }

    /// SIGTERM by PID (SIGKILL after 2 s), then the temp dir goes.
    func stop() {
        process.stop(grace: .seconds(2))
        authority.remove()
    }

    /// The access keys handed out so far, in order, after waiting up to `timeout` for at least
    /// `count` fetches.
    func fetches(atLeast count: Int = 0, timeout: Duration = .zero) -> [String] {
        let deadline = ContinuousClock.now + timeout
        while fetchLines.count < count, ContinuousClock.now < deadline {
            if let line = process.lines.next(timeout: min(deadline - ContinuousClock.now, .milliseconds(200))) {
                fetchLines.append(line)
            }
        }
        while let line = process.lines.next(timeout: .zero) { fetchLines.append(line) }
        return fetchLines.compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count == 3 && fields[0] == "FETCH" ? String(fields[2]) : nil
        }
    }
}

/// The client on AWS IoT credentials end to end: no AWS_ACCESS_KEY_ID anywhere, the IoT
/// variables and one CA bundle (AWS_KVS_CACERT_PATH) that serves both the IoT endpoint and the
/// emulator.
@Suite(.serialized) struct IntegrationIoTTests {
    /// The IoT endpoint hands out three credentials in turn, each valid for 30 s. The client
    /// connects with the first, fetches the second before the first expires, and after the
    /// emulator stops accepting the first, reconnects (GO_AWAY) signing with the second and its
    /// session token; the third signs the next ICE configuration fetch. It stays connected
    /// throughout, with no request rejected.
    @Test func connectsWithIoTCredentialsAndResignsWithRefreshedOnes() throws {
        let lifetime = 30
        let rotation = (0..<3).map { _ in EmulatorCredentials.random(token: true) }
        let keys = rotation.map(\.accessKey)
        let iot = try IoTRotatingServer(credentials: rotation, lifetime: lifetime)
        defer { iot.stop() }
        let emulator = try EmulatorProcess(arguments: ["--no-turn", "--channel", "cam"], credentials: [rotation[0].tuple])
        defer { emulator.stop() }
        for credentials in rotation.dropFirst() {
            let added = try emulator.admin(
                "POST", "/credentials",
                ["accessKeyId": credentials.accessKey, "secretAccessKey": credentials.secretKey,
                 "sessionToken": credentials.token ?? ""])
            #expect(added.status == 200)
        }

        // Both CAs in one PEM file, named by the one variable both TLS clients read.
        let bundle = iot.directory.appendingPathComponent("ca-bundle.pem")
        let pem = try String(contentsOfFile: iot.ca, encoding: .utf8) + (try String(contentsOfFile: emulator.info.caCertificate, encoding: .utf8))
        try pem.write(to: bundle, atomically: true, encoding: .utf8)
        let environment = [
            "HOME": iot.directory.path,
            "AWS_IOT_CORE_CREDENTIAL_ENDPOINT": "127.0.0.1:\(iot.port)",
            "AWS_IOT_CORE_CERT": iot.clientCertificate, "AWS_IOT_CORE_PRIVATE_KEY": iot.clientKey,
            "AWS_IOT_CORE_ROLE_ALIAS": "camera-role", "AWS_IOT_CORE_THING_NAME": "cam-1",
            "AWS_KVS_CACERT_PATH": bundle.path,
            "CONTROL_PLANE_URI": emulator.info.controlPlaneEndpoint, "AWS_DEFAULT_REGION": emulator.info.region,
        ]
        #expect(environment["AWS_ACCESS_KEY_ID"] == nil)
        let harness = try IntegrationClient(
            emulator: emulator, channel: "cam", credentials: .chain(environment: environment), logLevel: .trace,
            extraEnvironment: ["AWS_KVS_CACERT_PATH": bundle.path])
        defer { harness.stop() }
        let started = ContinuousClock.now
        harness.start()
        #expect(harness.waitConnected(), "\(harness.log.text.suffix(4000))")

        // One fetch got the client connected; every request was signed with it.
        #expect(iot.fetches() == [keys[0]])
        #expect(harness.log.contains("using AWS credentials from AWS IoT"), "\(harness.log.text.suffix(3000))")
        #expect(try emulator.stat("signedBy:ConnectAsMaster", keys[0]) == 1)
        #expect(try emulator.stat("signedBy:GetIceServerConfig", keys[0]) == 1)

        // The second set arrives before the first expires (half its lifetime in).
        let second = iot.fetches(atLeast: 2, timeout: .seconds(lifetime))
        #expect(Array(second.prefix(2)) == [keys[0], keys[1]], "\(second.prefix(5)) of \(second.count)")
        let secondAt = ContinuousClock.now - started
        #expect(
            harness.recorder.wait(timeout: .seconds(5)) { _ in harness.log.contains("(access key \(keys[1]))") },
            "\(harness.log.text.suffix(3000))")
        print("IoT credentials: second fetch \(String(format: "%.1f", secondAt.milliseconds / 1000)) s after start")
        #expect(secondAt < .seconds(lifetime - 5) && secondAt > .seconds(lifetime / 3))

        // The emulator forgets the first key: a reconnect only works signed with the second.
        #expect(try emulator.admin("POST", "/credentials/remove", ["accessKeyId": keys[0]]).status == 200)
        #expect(try emulator.admin("POST", "/master/go-away", ["channel": "cam"]).json["sent"] as? Bool == true)
        #expect(harness.waitConnected(count: 2, timeout: .seconds(10)), "\(harness.log.text.suffix(4000))")
        // Signed with the set the background refresh fetched: no extra fetch for the reconnect.
        #expect(try emulator.stat("signedBy:ConnectAsMaster", keys[1]) == 1)
        #expect(try emulator.stat("signedBy:GetSignalingChannelEndpoint", keys[1]) == 1)
        #expect(try emulator.stat("signedBy:ConnectAsMaster", keys[0]) == 1)
        #expect(iot.fetches().count == 2)

        // The third set (fetched as the first expires), then an ICE configuration fetch signed with it.
        let third = iot.fetches(atLeast: 3, timeout: .seconds(lifetime))
        #expect(third.count >= 3 && third.contains(keys[2]), "\(third.prefix(5)) of \(third.count)")
        #expect(harness.recorder.wait(timeout: .seconds(5)) { _ in harness.log.contains("(access key \(keys[2]))") })
        #expect(try emulator.admin("POST", "/master/reconnect-ice-server", ["channel": "cam"]).status == 200)
        let updates = { (events: [SignalingEvent]) in
            events.filter { if case .iceServersUpdated = $0 { true } else { false } }.count
        }
        #expect(harness.recorder.wait(timeout: .seconds(5)) { updates($0) >= 3 }, "\(harness.log.text.suffix(3000))")
        #expect(try emulator.stat("signedBy:GetIceServerConfig", keys[2]) >= 1)

        let stats = try emulator.stats()
        #expect((stats["signatureFailures"] as? [String: Any] ?? [:]).isEmpty, "\(stats)")
        #expect(harness.snapshot.metrics.numberOfErrors == 0)
        #expect(harness.recorder.connectedCount == 2)
        #expect(try emulator.stat("connections", "master") == 2)
        #expect(harness.isConnected)
        let fetches = iot.fetches()
        print("IoT fetches: \(fetches.count) in \(String(format: "%.1f", (ContinuousClock.now - started).milliseconds / 1000)) s")
        // Refreshed on a timer, not in a loop: one fetch per half lifetime.
        #expect(fetches.count >= 3 && fetches.count <= 4, "\(fetches.count) fetches")

        // Nothing secret of the IoT credentials or the client key in the trace-level log.
        let text = harness.log.text
        for credentials in rotation {
            #expect(!text.contains(credentials.secretKey))
            #expect(!text.contains(try #require(credentials.token)))
        }
        let key = try String(contentsOfFile: iot.clientKey, encoding: .utf8)
        let keyBody = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        #expect(keyBody.count > 40 && !text.replacingOccurrences(of: "\n", with: "").contains(keyBody.prefix(40)))
    }
}

/// The state machine with credentials that live less than the refresh grace period (5 min), or
/// that a wrong local clock shows as already expired, under a virtual clock: they are used, and
/// fetched again halfway through their lifetime, not fetched again at once in a loop.
@Suite struct IoTShortLivedCredentialTests {
    static func connectWith(expiresIn lifetime: Duration) -> SignalingHarness {
        var harness = SignalingHarness()
        harness.start()
        guard let call = harness.chainCall, call.step == .credentials else {
            Issue.record("expected a credentials call, got \(harness.machine.state)")
            return harness
        }
        harness.input(.callSucceeded(call.id, .credentials(expiresAt: harness.now + lifetime)))
        harness.connect()
        return harness
    }

    @Test func thirtySecondCredentialsAreFetchedOnceThenHalfwayThrough() {
        var harness = Self.connectWith(expiresIn: Duration.seconds(30))
        #expect(harness.isConnected)
        let credentialCalls = { (h: SignalingHarness) in
            h.requests.filter { if case .credentials = $0 { true } else { false } }.count
        }
        #expect(credentialCalls(harness) == 1)
        #expect(harness.requests.count == 4)  // credentials, describe, endpoint, ICE configuration
        // Still usable 14 s in: a RECONNECT_ICE_SERVER fetches the ICE configuration directly.
        harness.advance(by: Duration.seconds(14))
        harness.machine.startIceRefresh(now: harness.now)
        harness.pump()
        #expect(credentialCalls(harness) == 1)
        #expect(harness.machine.iceRefresh != .idle)
        if case .fetching = harness.machine.iceRefresh {} else { Issue.record("\(harness.machine.iceRefresh)") }
    }

    /// Credentials the client refreshed in the background replace the machine's view of the
    /// old ones, so the next step after the old refresh time does not fetch yet again.
    @Test func backgroundRefreshedCredentialsAreAdopted() {
        var harness = Self.connectWith(expiresIn: Duration.seconds(30))
        harness.advance(by: Duration.seconds(15))
        harness.input(.credentialsRefreshed(expiresAt: harness.now + Duration.seconds(30)))
        #expect(harness.machine.credentials == .valid(refreshAt: harness.now + Duration.seconds(15)))
        harness.advance(by: Duration.seconds(5))
        harness.machine.startIceRefresh(now: harness.now)
        harness.pump()
        if case .fetching = harness.machine.iceRefresh {} else { Issue.record("\(harness.machine.iceRefresh)") }
        #expect(harness.requests.filter { if case .credentials = $0 { true } else { false } }.count == 1)
    }

    /// After a 403 the credentials are missing; a background result does not paper over that.
    @Test func backgroundRefreshDoesNotReviveMissingCredentials() {
        var harness = SignalingHarness()
        harness.start()
        harness.input(.credentialsRefreshed(expiresAt: harness.now + Duration.seconds(900)))
        #expect(harness.machine.credentials == .missing)
    }

    @Test func credentialsThatLookExpiredAreUsedNotRefetchedInALoop() {
        let harness = Self.connectWith(expiresIn: Duration.seconds(-600))
        #expect(harness.isConnected)
        #expect(harness.requests.filter { if case .credentials = $0 { true } else { false } }.count == 1)
    }

    @Test func longLivedCredentialsKeepTheFiveMinuteGrace() {
        var harness = SignalingHarness()
        harness.start()
        guard let call = harness.chainCall else {
            Issue.record("no call")
            return
        }
        harness.input(.callSucceeded(call.id, .credentials(expiresAt: harness.now + Duration.seconds(900))))
        #expect(harness.machine.credentials == .valid(refreshAt: harness.now + Duration.seconds(600)))
    }
}
