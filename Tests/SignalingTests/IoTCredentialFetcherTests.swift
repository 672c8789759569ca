import Foundation
import TestSupport
import Testing

@testable import Signaling

/// A throwaway PKI made with the `openssl` CLI and a Python HTTPS server on 127.0.0.1 that
/// requires a client certificate, standing in for the IoT credentials endpoint.
final class IoTTestServer: ScriptedTLSServerOwner {
    let server: ScriptedTLSServer

    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    var rogueClientCertificate: String { path("rogue-client.pem") }
    var rogueClientKey: String { path("rogue-client.key") }

    static var scriptPath: String { ScriptedTLSServer.supportScript("SigV4/iot_credentials_server.py") }

    let tlsVersion: String?

    /// A server certificate and a client certificate from the test CA, and a client certificate
    /// from the rogue CA; `tls12` limits the server to TLS 1.2. Stopped with SIGTERM.
    init(tls12 only: Bool = false) throws {
        let tlsVersion = only ? "tls1.2" : nil
        self.tlsVersion = tlsVersion
        server = try ScriptedTLSServer(
            name: "IoT test server", packages: [], directoryPrefix: "iot-mtls",
            subjectPrefix: "kvsmaster test", script: Self.scriptPath, stopSignal: SIGTERM
        ) { authority in
            try authority.issueServerCertificate(subjectAltName: "IP:127.0.0.1", serial: 7)
            for (name, issuer) in [("client", "ca"), ("rogue-client", "rogue-ca")] {
                try authority.issue(name, subject: name, by: issuer, serial: 7, extensions: "extendedKeyUsage=clientAuth\n")
            }
            return [authority.path("server.pem"), authority.path("server.key"), authority.ca] + (tlsVersion.map { [$0] } ?? [])
        }
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
