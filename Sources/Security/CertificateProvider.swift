#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import WireKit

/// Supplies the DTLS certificate for new peer connections (RFC 8827 §6.5, RFC 8829 §5.2.1) without
/// ever making an offer or answer wait for key generation.
///
/// Certificates are generated on a background POSIX thread, one ahead of need: the first is
/// started at init, and whenever the active certificate is handed out a spare is generated.
/// ``current(now:)`` rotates to the spare after `rotationInterval` or `maxUses`, and keeps the old
/// certificate when the spare is not ready yet. Only the first call ever blocks, until the first
/// certificate exists. Time is an input (`now`), as everywhere in the protocol layers.
public final class CertificateProvider: @unchecked Sendable {
    /// When to replace the active certificate (RFC 8827 §6.5 leaves rotation to the endpoint;
    /// fresh certificates keep connections unlinkable over time).
    public struct Policy: Sendable {
        /// Rotate after this long in service (must be shorter than the certificate lifetime).
        public var rotationInterval: Duration
        /// Rotate after this many connections used it (0: no limit).
        public var maxUses: Int
        public var options: DTLSCertificate.Options

        public init(rotationInterval: Duration = .seconds(24 * 3600), maxUses: Int = 0,
                    options: DTLSCertificate.Options = DTLSCertificate.Options()) {
            self.rotationInterval = rotationInterval
            self.maxUses = maxUses
            self.options = options
        }
    }

    /// Counters for logs and benchmarks (generation cost of RFC 8827 §6.5 identities).
    public struct Statistics: Sendable, Equatable {
        public var generated = 0
        public var failures = 0
        public var rotations = 0
        /// Wall time of the most recent successful generation.
        public var lastGenerationTime: Duration?
    }

    public typealias Generator = @Sendable () throws -> DTLSCertificate

    private struct Active {
        var certificate: DTLSCertificate
        var since: Instant
        var uses: Int
    }

    public let policy: Policy
    private let generator: Generator
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var active: Active?
    private var spare: DTLSCertificate?
    private var generating = false
    private var lastFailure: CertificateError?
    private var stats = Statistics()

    /// Starts generating the first certificate immediately.
    public init(policy: Policy = Policy(), generator: Generator? = nil) {
        self.policy = policy
        if let generator {
            self.generator = generator
        } else {
            let options = policy.options
            self.generator = { try DTLSCertificate.generate(options) }
        }
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        changed = .allocate(capacity: 1)
        pthread_cond_init(changed, nil)
        locked { startGenerationLocked() }
    }

    deinit {
        pthread_cond_destroy(changed)
        changed.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The certificate for a new connection, counted as one use. Blocks only until the very
    /// first certificate exists; throws if generating it failed.
    public func current(now: Instant) throws(CertificateError) -> DTLSCertificate {
        let result: Result<DTLSCertificate, CertificateError> = locked {
            while true {
                if let certificate = takeLocked(now: now) { return .success(certificate) }
                if let failure = lastFailure, !generating {
                    // Reported once; the next call starts a new attempt.
                    lastFailure = nil
                    return .failure(failure)
                }
                startGenerationLocked()
                pthread_cond_wait(changed, mutex)
            }
        }
        return try result.get()
    }

    /// Like ``current(now:)`` but never blocks: nil until the first certificate exists.
    public func currentIfReady(now: Instant) -> DTLSCertificate? {
        locked {
            let certificate = takeLocked(now: now)
            if certificate == nil { startGenerationLocked() }
            return certificate
        }
    }

    /// Blocks until a spare certificate is ready (start-up and tests); false if generation failed.
    @discardableResult
    public func waitForSpare() -> Bool {
        locked {
            while spare == nil {
                if lastFailure != nil && !generating { return false }
                startGenerationLocked()
                pthread_cond_wait(changed, mutex)
            }
            return true
        }
    }

    public var statistics: Statistics { locked { stats } }

    /// The certificate to hand out, rotating when due and a spare exists; nil before the first.
    /// Before the first certificate it starts nothing, so a failing generator is not retried in
    /// a loop; callers decide when to try again.
    private func takeLocked(now: Instant) -> DTLSCertificate? {
        if var current = active, !rotationDueLocked(current, now: now) || spare == nil {
            current.uses += 1
            active = current
            if spare == nil { startGenerationLocked() }  // also retries a failed spare, once per use
            return current.certificate
        }
        guard let next = spare else { return nil }
        if active != nil { stats.rotations += 1 }
        active = Active(certificate: next, since: now, uses: 1)
        spare = nil
        startGenerationLocked()
        return next
    }

    private func rotationDueLocked(_ current: Active, now: Instant) -> Bool {
        if policy.maxUses > 0 && current.uses >= policy.maxUses { return true }
        return now - current.since >= policy.rotationInterval
    }

    private func startGenerationLocked() {
        guard !generating, spare == nil else { return }
        generating = true
        lastFailure = nil
        let context = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let provider = Unmanaged<CertificateProvider>.fromOpaque(raw).takeRetainedValue()
            provider.generateOnWorker()
            return nil
        }, context)
        if status != 0 {
            Unmanaged<CertificateProvider>.fromOpaque(context).release()
            generating = false
            lastFailure = .generationFailed("pthread_create failed (\(status))")
            stats.failures += 1
            pthread_cond_broadcast(changed)
        }
    }

    private func generateOnWorker() {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: Result<DTLSCertificate, CertificateError>
        do {
            outcome = .success(try generator())
        } catch let error as CertificateError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(.generationFailed(String(describing: error)))
        }
        let elapsed = clock.now - start
        locked {
            generating = false
            switch outcome {
            case .success(let certificate):
                spare = certificate
                stats.generated += 1
                stats.lastGenerationTime = elapsed
            case .failure(let error):
                lastFailure = error
                stats.failures += 1
            }
            pthread_cond_broadcast(changed)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
