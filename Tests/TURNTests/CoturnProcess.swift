import Foundation
import Glibc
import KVSCrypto
import STUN
import TURN
import WireKit

/// coturn (Debian package `coturn`) started on loopback for one test, with the TURN REST API
/// shared secret, stopped by PID.
final class CoturnProcess {
    static let binary = "/usr/bin/turnserver"
    static let realm = "kvsmaster.test"

    let directory: URL
    let port: UInt16
    let process: Process
    private let secret: [UInt8]

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "coturn is not installed: \(CoturnProcess.binary) is missing. Install the Debian package 'coturn' "
                + "(scripts/install-deps.sh --test does)."
        }
    }

    /// `deniedPeers` get 403 Forbidden IP, as KVS TURN answers for private peer addresses.
    init(deniedPeers: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { throw Missing() }
        secret = Array(Hex.encode(try Crypto.randomBytes(16)).utf8)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try LoopbackSocket.freePort()
        let log = directory.appendingPathComponent("turnserver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--use-auth-secret", "--static-auth-secret=\(String(decoding: secret, as: UTF8.self))",
            "--realm=\(Self.realm)", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
            "--listening-port=\(port)", "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls",
            "--pidfile", directory.appendingPathComponent("turn.pid").path, "--log-file", "stdout", "-v",
        ] + deniedPeers.map { "--denied-peer-ip=\($0)" }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }

    var server: SocketAddress { SocketAddress(ip: IPAddress("127.0.0.1")!, port: port) }

    /// Stops the server by its PID and removes its files. SIGKILL, because the child inherits
    /// the signal mask of the test thread that spawned it, where SIGTERM is blocked.
    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// TURN REST API credentials: username `<expiry>:<user>`, password
    /// base64(HMAC-SHA1(secret, username)).
    func credentials(user: String) throws -> TURNCredentials {
        let expiry = Int(Date().timeIntervalSince1970) + 3600
        let username = "\(expiry):\(user)"
        let mac = try Crypto.hmac(.sha1, key: secret, data: Array(username.utf8))
        return TURNCredentials(username: username, password: Data(mac).base64EncodedString())
    }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? ""
    }

    /// Waits until coturn answers a STUN Binding request over UDP (no sleeping: each probe
    /// waits on the socket for the answer).
    func waitUntilReady(limit: Duration = .seconds(10)) throws {
        let socket = try LoopbackSocket(udpOn: "127.0.0.1")
        let end = monotonicNow() + limit
        var rng = SystemRandomNumberGenerator()
        while monotonicNow() < end {
            guard process.isRunning else { throw LoopbackSocket.SocketError(description: "turnserver exited:\n\(log)") }
            let request = STUNMessage(
                method: .binding, messageClass: .request, transactionID: TransactionID.random(using: &rng))
            try socket.send(try request.encode(), to: server)
            if let reply = try socket.receive(timeout: .milliseconds(100)),
                let message = try? STUNMessage(decoding: reply.bytes), message.transactionID == request.transactionID
            {
                return
            }
        }
        throw LoopbackSocket.SocketError(description: "turnserver did not answer within \(limit):\n\(log)")
    }
}

/// A ``TURNClient`` driven by a real socket and the monotonic clock. `clockOffset` moves the
/// client's idea of time ahead to reach renewals without waiting minutes.
struct CoturnSession {
    var client: TURNClient
    let socket: LoopbackSocket
    var clockOffset: Duration = .zero
    var events: [TURNEvent] = []
    var sent: [[UInt8]] = []

    var now: Instant { monotonicNow() + clockOffset }

    mutating func flush() throws {
        while let transmit = client.pollTransmit() {
            sent.append(transmit.payload)
            try socket.send(transmit.payload, to: transmit.destination)
        }
    }

    /// Runs I/O and timers until an event matches, or `limit` of real time passes.
    mutating func drive(limit: Duration = .seconds(5), until match: (TURNEvent) -> Bool) throws -> TURNEvent? {
        let end = monotonicNow() + limit
        while true {
            try flush()
            while let event = client.pollEvent() {
                events.append(event)
                if match(event) { return event }
            }
            let remaining = end - monotonicNow()
            guard remaining > .zero else { return nil }
            let wait = client.pollTimeout().map { min(remaining, $0 - now) } ?? remaining
            if let received = try socket.receive(timeout: max(wait, .zero)) {
                client.handleReceived(received.bytes, now: now)
            } else {
                client.handleTimeout(now: now)
            }
        }
    }
}
