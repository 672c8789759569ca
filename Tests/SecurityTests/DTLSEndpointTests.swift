import KVSCrypto
import Security
import Testing
import WireKit

@Suite struct DTLSEndpointTests {
    let t0 = Instant(nanoseconds: 5_000_000_000)

    /// Runs a clean handshake under the virtual clock and returns both connections.
    func handshake(_ pair: DTLSPair) throws -> (client: DTLSConnection, server: DTLSConnection) {
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        exchange(pair.client, pair.server, now: t0 + .milliseconds(1))
        let client = try #require(connection(in: drainEvents(pair.client)))
        let server = try #require(connection(in: drainEvents(pair.server)))
        return (client, server)
    }

    @Test func handshakeDerivesMatchingSRTPKeys() throws {
        let pair = try DTLSPair()
        let (client, server) = try handshake(pair)
        #expect(client.srtpProfile == .aeadAes128Gcm)  // both offer GCM first
        #expect(server.srtpProfile == .aeadAes128Gcm)
        #expect(client.keyingMaterial.localKey == server.keyingMaterial.remoteKey)
        #expect(client.keyingMaterial.localSalt == server.keyingMaterial.remoteSalt)
        #expect(client.keyingMaterial.remoteKey == server.keyingMaterial.localKey)
        #expect(client.keyingMaterial.remoteSalt == server.keyingMaterial.localSalt)
        #expect(client.keyingMaterial.localKey != client.keyingMaterial.remoteKey)
        #expect(client.keyingMaterial.localKey.count == 16 && client.keyingMaterial.localSalt.count == 12)
        #expect(client.remoteFingerprint == pair.serverCertificate.fingerprint)
        #expect(server.remoteFingerprint == pair.clientCertificate.fingerprint)
        #expect(client.cipherSuite == "ECDHE-ECDSA-AES128-GCM-SHA256")
        #expect(pair.client.state == .connected(client))
        #expect(pair.server.state == .connected(server))
        #expect(pair.client.pollTimeout() == nil)
        #expect(pair.server.pollTimeout() == nil)
        #expect(pair.client.statistics.retransmissions == 0)
        #expect(pair.client.statistics.malformedDatagrams == 0)
    }

    @Test func datagramsStayWithinMTU() throws {
        let pair = try DTLSPair()
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        var sizes: [Int] = []
        var progress = true
        while progress {
            progress = false
            while let d = pair.client.pollTransmit() { sizes.append(d.count); pair.server.handle(datagram: d, now: t0); progress = true }
            while let d = pair.server.pollTransmit() { sizes.append(d.count); pair.client.handle(datagram: d, now: t0); progress = true }
        }
        #expect(!sizes.isEmpty)
        #expect(sizes.allSatisfy { $0 <= 1200 })
        #expect(sizes.count <= 6)  // records are packed into few datagrams per flight
        #expect(connection(in: drainEvents(pair.client)) != nil)
    }

    @Test(arguments: [
        ([SRTPProfile.aes128CmHmacSha1_80], SRTPProfile.aes128CmHmacSha1_80),
        ([.aes128CmHmacSha1_32, .aes128CmHmacSha1_80], .aes128CmHmacSha1_80),  // server order: _80 before _32
        ([.aes128CmHmacSha1_80, .aeadAes128Gcm], .aeadAes128Gcm),  // the server's preference wins
        ([.aes128CmHmacSha1_32], .aes128CmHmacSha1_32),
    ])
    func negotiatesSRTPProfile(clientProfiles: [SRTPProfile], expected: SRTPProfile) throws {
        let pair = try DTLSPair(clientProfiles: clientProfiles)
        let (client, server) = try handshake(pair)
        #expect(client.srtpProfile == expected)
        #expect(server.srtpProfile == expected)
        #expect(client.keyingMaterial.localKey == server.keyingMaterial.remoteKey)
        #expect(client.keyingMaterial.localSalt.count == expected.masterSaltLength)
    }

