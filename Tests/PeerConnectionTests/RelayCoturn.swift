import TestSupport
import Foundation
import Glibc
import ICETransport
import KVSCrypto
import TURN
import WireKit

/// coturn (Debian package `coturn`) on 127.0.0.1 for the relay-only viewer tests: TURN REST
/// credentials (`--use-auth-secret`), UDP and TCP on one port, TLS on another with a certificate
/// from a throwaway CA (``RelayPKI``). Stopped by PID with SIGKILL; its temp directory removed.
final class RelayCoturn {
    static let path = "/usr/bin/turnserver"
    static let realm = "kvsmaster.test"

    let directory: URL
    let address: SocketAddress
    let tlsAddress: SocketAddress
    let pki: RelayPKI
    let process = Process()
    private let secret: String

    private init(pki: RelayPKI) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.path) else {
            throw MissingPeer(description: "coturn is not installed: \(Self.path) is missing. Install the Debian "
                + "package 'coturn' (scripts/install-deps.sh --test does).")
        }
        self.pki = pki
        secret = Hex.encode(try Crypto.randomBytes(16))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-relay-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let loopback = IPAddress("127.0.0.1")!
        address = SocketAddress(ip: loopback, port: try Self.freePort())
        tlsAddress = SocketAddress(ip: loopback, port: try Self.freePort())
        let log = directory.appendingPathComponent("turnserver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = [
            "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=\(Self.realm)",
            "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(address.port)",
            "--tls-listening-port=\(tlsAddress.port)", "--cert", pki.serverCertificate, "--pkey", pki.serverKey,
            "--allow-loopback-peers", "--no-cli", "--no-dtls",
            "--pidfile", directory.appendingPathComponent("turn.pid").path, "--log-file", "stdout", "-v",
        ]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// A server whose TCP and TLS ports accept connections; one that does not within 5 s (a
    /// port taken between choosing and binding it) is stopped and another started, three times.
    static func started(pki: RelayPKI) throws -> RelayCoturn {
        var attempt = 0
        while true {
            attempt += 1
            let coturn = try RelayCoturn(pki: pki)
            if coturn.waitUntilListening(limit: .seconds(5)) { return coturn }
            let log = coturn.log
            coturn.stop()
            if attempt == 3 { throw MissingPeer(description: "turnserver did not start:\n\(log.suffix(3000))") }
        }
    }

    var pid: pid_t { process.processIdentifier }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? ""
    }

    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// TURN REST credentials: username `<expiry>:<user>`, password base64(HMAC-SHA1(secret, username)).
    func credentials(user: String) throws -> TURNCredentials {
        let username = "\(Int(Date().timeIntervalSince1970) + 3600):\(user)"
        let mac = try Crypto.hmac(.sha1, key: Array(secret.utf8), data: Array(username.utf8))
        return TURNCredentials(username: username, password: Data(mac).base64EncodedString())
    }

    /// The server to configure for `transport`; TLS names the certificate's DNS name.
    func server(_ transport: TransportProtocol, user: String) throws -> ICETURNServer {
        ICETURNServer(
            address: transport == .tls ? tlsAddress : address, transport: transport,
            credentials: try credentials(user: user), serverName: transport == .tls ? RelayPKI.serverName : nil)
    }

    private func waitUntilListening(limit: Duration) -> Bool {
        let end = monotonicNow() + limit
        while monotonicNow() < end {
            guard process.isRunning else { return false }
            if Self.accepts(address), Self.accepts(tlsAddress) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Whether a blocking TCP connect to `address` succeeds (the socket is closed again).
    private static func accepts(_ address: SocketAddress) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        return address.withSockaddr { connect(fd, $0, $1) } == 0
    }

    /// A port free for UDP right now on 127.0.0.1 (the kernel picks it; the socket is closed).
    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw MissingPeer(description: "socket() failed: \(errno)") }
        defer { Glibc.close(fd) }
        let any = SocketAddress(ip: IPAddress("127.0.0.1")!, port: 0)
        guard any.withSockaddr({ bind(fd, $0, $1) }) == 0 else { throw MissingPeer(description: "bind failed: \(errno)") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, let local = SocketAddress(storage) else { throw MissingPeer(description: "getsockname failed") }
        return local.port
    }
}

/// A throwaway CA and a server certificate for `turn.test` and 127.0.0.1 (P-256, two days),
/// made with the openssl CLI (Debian package `openssl`) in a temp directory.
struct RelayPKI {
    static let serverName = "turn.test"
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-relay-pki-\(UUID().uuidString)")
        directory = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = { (name: String) in root.appendingPathComponent(name).path }
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=kvs relay test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
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

    private static func openssl(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw MissingPeer(description: "/usr/bin/openssl not found: install the Debian package openssl")
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
            throw MissingPeer(description: "openssl \(arguments.first ?? ""): \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}
