import Foundation
import Testing

@testable import Signaling

/// A throwaway PKI made with the `openssl` CLI and a Python HTTPS server on 127.0.0.1 that
/// requires a client certificate, standing in for the IoT credentials endpoint.
final class IoTTestServer {
    let directory: URL
    let process = Process()
    private(set) var port = 0

    var ca: String { path("ca.pem") }
    var rogueCA: String { path("rogue-ca.pem") }
    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    var rogueClientCertificate: String { path("rogue-client.pem") }
    var rogueClientKey: String { path("rogue-client.key") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/SigV4/iot_credentials_server.py").path
    }

    let tlsVersion: String?

    init(tls12 only: Bool = false) throws {
        tlsVersion = only ? "tls1.2" : nil
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iot-mtls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try makeCertificates()
            try start()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeCertificates() throws {
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for authority in ["ca", "rogue-ca"] {
            try TestOpenSSL.run(
                ["req", "-x509"] + ec + ["-keyout", path("\(authority).key"), "-out", path("\(authority).pem"), "-days", "2",
                 "-subj", "/CN=kvsmaster test \(authority)"])
        }
        for (name, authority, ext) in [("server", "ca", "server.ext"), ("client", "ca", "client.ext"),
                                       ("rogue-client", "rogue-ca", "client.ext")] {
            try TestOpenSSL.run(
                ["req"] + ec + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)"])
            try TestOpenSSL.run(
                ["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(authority).pem"), "-CAkey",
                 path("\(authority).key"), "-set_serial", "7", "-days", "2", "-extfile", path(ext), "-out", path("\(name).pem")])
        }
    }

    private func start() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.scriptPath, path("server.pem"), path("server.key"), ca] + (tlsVersion.map { [$0] } ?? [])
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            let stderr = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            throw IoTTestServerError.failed("test server did not start (needs /usr/bin/python3): \(text) \(stderr)")
        }
        self.port = port
    }

    func configuration(
        roleAlias: String = "camera-role", certificate: String? = nil, key: String? = nil, ca: String? = nil
    ) -> IoTCredentialConfiguration {
        IoTCredentialConfiguration(
            endpoint: "https://127.0.0.1:\(port)/", certificatePath: certificate ?? clientCertificate,
            privateKeyPath: key ?? clientKey, roleAlias: roleAlias, thingName: "cam-1",
            trustAnchors: .file(ca ?? self.ca), connectTimeout: 5, totalTimeout: 10)
    }
}

enum IoTTestServerError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let message): message }
    }
}

@Suite struct IoTCredentialFetcherTests {
    static let expected = AWSCredentials(
        accessKeyID: "ASIAIOTEXAMPLE000001", secretAccessKey: "iotSecretKeyDoNotLog/abcdefghijklmnopqrstu",
        sessionToken: "iotSessionTokenDoNotLog+xyz==", expiration: 1_795_248_927)

    @Test func fetchesOverMutualTLS() throws {
        let server = try IoTTestServer()
        defer { server.stop() }
        let result = IoTCredentialFetcher.fetch(server.configuration())
        #expect(result == .success(Self.expected))
        #expect(SigV4Timestamp(unixSeconds: 1_795_248_927).amzDate == "20261121T081527Z")
    }

    @Test(arguments: [false, true])
    func clientCertificateFromAnotherCAIsRejected(tls12: Bool) throws {
        let server = try IoTTestServer(tls12: tls12)
        defer { server.stop() }
        let result = IoTCredentialFetcher.fetch(
            server.configuration(certificate: server.rogueClientCertificate, key: server.rogueClientKey))
        guard case .failure(.tlsHandshakeFailed(let detail)) = result else {
            Issue.record("expected a TLS handshake failure, got \(result)")
            return
        }
        // In TLS 1.2 the refusal is an alert inside the handshake, always seen by the client.
        if tls12 { #expect(detail.contains("alert unknown ca"), "\(detail)") }
    }

    @Test func untrustedServerCertificateIsRejected() throws {
        let server = try IoTTestServer()
        defer { server.stop() }
        let result = IoTCredentialFetcher.fetch(server.configuration(ca: server.rogueCA))
        guard case .failure(.serverCertificateUntrusted) = result else {
            Issue.record("expected an untrusted server certificate, got \(result)")
            return
        }
    }

    @Test func http403BecomesForbidden() throws {
        let server = try IoTTestServer()
        defer { server.stop() }
        #expect(IoTCredentialFetcher.fetch(server.configuration(roleAlias: "denied")) == .failure(.forbidden(message: "Access Denied")))
        #expect(
            IoTCredentialFetcher.fetch(server.configuration(roleAlias: "other"))
                == .failure(.httpStatus(404, message: "Not found: /role-aliases/other/credentials")))
    }

    @Test func unusableKeyFileIsReported() throws {
        let server = try IoTTestServer()
        defer { server.stop() }
        let result = IoTCredentialFetcher.fetch(server.configuration(key: server.path("ca.pem")))
        guard case .failure(.clientCertificateUnusable) = result else {
            Issue.record("expected an unusable client key, got \(result)")
            return
        }
    }

    /// The whole chain with only the IoT variables set, fetching for real.
    @Test func chainFallsThroughToIoT() throws {
        let server = try IoTTestServer()
        defer { server.stop() }
        let environment = [
            "HOME": server.directory.path,
            "AWS_IOT_CORE_CREDENTIAL_ENDPOINT": "127.0.0.1:\(server.port)",
            "AWS_IOT_CORE_CERT": server.clientCertificate, "AWS_IOT_CORE_PRIVATE_KEY": server.clientKey,
            "AWS_IOT_CORE_ROLE_ALIAS": "camera-role", "AWS_IOT_CORE_THING_NAME": "cam-1",
            "AWS_KVS_CACERT_PATH": server.ca,
        ]
        let resolved = try CredentialProviderChain(environment: environment).resolve().get()
        #expect(resolved.credentials == Self.expected)
        #expect(resolved.source == .iot(endpoint: "127.0.0.1:\(server.port)", roleAlias: "camera-role"))
        #expect(resolved.iotConfiguration?.trustAnchors == .file(server.ca))
        #expect(resolved.warnings.isEmpty)
    }
}