    @Test func noCommonSRTPProfileFails() throws {
        let pair = try DTLSPair(clientProfiles: [.aes128CmHmacSha1_32], serverProfiles: [.aeadAes128Gcm])
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        exchange(pair.client, pair.server, now: t0)
        // OpenSSL completes the handshake without use_srtp; no keys may be released then.
        #expect(drainEvents(pair.client) == [.failed(.noSRTPProfileNegotiated)])
        #expect(pair.client.state == .failed(.noSRTPProfileNegotiated))
    }

    @Test(arguments: SRTPProfile.allCases)
    func srtpSessionsKeyedFromExportInteroperate(profile: SRTPProfile) throws {
        let pair = try DTLSPair(serverProfiles: [profile])
        let (client, server) = try handshake(pair)
        #expect(client.srtpProfile == profile)
        let clientOut = try SRTPSession(profile: profile, masterKey: client.keyingMaterial.localKey,
                                        masterSalt: client.keyingMaterial.localSalt, direction: .outbound)
        let serverIn = try SRTPSession(profile: profile, masterKey: server.keyingMaterial.remoteKey,
                                       masterSalt: server.keyingMaterial.remoteSalt, direction: .inbound)
        let serverOut = try SRTPSession(profile: profile, masterKey: server.keyingMaterial.localKey,
                                        masterSalt: server.keyingMaterial.localSalt, direction: .outbound)
        let clientIn = try SRTPSession(profile: profile, masterKey: client.keyingMaterial.remoteKey,
                                       masterSalt: client.keyingMaterial.remoteSalt, direction: .inbound)
        let plain: [UInt8] = [0x80, 0x60, 0x00, 0x01, 0, 0, 0x10, 0, 0xDE, 0xAD, 0xBE, 0xEF] + Array(0..<100)
        var packet = plain
        try clientOut.protectRTP(&packet)
        #expect(packet.count == plain.count + profile.rtpTrailerLength)
        #expect(packet != plain)
        var wrongDirection = packet
        #expect(throws: SRTPError.self) { try clientIn.unprotectRTP(&wrongDirection) }
        try serverIn.unprotectRTP(&packet)
        #expect(packet == plain)
        var back = plain
        try serverOut.protectRTP(&back)
        try clientIn.unprotectRTP(&back)
        #expect(back == plain)
    }

    @Test func applicationDataBothWaysThenCloseNotify() throws {
        let pair = try DTLSPair()
        _ = try handshake(pair)
        let big = (0..<1100).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try pair.client.send(applicationData: [1, 2, 3])
        try pair.client.send(applicationData: big)
        try pair.server.send(applicationData: Array("pong".utf8))
        exchange(pair.client, pair.server, now: t0 + .seconds(1))
        #expect(drainEvents(pair.server) == [.applicationData([1, 2, 3]), .applicationData(big)])
        #expect(drainEvents(pair.client) == [.applicationData(Array("pong".utf8))])
        #expect(throws: DTLSError.messageTooLarge(16_385)) {
            try pair.client.send(applicationData: Array(repeating: 0, count: 16_385))
        }

