import Foundation
import KVSCrypto
import Security
import Testing
import WireKit

@Suite struct CertificateTests {
    @Test func generatedCertificateHasSDPFingerprint() throws {
        let certificate = try DTLSCertificate.generate()
        let value = certificate.fingerprint.sdpValue
        #expect(value.hasPrefix("sha-256 "))
        let hex = value.dropFirst("sha-256 ".count)
        let pairs = hex.split(separator: ":", omittingEmptySubsequences: false)
        #expect(pairs.count == 32)
        #expect(pairs.allSatisfy { $0.count == 2 && $0.allSatisfy { "0123456789ABCDEF".contains($0) } })
        #expect(certificate.fingerprint.digest == (try Crypto.digest(.sha256, certificate.der)))
        #expect(try certificate.fingerprint(.sha384).digest.count == 48)
        #expect(try certificate.fingerprint(.sha512).digest == (try Crypto.digest(.sha512, certificate.der)))
        // Each certificate has its own key and serial.
        let other = try DTLSCertificate.generate()
        #expect(other.fingerprint != certificate.fingerprint)
        #expect(certificate.der.first == 0x30)  // DER SEQUENCE
    }

    @Test func opensslAgreesOnFingerprintKeyAndValidity() throws {
        let openssl = try opensslTool()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try DTLSCertificate.generate(.init(commonName: "kvsmaster"))
        let pem = try certificate.pem()
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(!pem.contains("PRIVATE"))
        let path = directory.appendingPathComponent("cert.pem").path
        try pem.write(toFile: path, atomically: true, encoding: .utf8)

        let (status, output) = try runTool(openssl, ["x509", "-in", path, "-noout", "-fingerprint", "-sha256"])
        #expect(status == 0)
        let expected = "sha256 Fingerprint=" + certificate.fingerprint.hexWithColons
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).caseInsensitiveCompare(expected) == .orderedSame)

        let (_, text) = try runTool(openssl, ["x509", "-in", path, "-noout", "-text"])
        #expect(text.contains("Version: 3 (0x2)"))
        #expect(text.contains("id-ecPublicKey"))
        #expect(text.contains("prime256v1") || text.contains("P-256"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("Subject: CN = kvsmaster"))
        #expect(text.contains("Issuer: CN = kvsmaster"))

        // Self-signed: the certificate verifies against itself.
        let (verifyStatus, verifyOutput) = try runTool(openssl, ["verify", "-CAfile", path, path])
        #expect(verifyStatus == 0, "\(verifyOutput)")
        // Valid for 30 days: not expiring within 29 days, expiring within 31.
        #expect(try runTool(openssl, ["x509", "-in", path, "-noout", "-checkend", "\(29 * 86_400)"]).0 == 0)
        #expect(try runTool(openssl, ["x509", "-in", path, "-noout", "-checkend", "\(31 * 86_400)"]).0 == 1)
        // Back-dated: notBefore lies about a day in the past.
        let (_, start) = try runTool(openssl, ["x509", "-in", path, "-noout", "-startdate"])
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let text2 = start.replacingOccurrences(of: "notBefore=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "  ", with: " ")
        let notBefore = try #require(formatter.date(from: text2), "cannot parse \(start)")
        let age = Date().timeIntervalSince(notBefore)
        #expect(age > 86_400 - 120 && age < 86_400 + 120)
    }

    @Test func parsesSDPFingerprintValues() throws {
        let certificate = try DTLSCertificate.generate()
        let text = certificate.fingerprint.sdpValue
        #expect(try CertificateFingerprint(sdpValue: text) == certificate.fingerprint)
        #expect(try CertificateFingerprint(sdpValue: text.lowercased()) == certificate.fingerprint)
        #expect(try CertificateFingerprint(sdpValue: text.replacingOccurrences(of: "sha-256", with: "SHA-256")) == certificate.fingerprint)
        let sha512 = try certificate.fingerprint(.sha512)
        #expect(try CertificateFingerprint(sdpValue: sha512.sdpValue) == sha512)
    }

    @Test func rejectsBadFingerprintValues() throws {
        let pairs32 = Array(repeating: "AB", count: 32).joined(separator: ":")
        let pairs20 = Array(repeating: "AB", count: 20).joined(separator: ":")
        #expect(throws: CertificateError.unsupportedAlgorithm("sha-1")) { try CertificateFingerprint(sdpValue: "sha-1 " + pairs20) }
        #expect(throws: CertificateError.unsupportedAlgorithm("md5")) { try CertificateFingerprint(sdpValue: "md5 AB:CD") }
        #expect(throws: CertificateError.unsupportedAlgorithm("sha-257")) { try CertificateFingerprint(sdpValue: "sha-257 " + pairs32) }
        #expect(throws: CertificateError.unsupportedAlgorithm("sha256")) { try CertificateFingerprint(sdpValue: "sha256 " + pairs32) }
        #expect(throws: CertificateError.wrongDigestLength(algorithm: .sha256, count: 20)) {
            try CertificateFingerprint(sdpValue: "sha-256 " + pairs20)
        }
        #expect(throws: CertificateError.wrongDigestLength(algorithm: .sha384, count: 32)) {
            try CertificateFingerprint(sdpValue: "sha-384 " + pairs32)
        }
        for bad in ["", "sha-256", "sha-256 ", "sha-256 AB CD", "sha-256 " + pairs32 + ":", "sha-256 A:BC",
                    "sha-256 " + pairs32.replacingOccurrences(of: "AB", with: "G1"), "sha-256 " + pairs32 + " extra",
                    "sha-256 +B:" + pairs32.dropFirst(3)] {
            #expect(throws: CertificateError.malformedFingerprint) { try CertificateFingerprint(sdpValue: bad) }
        }
    }

    @Test func prefersStrongestOfferedAlgorithm() throws {
        let certificate = try DTLSCertificate.generate()
        let all = [try certificate.fingerprint(.sha256), try certificate.fingerprint(.sha512), try certificate.fingerprint(.sha384)]
        #expect(CertificateFingerprint.preferredAlgorithm(in: all) == .sha512)
        #expect(CertificateFingerprint.preferredAlgorithm(in: [all[0]]) == .sha256)
        #expect(CertificateFingerprint.preferredAlgorithm(in: []) == nil)
        let weak = CertificateFingerprint(algorithm: .sha1, digest: Array(repeating: 1, count: 20))
        #expect(CertificateFingerprint.preferredAlgorithm(in: [weak]) == nil)
    }

    @Test func descriptionsHideSecrets() throws {
        let certificate = try DTLSCertificate.generate()
        #expect(certificate.description == "DTLSCertificate(\(certificate.fingerprint.sdpValue))")
        let key = Array(repeating: UInt8(0xA5), count: 16)
        let salt = Array(repeating: UInt8(0x5A), count: 14)
        let keys = try #require(SRTPKeyingMaterial(exported: key + key + salt + salt, profile: .aes128CmHmacSha1_80, isClient: true))
        let connection = DTLSConnection(srtpProfile: .aes128CmHmacSha1_80, keyingMaterial: keys,
                                        remoteFingerprint: certificate.fingerprint, cipherSuite: "X")
        for text in [connection.description, DTLSEvent.connected(connection).description] {
            #expect(!text.lowercased().contains("a5a5"))
            #expect(!text.contains("165"))  // 0xA5 in decimal, as an array dump would show
            #expect(text.contains("<redacted>"))
        }
    }

    @Test func fingerprintParserFuzz() throws {
        let certificate = try DTLSCertificate.generate()
        let seeds = [certificate.fingerprint.sdpValue, try certificate.fingerprint(.sha384).sdpValue,
                     try certificate.fingerprint(.sha512).sdpValue.lowercased()].map { Array($0.utf8) }
        let alphabet = Array("0123456789ABCDEFabcdefg:- shaSHA".utf8)
        var random = SplitMix64(seed: 0xF1A6)
        var accepted = 0
        for i in 0..<100_000 {
            var bytes = seeds[i % seeds.count]
            for _ in 0..<Int(random.next() % 3) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 4 {
                case 0 where position < bytes.count: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1 where position < bytes.count: bytes.remove(at: position)
                case 2: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                default: bytes = Array(bytes.prefix(position))
                }
            }
            guard let parsed = try? CertificateFingerprint(sdpValue: String(decoding: bytes, as: UTF8.self)) else { continue }
            accepted += 1
            #expect(parsed.digest.count == parsed.algorithm.length)
            #expect(CertificateFingerprint.acceptedAlgorithms.contains(parsed.algorithm))
            #expect(try CertificateFingerprint(sdpValue: parsed.sdpValue) == parsed)
        }
        #expect(accepted > 1_000)
    }
}
