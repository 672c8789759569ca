import Foundation
import EventLoop
import Glibc
import KVSCrypto
import STUN
import TURN
import WireKit

/// coturn (Debian package `coturn`) for one test, authenticating with the TURN REST API shared
/// secret (`--use-auth-secret`), UDP and TCP on one port and optionally TLS on another
/// (RFC 8656 §3.1). Stopped by PID with SIGKILL (the child inherits the test thread's signal
/// mask, in which SIGTERM is blocked); its temp directory is removed.
public final class CoturnServer {
    public static let path = "/usr/bin/turnserver"
    public static let ip = "/usr/sbin/ip"
    public static let realm = "kvsmaster.test"

    public let directory: URL
    public let address: SocketAddress
    /// Where it takes TURN over TLS, when started with a certificate.
    public let tlsAddress: SocketAddress?
    public let process = Process()
    private let secret: String

    /// - Parameters:
    ///   - listening: the address clients reach it on (UDP and TCP on the same port).
    ///   - relay: the address relayed transport addresses are allocated on.
    ///   - namespace: a network namespace to run it in (with `ip netns exec`, which execs, so the
    ///     PID is coturn's); its fresh port space needs no free-port search.
    ///   - tls: PEM certificate chain and key paths: TLS is offered on a port of its own.
    ///   - deniedPeers: peers answered 403 Forbidden IP, as KVS TURN answers for private addresses.
    public init(listening: String = "127.0.0.1", relay: String = "127.0.0.1", namespace: String? = nil,
                tls: (certificate: String, key: String)? = nil, deniedPeers: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.path) else {
            throw TestToolError(description: "coturn is not installed: \(Self.path) is missing. Install the "
                + "Debian package 'coturn' (scripts/install-deps.sh --test does).")
        }
        guard let listeningIP = IPAddress(listening) else {
            throw TestToolError(description: "not an IP address: \(listening)")
        }
        secret = Hex.encode(try Crypto.randomBytes(16))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = namespace == nil ? try UDPProbe.freePort(on: listening) : 3478
        address = SocketAddress(ip: listeningIP, port: port)
        let tlsPort = tls == nil ? nil : try UDPProbe.freePort(on: listening)
        tlsAddress = tlsPort.map { SocketAddress(ip: listeningIP, port: $0) }
        let tlsArguments = tls.map { ["--cert", $0.certificate, "--pkey", $0.key, "--tls-listening-port=\(tlsPort ?? 0)"] }
        let log = directory.appendingPathComponent("turnserver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: namespace == nil ? Self.path : Self.ip)
        process.arguments = (namespace.map { ["netns", "exec", $0, Self.path] } ?? []) + [
            "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=\(Self.realm)",
            "--listening-ip=\(listening)", "--relay-ip=\(relay)", "--listening-port=\(port)",
            "--allow-loopback-peers", "--no-cli", "--no-dtls",
        ] + (tlsArguments ?? ["--no-tls"]) + [
            "--pidfile", directory.appendingPathComponent("turn.pid").path, "--log-file", "stdout", "-v",
        ] + deniedPeers.map { "--denied-peer-ip=\($0)" }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var pid: pid_t { process.processIdentifier }
    public var port: UInt16 { address.port }

    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? ""
    }

    public func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// TURN REST credentials: username `<expiry>:<user>`, password base64(HMAC-SHA1(secret, username)).
    public func credentials(user: String) throws -> TURNCredentials {
        let username = "\(Int(Date().timeIntervalSince1970) + 3600):\(user)"
        let mac = try Crypto.hmac(.sha1, key: Array(secret.utf8), data: Array(username.utf8))
        return TURNCredentials(username: username, password: Data(mac).base64EncodedString())
    }

    /// Starts a server and waits until it answers STUN; a server that does not (its port was
    /// taken between choosing and binding it) is stopped and another started, up to three times.
    public static func started(listening: String = "127.0.0.1", relay: String = "127.0.0.1",
                               tls: (certificate: String, key: String)? = nil) throws -> CoturnServer {
        var attempt = 0
        while true {
            attempt += 1
            let coturn = try CoturnServer(listening: listening, relay: relay, tls: tls)
            do {
                try coturn.waitUntilReady(limit: .seconds(5))
                return coturn
            } catch {
                coturn.stop()
                if attempt == 3 { throw error }
            }
        }
    }

    /// Starts a server on 127.0.0.1 with TLS and waits until its TCP and TLS ports accept
    /// connections; one that does not within 5 s is stopped and another started, three times.
    public static func startedAcceptingConnections(tls: (certificate: String, key: String)) throws -> CoturnServer {
        var attempt = 0
        while true {
            attempt += 1
            let coturn = try CoturnServer(tls: tls)
            if coturn.waitUntilAccepting(limit: .seconds(5)) { return coturn }
            let log = coturn.log
            coturn.stop()
            if attempt == 3 { throw TestToolError(description: "turnserver did not start:\n\(log.suffix(3000))") }
        }
    }

    /// Waits until the server answers a STUN Binding request (RFC 8489 §3) over UDP, sent from
    /// `source` (default: its own listening address); each probe waits for its answer.
    public func waitUntilReady(limit: Duration = .seconds(10), from source: String? = nil) throws {
        let probe = try UDPProbe(bindingTo: SocketAddress(ip: source.flatMap(IPAddress.init) ?? address.ip, port: 0))
        let end = monotonicNow() + limit
        var rng = SystemRandomNumberGenerator()
        while monotonicNow() < end {
            guard process.isRunning else { throw TestToolError(description: "turnserver exited:\n\(log)") }
            let request = STUNMessage(method: .binding, messageClass: .request, transactionID: .random(using: &rng))
            probe.send(try request.encode(), to: address)
            if let reply = probe.receive(timeout: .milliseconds(100)),
                (try? STUNMessage(decoding: reply.bytes))?.transactionID == request.transactionID
            {
                return
            }
        }
        throw TestToolError(description: "turnserver did not answer within \(limit):\n\(log)")
    }

    /// Whether the TCP port and the TLS port (if any) accept connections within `limit`.
    public func waitUntilAccepting(limit: Duration) -> Bool {
        let end = monotonicNow() + limit
        while monotonicNow() < end {
            guard process.isRunning else { return false }
            if Self.accepts(address), tlsAddress.map(Self.accepts) ?? true { return true }
            usleep(20_000)
        }
        return false
    }

    /// Whether a blocking TCP connect to `address` succeeds (the socket is closed again).
    private static func accepts(_ address: SocketAddress) -> Bool {
        let fd = socket(address.ip.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        return address.withSockaddr { connect(fd, $0, $1) } == 0
    }
}
