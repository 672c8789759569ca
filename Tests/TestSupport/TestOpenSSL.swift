import Foundation

/// A test tool that is missing or failed: the message names the Debian package to install or
/// what the tool printed.
public struct TestToolError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// The openssl CLI (Debian package `openssl`), which makes the throwaway CAs and certificates of
/// the TLS tests. A missing binary fails the test with the package to install.
public enum TestOpenSSL {
    public typealias Failure = TestToolError

    public static let path = "/usr/bin/openssl"

    /// Runs `openssl arguments`; a non-zero exit throws with what openssl wrote to stderr.
    public static func run(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) not found: install the Debian package openssl")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a full pipe would block openssl and the wait forever.
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? ""): \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}

/// A throwaway CA and a server certificate for ``serverName`` and 127.0.0.1 (P-256, two days),
/// made with the openssl CLI in a temp directory, plus a second CA that signed nothing (the wrong
/// trust anchor). For TURN over TLS (RFC 8656 §3.1) against coturn.
public struct TestPKI: Sendable {
    public static let serverName = "turn.test"

    public let directory: URL
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    public var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var serverIdentity: (certificate: String, key: String) { (serverCertificate, serverKey) }

    public init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-pki-\(UUID().uuidString)")
        directory = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = { (name: String) in root.appendingPathComponent(name).path }
        for ca in ["ca", "other-ca"] {
            try TestOpenSSL.run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", path("\(ca).key"), "-out", path("\(ca).pem"), "-days", "2", "-subj", "/CN=kvs \(ca) test",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try TestOpenSSL.run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=\(Self.serverName)",
        ])
        let extensions = "subjectAltName=DNS:\(Self.serverName),IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try TestOpenSSL.run([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", path("server.ext"),
        ])
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