        pair.client.close(now: t0 + .seconds(2))
        #expect(pair.client.state == .closed)
        #expect(drainEvents(pair.client) == [.closed])
        let closeNotify = try #require(pair.client.pollTransmit())
        #expect(closeNotify.first == 21)  // alert record
        pair.server.handle(datagram: closeNotify, now: t0 + .seconds(2))
        #expect(drainEvents(pair.server) == [.closed])
        #expect(pair.server.state == .closed)
        #expect(throws: DTLSError.notConnected) { try pair.server.send(applicationData: [1]) }
        #expect(throws: DTLSError.notConnected) { try pair.client.send(applicationData: [1]) }
        // Late datagrams are ignored.
        pair.server.handle(datagram: closeNotify, now: t0 + .seconds(3))
        #expect(pair.server.statistics.ignoredDatagrams == 1)
        #expect(drainEvents(pair.server).isEmpty)
    }

    @Test func sendingBeforeConnectedIsRefused() throws {
        let pair = try DTLSPair()
        #expect(throws: DTLSError.notConnected) { try pair.client.send(applicationData: [1]) }
        pair.client.start(now: t0)
        #expect(throws: DTLSError.notConnected) { try pair.client.send(applicationData: [1]) }
    }

    @Test func fingerprintMismatchFailsClient() throws {
        let wrong = CertificateFingerprint(algorithm: .sha256, digest: Array(repeating: 0x42, count: 32))
        let pair = try DTLSPair(clientExpects: { _ in [wrong] })
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        exchange(pair.client, pair.server, now: t0)
        #expect(drainEvents(pair.client) == [.failed(.fingerprintMismatch(algorithm: .sha256))])
        let serverEvents = drainEvents(pair.server)
        #expect(serverEvents.count == 1)
        guard case .failed(.handshakeFailed(let reason)) = serverEvents.first else {
            Issue.record("server should fail on the alert, got \(serverEvents)")
            return
        }
        #expect(reason.contains("bad certificate"))
    }

    @Test func fingerprintMismatchFailsServer() throws {
        let pair = try DTLSPair(serverExpects: { certificate in
            var fingerprint = try certificate.fingerprint(.sha384)
            fingerprint.digest[0] ^= 1
            return [fingerprint]
        })
        pair.server.start(now: t0)
        pair.client.start(now: t0)
        exchange(pair.client, pair.server, now: t0)
        #expect(drainEvents(pair.server) == [.failed(.fingerprintMismatch(algorithm: .sha384))])
        let clientEvents = drainEvents(pair.client)
        #expect(clientEvents.count == 1)
        #expect(connection(in: clientEvents) == nil)
        if case .failed = clientEvents.first {} else { Issue.record("client should fail, got \(clientEvents)") }
    }

    @Test func usesStrongestOfferedFingerprintSet() throws {
        // RFC 8122 §5: sha-512 is preferred; it matches, so a wrong sha-256 line does not matter.
        let good = try DTLSPair(clientExpects: { certificate in
            var sha256 = certificate.fingerprint
            sha256.digest[5] ^= 0xFF
            return [sha256, try certificate.fingerprint(.sha512)]
        })
        let (client, _) = try handshake(good)
        #expect(client.remoteFingerprint == (try good.serverCertificate.fingerprint(.sha512)))

        // And the other way round: a right sha-256 line cannot rescue a wrong sha-512 one.
        let bad = try DTLSPair(clientExpects: { certificate in
            var sha512 = try certificate.fingerprint(.sha512)
            sha512.digest[0] ^= 0xFF
            return [certificate.fingerprint, sha512]
        })
        bad.server.start(now: t0)
        bad.client.start(now: t0)
        exchange(bad.client, bad.server, now: t0)
        #expect(drainEvents(bad.client) == [.failed(.fingerprintMismatch(algorithm: .sha512))])
    }

    @Test func refusesConfigurationWithoutUsableFingerprint() throws {
        let certificate = try DTLSCertificate.generate()
        let sha1 = CertificateFingerprint(algorithm: .sha1, digest: Array(repeating: 1, count: 20))
        for fingerprints in [[], [sha1]] {
            #expect(throws: DTLSError.noUsableFingerprint) {
                _ = try DTLSEndpoint(configuration: .init(role: .client, certificate: certificate, remoteFingerprints: fingerprints))
            }
        }
    }

    @Test func rolesFromSetupAttribute() {
        #expect(DTLSRole(answeringRemoteSetup: "actpass") == .client)
        #expect(DTLSRole(answeringRemoteSetup: "ACTPASS") == .client)
        #expect(DTLSRole(answeringRemoteSetup: "passive") == .client)
        #expect(DTLSRole(answeringRemoteSetup: "active") == .server)
        #expect(DTLSRole(answeringRemoteSetup: "holdconn") == nil)
        #expect(DTLSRole(answeringRemoteSetup: "") == nil)
        #expect(DTLSRole.client.answerSetupValue == "active")
        #expect(DTLSRole.server.answerSetupValue == "passive")
    }

    @Test func handshakeTimesOutUnderVirtualClock() throws {
        let pair = try DTLSPair()
        pair.client.start(now: t0)
        #expect(pair.client.pollTransmit() != nil)  // ClientHello, lost
        let deadline = try #require(pair.client.pollTimeout())
        // OpenSSL's retransmission timer (1 s) comes before the 30 s handshake deadline.
        #expect(deadline > t0 + .milliseconds(900) && deadline <= t0 + .seconds(1))
        pair.client.handleTimeout(now: t0 + .seconds(29))
        #expect(drainEvents(pair.client).isEmpty)
        pair.client.handleTimeout(now: t0 + .seconds(30))
        #expect(drainEvents(pair.client) == [.failed(.handshakeTimedOut)])
        #expect(pair.client.pollTimeout() == nil)
    }

    @Test func measuresHandshake() throws {
        let clock = ContinuousClock()
        let runs = 20
        var total = Duration.zero
        for _ in 0..<runs {
            let pair = try DTLSPair()
            total += try clock.measure { _ = try handshake(pair) }
        }
        print("in-process DTLS handshake (both ends, P-256, ECDHE): \(total / runs) per handshake (\(runs) runs)")
        #expect(total / runs < .seconds(1))
    }
}

