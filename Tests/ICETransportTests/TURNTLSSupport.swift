import Foundation

/// A throwaway CA and a TURN server certificate for `turn.test` and 127.0.0.1 (P-256, two days),
/// made with the openssl CLI (Debian package `openssl`) in a temp directory, plus a second CA
/// that signed nothing (the wrong trust anchor).
struct TestPKI {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var serverIdentity: (certificate: String, key: String) { (serverCertificate, serverKey) }

    static let serverName = "turn.test"

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-pki-\(UUID().uuidString)")
        directory = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = { (name: String) in root.appendingPathComponent(name).path }
        for ca in ["ca", "other-ca"] {
            try Self.openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", path("\(ca).key"), "-out", path("\(ca).pem"), "-days", "2", "-subj", "/CN=kvs \(ca) test",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try Self.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=\(Self.serverName)",
        ])
        let extensions = "subjectAltName=DNS:\(Self.serverName),IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", path("server.ext"),
        ])
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    static func openssl(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw MissingTool(description: "/usr/bin/openssl not found: install the Debian package openssl")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MissingTool(description: "openssl \(arguments.first ?? ""): \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}
