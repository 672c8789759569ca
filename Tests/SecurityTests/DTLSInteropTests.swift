import Foundation
import Security
import Testing
import WireKit

#if canImport(Glibc)
import Glibc
#endif

/// Interop with an independent DTLS 1.2 implementation: the `openssl s_server` / `s_client`
/// programs on 127.0.0.1 UDP, with certificates made by the openssl CLI. Our sans-IO endpoint is
/// driven by a real UDP socket and the monotonic clock, like the event loop would.
@Suite(.serialized) struct DTLSInteropTests {
    @Test(arguments: SRTPProfile.allCases)
    func ourClientAgainstOpenSSLServer(profile: SRTPProfile) throws {
        try withPeerCertificate { openssl, directory, peerFingerprint in
            let socket = try UDPSocket()
            let serverPort = try UDPSocket.freePort()
            let peer = try OpenSSLPeer(openssl, directory: directory, profile: profile, arguments: [
                "s_server", "-dtls1_2", "-accept", "127.0.0.1:\(serverPort)", "-naccept", "1", "-verify", "1",
            ])
            defer { peer.stop() }
            let certificate = try DTLSCertificate.generate()
            let endpoint = try DTLSEndpoint(configuration: .init(
                role: .client, certificate: certificate, remoteFingerprints: [peerFingerprint],
                initialRetransmissionTimeout: .milliseconds(100)))
            var peerPort: UInt16? = serverPort
            endpoint.start(now: monotonicNow())
            let connected = try drive(endpoint, socket, peerPort: &peerPort) { connection(in: $0) != nil }
            try checkAgainstPeer(endpoint, connected, peer: peer, socket: socket, peerPort: &peerPort, isClient: true,
                                 profile: profile)
        }
    }

    @Test func ourServerAgainstOpenSSLClient() throws {
        try withPeerCertificate { openssl, directory, peerFingerprint in
            let socket = try UDPSocket()
            let certificate = try DTLSCertificate.generate()
            let endpoint = try DTLSEndpoint(configuration: .init(
                role: .server, certificate: certificate, remoteFingerprints: [peerFingerprint]))
            endpoint.start(now: monotonicNow())
            let peer = try OpenSSLPeer(openssl, directory: directory, profile: .aes128CmHmacSha1_80, arguments: [
                "s_client", "-dtls1_2", "-connect", "127.0.0.1:\(socket.port)",
            ])
            defer { peer.stop() }
            var peerPort: UInt16?
            let connected = try drive(endpoint, socket, peerPort: &peerPort) { connection(in: $0) != nil }
            try checkAgainstPeer(endpoint, connected, peer: peer, socket: socket, peerPort: &peerPort, isClient: false,
                                 profile: .aes128CmHmacSha1_80)
        }
    }

    /// Profile, keying material, application data both ways, and close_notify.
    func checkAgainstPeer(
        _ endpoint: DTLSEndpoint, _ events: [DTLSEvent], peer: OpenSSLPeer, socket: UDPSocket,
        peerPort: inout UInt16?, isClient: Bool, profile: SRTPProfile
    ) throws {
        let established = try #require(connection(in: events))
        #expect(established.srtpProfile == profile)
        let keys = established.keyingMaterial
        let exported = isClient
            ? keys.localKey + keys.remoteKey + keys.localSalt + keys.remoteSalt
            : keys.remoteKey + keys.localKey + keys.remoteSalt + keys.localSalt
        let exportedHex = Hex.encode(exported).uppercased()
        _ = try drive(endpoint, socket, peerPort: &peerPort) { _ in peer.output.contains("Keying material: ") }
        #expect(peer.output.contains("SRTP Extension negotiated, profile=\(profile.rawValue)"))
        #expect(peer.output.contains("Keying material: \(exportedHex)"), "openssl printed: \(peer.output)")

        try endpoint.send(applicationData: Array("hello from kvsmaster\n".utf8))
        _ = try drive(endpoint, socket, peerPort: &peerPort) { _ in peer.output.contains("hello from kvsmaster") }
        peer.type("hello from openssl\n")
        let received = try drive(endpoint, socket, peerPort: &peerPort) { events in
            events.contains { if case .applicationData = $0 { true } else { false } }
        }
        let data = received.compactMap { event -> [UInt8]? in
            if case .applicationData(let bytes) = event { bytes } else { nil }
        }.joined()
        #expect(String(decoding: Array(data), as: UTF8.self) == "hello from openssl\n")

        endpoint.close(now: monotonicNow())
        _ = try drive(endpoint, socket, peerPort: &peerPort) { _ in
            peer.output.contains(isClient ? "CONNECTION CLOSED" : "DONE") || !peer.isRunning
        }
        #expect(endpoint.state == .closed)
    }