#if canImport(Glibc)
import Foundation

@Suite struct DTLSMemoryTests {
    /// Resident set size from /proc (kB granularity), for a rough per-endpoint figure.
    static func heapInUse() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func measuresMemoryPerEndpoint() throws {
        let certificate = try DTLSCertificate.generate()
        let peer = try DTLSCertificate.generate()
        // As the daemon does: one context per certificate, shared by every viewer.
        let clientContext = try DTLSContext(certificate: certificate)
        let serverContext = try DTLSContext(certificate: peer)
        let count = 200
        let before = Self.heapInUse()
        var endpoints: [DTLSEndpoint] = []
        for _ in 0..<count {
            endpoints.append(try DTLSEndpoint(configuration: .init(
                role: .client, context: clientContext, remoteFingerprints: [peer.fingerprint])))
        }
        let idle = (Self.heapInUse() - before) / count
        var servers: [DTLSEndpoint] = []
        let now = Instant(nanoseconds: 1)
        for client in endpoints {
            let server = try DTLSEndpoint(configuration: .init(
                role: .server, context: serverContext, remoteFingerprints: [certificate.fingerprint]))
            server.start(now: now)
            client.start(now: now)
            exchange(client, server, now: now)
            #expect(connection(in: drainEvents(client)) != nil)
            _ = drainEvents(server)
            servers.append(server)
        }
        let connected = (Self.heapInUse() - before) / (2 * count)
        print("DTLS endpoint memory (RSS delta, shared context): \(idle) bytes idle, \(connected) bytes connected (average over \(count) pairs)")
        // Process-wide RSS is reported, not asserted; each handshake above is.
        #expect(servers.count == count)
        withExtendedLifetime((endpoints, servers)) {}

        let beforeOwn = Self.heapInUse()
        var own: [DTLSEndpoint] = []
        for _ in 0..<count {
            own.append(try DTLSEndpoint(configuration: .init(
                role: .client, certificate: certificate, remoteFingerprints: [peer.fingerprint])))
        }
        print("DTLS endpoint memory with a context of its own: \((Self.heapInUse() - beforeOwn) / count) bytes idle")
        withExtendedLifetime(own) {}
    }
}
#endif
