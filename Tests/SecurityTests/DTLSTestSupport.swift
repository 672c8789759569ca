import Foundation
import KVSCrypto
import Security
import Testing
import WireKit

/// A client and a server endpoint wired to each other's certificate fingerprints.
struct DTLSPair {
    let clientCertificate: DTLSCertificate
    let serverCertificate: DTLSCertificate
    let client: DTLSEndpoint
    let server: DTLSEndpoint

    init(
        clientProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32],
        serverProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32],
        clientExpects: ((DTLSCertificate) throws -> [CertificateFingerprint])? = nil,
        serverExpects: ((DTLSCertificate) throws -> [CertificateFingerprint])? = nil,
        initialRetransmissionTimeout: Duration = .seconds(1)
    ) throws {
        clientCertificate = try DTLSCertificate.generate()
        serverCertificate = try DTLSCertificate.generate()
        let clientRemote = try clientExpects?(serverCertificate) ?? [serverCertificate.fingerprint]
        let serverRemote = try serverExpects?(clientCertificate) ?? [clientCertificate.fingerprint]
        client = try DTLSEndpoint(configuration: .init(
            role: .client, certificate: clientCertificate, remoteFingerprints: clientRemote,
            srtpProfiles: clientProfiles, initialRetransmissionTimeout: initialRetransmissionTimeout))
        server = try DTLSEndpoint(configuration: .init(
            role: .server, certificate: serverCertificate, remoteFingerprints: serverRemote,
            srtpProfiles: serverProfiles, initialRetransmissionTimeout: initialRetransmissionTimeout))
    }
}

/// Moves datagrams between two endpoints by hand until neither has anything to send.
/// `drop` sees (sender is client, index of that sender's datagram) and may discard it.
@discardableResult
func exchange(
    _ a: DTLSEndpoint, _ b: DTLSEndpoint, now: Instant,
    drop: (Bool, Int) -> Bool = { _, _ in false }, counters: inout (client: Int, server: Int)
) -> Int {
    var moved = 0
    var progress = true
    while progress {
        progress = false
        while let datagram = a.pollTransmit() {
            let index = a.isClient ? counters.client : counters.server
            if a.isClient { counters.client += 1 } else { counters.server += 1 }
            if !drop(a.isClient, index) { b.handle(datagram: datagram, now: now) }
            moved += 1
            progress = true
        }
        while let datagram = b.pollTransmit() {
            let index = b.isClient ? counters.client : counters.server
            if b.isClient { counters.client += 1 } else { counters.server += 1 }
            if !drop(b.isClient, index) { a.handle(datagram: datagram, now: now) }
            moved += 1
            progress = true
        }
    }
    return moved
}

func exchange(_ a: DTLSEndpoint, _ b: DTLSEndpoint, now: Instant) {
    var counters = (client: 0, server: 0)
    exchange(a, b, now: now, counters: &counters)
}

func drainEvents(_ endpoint: DTLSEndpoint) -> [DTLSEvent] {
    var events: [DTLSEvent] = []
    while let event = endpoint.pollEvent() { events.append(event) }
    return events
}

func connection(in events: [DTLSEvent]) -> DTLSConnection? {
    for case .connected(let connection) in events { return connection }
    return nil
}

/// The real monotonic clock as an `Instant`, for the few tests where OpenSSL's own clock matters.
func monotonicNow() -> Instant {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
}

/// Blocks like an event loop's epoll_wait with nothing to read until `deadline` on the real clock.
func waitForDeadline(_ deadline: Instant) {
    while true {
        let left = deadline - monotonicNow()
        if left <= .zero { return }
        _ = poll(nil, 0, Int32(max(1, left.milliseconds + 1)))
    }
}

/// Runs a command to completion and returns (exit status, stdout + stderr).
func runTool(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Path of the openssl command-line tool, or a test failure naming the package to install.
func opensslTool() throws -> String {
    for candidate in ["/usr/bin/openssl", "/usr/local/bin/openssl"] where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    Issue.record("openssl CLI not found: install the Debian package 'openssl' (scripts/install-deps.sh --test)")
    throw CocoaError(.fileNoSuchFile)
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-dtls-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
