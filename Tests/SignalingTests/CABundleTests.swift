import Foundation
import Testing

@testable import Signaling

@Suite struct CABundleTests {
    /// A temp folder with a PEM file, a hashed-directory stand-in and an empty file.
    final class Fixture {
        let directory: URL
        var pem: String { directory.appendingPathComponent("bundle.pem").path }
        var folder: String { directory.appendingPathComponent("hashed").path }
        var empty: String { directory.appendingPathComponent("empty.pem").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory.appendingPathComponent("hashed").path, withIntermediateDirectories: true)
            try "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".write(toFile: pem, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static let noSystemStore = CAFileProbe.local(hiding: Set(CABundle.systemCandidates))

    @Test func environmentFileAndDirectory() throws {
        let fixture = try Fixture()
        #expect(CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": fixture.pem]) == .success(CABundle(store: .file(fixture.pem), source: .environment)))
        #expect(CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": fixture.folder]) == .success(CABundle(store: .directory(fixture.folder), source: .environment)))
        #expect(
            CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": fixture.pem]).map(\.description)
                == .success("CA file \(fixture.pem) (from AWS_KVS_CACERT_PATH)"))
    }

    @Test func unusableEnvironmentPathIsAnErrorNamingIt() throws {
        let fixture = try Fixture()
        let missing = fixture.directory.appendingPathComponent("nope.pem").path
        let result = CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": missing])
        #expect(result == .failure(.unusable(variable: "AWS_KVS_CACERT_PATH", path: missing, reason: .missing)))
        if case .failure(let error) = result {
            #expect(error.description == "AWS_KVS_CACERT_PATH=\(missing): the CA certificate path does not exist")
        }
        #expect(CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": fixture.empty]) == .failure(.unusable(variable: "AWS_KVS_CACERT_PATH", path: fixture.empty, reason: .empty)))
        // Root reads everything, so unreadability is simulated.
        let unreadable = CAFileProbe { $0 == "/locked.pem" ? .unreadable : .missing }
        #expect(
            CABundle.resolve(environment: ["AWS_KVS_CACERT_PATH": "/locked.pem"], probe: unreadable)
                == .failure(.unusable(variable: "AWS_KVS_CACERT_PATH", path: "/locked.pem", reason: .unreadable)))
    }

    @Test func systemStoreIsNext() throws {
        // This machine is Debian with ca-certificates installed.
        #expect(CABundle.resolve(environment: [:]) == .success(CABundle(store: .file("/etc/ssl/certs/ca-certificates.crt"), source: .systemStore)))
        let fedora = CAFileProbe { $0 == "/etc/pki/tls/certs/ca-bundle.crt" ? .file : .missing }
        #expect(CABundle.resolve(environment: [:], probe: fedora) == .success(CABundle(store: .file("/etc/pki/tls/certs/ca-bundle.crt"), source: .systemStore)))
    }

    @Test func bundledCertsNextToTheExecutableOrAbove() throws {
        let fixture = try Fixture()
        let root = fixture.directory.path
        try FileManager.default.createDirectory(atPath: root + "/repo/certs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/repo/.build/debug", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.pem, toPath: root + "/repo/certs/amazon-root-cas.pem")
        let resolved = CABundle.resolve(environment: [:], probe: Self.noSystemStore, executablePath: root + "/repo/.build/debug/kvsmaster")
        #expect(resolved == .success(CABundle(store: .file(root + "/repo/certs/amazon-root-cas.pem"), source: .bundled)))
        #expect(CABundle.bundledCandidates(executablePath: "/opt/kvs/bin/kvsmaster") == [
            "/opt/kvs/bin/certs/amazon-root-cas.pem", "/opt/kvs/certs/amazon-root-cas.pem", "/opt/certs/amazon-root-cas.pem",
            "/certs/amazon-root-cas.pem", "/etc/kvsmaster/certs/amazon-root-cas.pem",
        ])
        let installed = CAFileProbe { $0 == "/etc/kvsmaster/certs/amazon-root-cas.pem" ? .file : .missing }
        #expect(CABundle.resolve(environment: [:], probe: installed, executablePath: "/usr/bin/kvsmaster") == .success(CABundle(store: .file("/etc/kvsmaster/certs/amazon-root-cas.pem"), source: .bundled)))
    }

    @Test func nothingFoundListsWhereItLooked() {
        let result = CABundle.resolve(environment: [:], probe: CAFileProbe { _ in .missing }, executablePath: "/usr/bin/kvsmaster")
        guard case .failure(.noneFound(let searched)) = result else {
            Issue.record("expected noneFound, got \(result)")
            return
        }
        #expect(searched.first == "/etc/ssl/certs/ca-certificates.crt")
        #expect(searched.contains("/usr/bin/certs/amazon-root-cas.pem"))
        #expect(searched.last == "/etc/kvsmaster/certs/amazon-root-cas.pem")
    }

    /// The repository's bundle is the five expected roots and verifies as PEM with openssl.
    @Test func repositoryBundleHoldsTheAmazonRoots() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("certs/amazon-root-cas.pem").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1 == 5)
        for name in ["Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4", "Starfield Services Root Certificate Authority - G2"] {
            #expect(text.contains("CN = \(name)\n"), "\(name)")
        }
        // The bundle is usable as a trust store for libcurl (an untrusted loopback server is refused
        // for its certificate, not because the file is bad).
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try RESTClient(configuration: .init(trustStore: .file(path)))
        defer { client.close() }
        guard case .failure(.certificateUntrusted) = client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/status/200")) else {
            Issue.record("the bundle did not load as a CA file")
            return
        }
    }
}