    /// Makes a P-256 certificate with the openssl CLI and reads its fingerprint with the CLI too.
    func withPeerCertificate(_ body: (String, URL, CertificateFingerprint) throws -> Void) throws {
        let openssl = try opensslTool()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, output) = try runTool(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.appendingPathComponent("key.pem").path,
            "-out", directory.appendingPathComponent("cert.pem").path, "-days", "2", "-subj", "/CN=openssl-peer",
        ])
        try #require(status == 0, "openssl req failed: \(output)")
        let (_, text) = try runTool(openssl, ["x509", "-in", directory.appendingPathComponent("cert.pem").path,
                                              "-noout", "-fingerprint", "-sha256"])
        let hex = try #require(text.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        try body(openssl, directory, try CertificateFingerprint(sdpValue: "sha-256 " + hex))
    }

    /// Runs the endpoint against the socket until `done` holds for the events seen so far.
    func drive(
        _ endpoint: DTLSEndpoint, _ socket: UDPSocket, peerPort: inout UInt16?,
        until done: ([DTLSEvent]) -> Bool
    ) throws -> [DTLSEvent] {
        let start = monotonicNow()
        var events: [DTLSEvent] = []
        while true {
            let now = monotonicNow()
            if let deadline = endpoint.pollTimeout(), deadline <= now { endpoint.handleTimeout(now: now) }
            while let datagram = endpoint.pollTransmit() {
                if let port = peerPort { socket.send(datagram, to: port) }
            }
            events += drainEvents(endpoint)
            for case .failed(let error) in events { Issue.record("endpoint failed: \(error)") }
            if done(events) { return events }
            try #require(now - start < .seconds(10), "timed out; events so far: \(events)")
            var wait = Duration.milliseconds(50)
            if let deadline = endpoint.pollTimeout() { wait = min(wait, max(.zero, deadline - now)) }
            if let (datagram, port) = socket.receive(timeoutMilliseconds: Int32(wait.milliseconds) + 1) {
                peerPort = port
                endpoint.handle(datagram: datagram, now: monotonicNow())
            }
        }
    }
}

/// An openssl s_server/s_client process with the test's certificate and SRTP options; its output
/// goes to a file in the temp dir and its stdin stays open for typing application data.
final class OpenSSLPeer {
    let process = Process()
    let input = Pipe()
    let outputURL: URL

    init(_ openssl: String, directory: URL, profile: SRTPProfile, arguments: [String]) throws {
        outputURL = directory.appendingPathComponent("peer-\(arguments[0]).txt")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments + [
            "-cert", directory.appendingPathComponent("cert.pem").path,
            "-key", directory.appendingPathComponent("key.pem").path,
            "-use_srtp", profile.rawValue,
            "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "\(SRTPKeyingMaterial.exportLength(for: profile))",
        ]
        process.standardInput = input
        let output = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    func type(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Stops the process by its PID.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }
}

/// A UDP socket bound to 127.0.0.1 on an ephemeral port.
final class UDPSocket {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        if !ok { close(fd) }
        try #require(ok, "cannot bind a UDP socket on 127.0.0.1")
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }

    /// A port that was free a moment ago (for the openssl server to bind).
    static func freePort() throws -> UInt16 { try UDPSocket().port }

    func send(_ datagram: [UInt8], to port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        _ = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    func receive(timeoutMilliseconds: Int32) -> ([UInt8], UInt16)? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                }
            }
        }
        guard count > 0 else { return nil }
        return (Array(buffer[0..<count]), UInt16(bigEndian: address.sin_port))
    }
}
