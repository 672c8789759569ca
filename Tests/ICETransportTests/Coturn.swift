import TestSupport
import EventLoop
import Foundation
import Glibc
import KVSCrypto
import STUN
import TURN
import WireKit

/// A blocking UDP socket for test code outside the loop: send, then wait for the answer with
/// poll(2) and a timeout.
final class ProbeSocket {
    let fd: Int32
    let localAddress: SocketAddress

    init(bindingTo address: SocketAddress) throws {
        let fd = socket(address.ip.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw MissingTool(description: "socket() failed: \(errno)") }
        let rc = address.withSockaddr { bind(fd, $0, $1) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0, named == 0, let local = SocketAddress(storage) else {
            Glibc.close(fd)
            throw MissingTool(description: "bind to \(address) failed: \(errno)")
        }
        self.fd = fd
        localAddress = local
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8], to destination: SocketAddress) {
        _ = destination.withSockaddr { address, length in sendto(fd, bytes, bytes.count, 0, address, length) }
    }

    /// The next datagram within `timeout`, or nil.
    func receive(timeout: Duration) -> (bytes: [UInt8], source: SocketAddress)? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(max(1, timeout.nanoseconds / 1_000_000))) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
        }
        guard n >= 0, let source = SocketAddress(storage) else { return nil }
        return (Array(buffer[..<n]), source)
    }

    /// A UDP port free right now on `ip` (the kernel picks it; the socket is closed again).
    static func freePort(on ip: String = "127.0.0.1") throws -> UInt16 {
        try ProbeSocket(bindingTo: SocketAddress(ip: IPAddress(ip)!, port: 0)).localAddress.port
    }
}

/// coturn (Debian package `coturn`) on loopback with the TURN REST API shared secret, for one
/// test; stopped by PID with its temp directory removed.
final class Coturn {
    static let realm = "kvsmaster.test"

    let directory: URL
    let address: SocketAddress
    /// Where it takes TURN over TLS, when started with a certificate.
    let tlsAddress: SocketAddress?
    let process = Process()
    private let secret: String

    /// - Parameters:
    ///   - listening: the address clients reach it on (UDP and TCP on the same port).
    ///   - relay: the address relayed transport addresses are allocated on.
    ///   - namespace: a network namespace to run it in (with `ip netns exec`, which execs, so the
    ///     PID is coturn's); its fresh port space needs no free-port search.
    ///   - tls: PEM certificate chain and key paths: TLS is offered on a port of its own.
    init(listening: String = "127.0.0.1", relay: String = "127.0.0.1", namespace: String? = nil,
         tls: (certificate: String, key: String)? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.coturn) else {
            throw MissingTool(description: "coturn is not installed: \(TestPaths.coturn) is missing. Install the "
                + "Debian package 'coturn' (scripts/install-deps.sh --test does).")
        }
        secret = Hex.encode(try Crypto.randomBytes(16))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = namespace == nil ? try ProbeSocket.freePort(on: listening) : 3478
        address = SocketAddress(ip: IPAddress(listening)!, port: port)
        let tlsPort = tls == nil ? nil : try ProbeSocket.freePort(on: listening)
        tlsAddress = tlsPort.map { SocketAddress(ip: IPAddress(listening)!, port: $0) }
        let tlsArguments = tls.map { ["--cert", $0.certificate, "--pkey", $0.key, "--tls-listening-port=\(tlsPort ?? 0)"] }
        let log = directory.appendingPathComponent("turnserver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: namespace == nil ? TestPaths.coturn : TestPaths.ip)
        process.arguments = (namespace.map { ["netns", "exec", $0, TestPaths.coturn] } ?? []) + [
            "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=\(Self.realm)",
            "--listening-ip=\(listening)", "--relay-ip=\(relay)", "--listening-port=\(port)",
            "--allow-loopback-peers", "--no-cli", "--no-dtls",
        ] + (tlsArguments ?? ["--no-tls"]) + [
            "--pidfile", directory.appendingPathComponent("turn.pid").path, "--log-file", "stdout", "-v",
        ]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
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

    /// Starts a server and waits until it answers; a server that does not (its port was taken
    /// between choosing and binding it) is stopped and another started, up to three times.
    static func started(listening: String = "127.0.0.1", relay: String = "127.0.0.1",
                        tls: (certificate: String, key: String)? = nil) throws -> Coturn {
        var attempt = 0
        while true {
            attempt += 1
            let coturn = try Coturn(listening: listening, relay: relay, tls: tls)
            do {
                try coturn.waitUntilReady(limit: .seconds(5))
                return coturn
            } catch {
                coturn.stop()
                if attempt == 3 { throw error }
            }
        }
    }

    /// Waits until the server answers a STUN Binding request (each probe waits for its answer).
    func waitUntilReady(limit: Duration = .seconds(10), from source: String? = nil) throws {
        let probe = try ProbeSocket(bindingTo: SocketAddress(ip: source.flatMap(IPAddress.init) ?? address.ip, port: 0))
        let end = monotonicNow() + limit
        var rng = SystemRandomNumberGenerator()
        while monotonicNow() < end {
            guard process.isRunning else { throw MissingTool(description: "turnserver exited:\n\(log)") }
            let request = STUNMessage(method: .binding, messageClass: .request, transactionID: .random(using: &rng))
            probe.send(try request.encode(), to: address)
            if let reply = probe.receive(timeout: .milliseconds(100)),
                (try? STUNMessage(decoding: reply.bytes))?.transactionID == request.transactionID
            {
                return
            }
        }
        throw MissingTool(description: "turnserver did not answer within \(limit):\n\(log)")
    }
}
