import Dispatch
import KVSCrypto
import Security
import Synchronization
import Testing
import WireKit

@Suite struct CertificateProviderTests {
    @Test func firstCallWaitsThenServesWithoutBlocking() throws {
        let provider = CertificateProvider()
        let first = try provider.current(now: .zero)
        #expect(provider.currentIfReady(now: .zero) === first)
        #expect(provider.waitForSpare())
        let stats = provider.statistics
        #expect(stats.generated == 2)  // the active one and a spare
        #expect(stats.failures == 0)
        #expect(stats.rotations == 0)
        let time = try #require(stats.lastGenerationTime)
        #expect(time > .zero && time < .seconds(5))
        print("certificate generation (P-256 + self-signed X.509): \(time)")
    }

    @Test func rotatesAfterMaxUses() throws {
        let provider = CertificateProvider(policy: .init(rotationInterval: .seconds(3600), maxUses: 2))
        let a = try provider.current(now: .zero)
        #expect(provider.waitForSpare())
        #expect(try provider.current(now: .zero) === a)
        let b = try provider.current(now: .zero)
        #expect(b !== a)
        #expect(b.fingerprint != a.fingerprint)
        #expect(provider.waitForSpare())
        #expect(try provider.current(now: .zero) === b)
        #expect(provider.statistics.rotations == 1)
    }

    @Test func rotatesAfterInterval() throws {
        let provider = CertificateProvider(policy: .init(rotationInterval: .seconds(10)))
        let start = Instant(nanoseconds: 1_000_000_000)
        let a = try provider.current(now: start)
        #expect(provider.waitForSpare())
        #expect(try provider.current(now: start + .seconds(9)) === a)
        let b = try provider.current(now: start + .seconds(10))
        #expect(b !== a)
        // The interval counts from when b entered service.
        #expect(provider.waitForSpare())
        #expect(try provider.current(now: start + .seconds(19)) === b)
        #expect(try provider.current(now: start + .seconds(20)) !== b)
    }

    @Test func keepsServingWhenSpareIsNotReady() throws {
        // The generator blocks the second generation until released, standing in for a slow board.
        let gate = Gate()
        let made = Mutex(0)
        let provider = CertificateProvider(policy: .init(rotationInterval: .seconds(3600), maxUses: 1)) {
            let index = made.withLock { count in
                count += 1
                return count
            }
            if index == 2 { gate.wait() }
            return try DTLSCertificate.generate()
        }
        let a = try provider.current(now: .zero)
        // Rotation is due (one use) but the spare is still being generated: no waiting, same certificate.
        #expect(provider.currentIfReady(now: .zero) === a)
        #expect(try provider.current(now: .zero) === a)
        gate.open()
        #expect(provider.waitForSpare())
        #expect(try provider.current(now: .zero) !== a)
    }

    @Test func reportsGenerationFailureWithoutRetryLoop() throws {
        let attempts = Mutex(0)
        let provider = CertificateProvider {
            attempts.withLock { $0 += 1 }
            throw CertificateError.generationFailed("no entropy")
        }
        #expect(throws: CertificateError.generationFailed("no entropy")) { try provider.current(now: .zero) }
        #expect(attempts.withLock { $0 } == 1)
        #expect(provider.currentIfReady(now: .zero) == nil)  // starts one new attempt
        #expect(provider.waitForSpare() == false)
        #expect(attempts.withLock { $0 } == 2)
        #expect(provider.statistics.failures == 2)
        #expect(provider.statistics.generated == 0)
    }

    @Test func generationTime() throws {
        let clock = ContinuousClock()
        let count = 20
        let elapsed = try clock.measure {
            for _ in 0..<count { _ = try DTLSCertificate.generate() }
        }
        print("DTLSCertificate.generate: \(elapsed / count) per certificate (\(count) runs)")
        #expect(elapsed / count < .seconds(1))
    }
}

/// A one-shot latch for the slow-generator test (blocks a worker thread, not the test's clock).
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func open() { semaphore.signal() }
}
