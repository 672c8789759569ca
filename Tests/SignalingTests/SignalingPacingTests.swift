import Testing
import WireKit

@testable import Signaling

/// Send quotas (developer guide, "Signaling API service quotas") and retry backoff.
@Suite struct SignalingPacingTests {
    static func candidate(_ n: Int, to viewer: String = "v") throws -> SignalingOutgoingMessage {
        // The candidate's foundation carries `n` so order can be checked after release.
        try SignalingOutgoingMessage(
            SignalingIceCandidate(candidate: "candidate:\(n) 1 udp 1 192.0.2.1 \(1000 + n) typ host", sdpMid: "0", sdpMLineIndex: 0),
            to: viewer)
    }

    static func answer(to viewer: String) throws -> SignalingOutgoingMessage {
        try SignalingOutgoingMessage(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), to: viewer)
    }

    @Test func fiftyCandidatesLeaveAtTwentyPerSecondNoneDropped() throws {
        var pacer = SignalingSendPacer()
        let queued = try (0..<50).map { try Self.candidate($0) }
        for message in queued { pacer.enqueue(message) }
        #expect(pacer.nextReleaseTime! <= .zero)

        let first = pacer.release(now: .zero)
        #expect(first.count == 20)
        #expect(pacer.nextReleaseTime == .seconds(1))
        #expect(pacer.release(now: .seconds(0.999)).isEmpty)
        let second = pacer.release(now: .seconds(1))
        #expect(second.count == 20)
        #expect(pacer.nextReleaseTime == .seconds(2))
        let third = pacer.release(now: .seconds(2))
        #expect(third.count == 10)
        #expect(pacer.isEmpty)
        #expect(pacer.nextReleaseTime == nil)
        #expect(first + second + third == queued)
    }

    @Test func answersLeaveAtFivePerSecond() throws {
        var pacer = SignalingSendPacer()
        for n in 0..<12 { pacer.enqueue(try Self.answer(to: "v\(n)")) }
        #expect(pacer.release(now: .zero).map(\.recipientClientId) == ["v0", "v1", "v2", "v3", "v4"])
        #expect(pacer.nextReleaseTime == .seconds(1))
        #expect(pacer.release(now: .seconds(1)).count == 5)
        #expect(pacer.release(now: .seconds(2)).map(\.recipientClientId) == ["v10", "v11"])
    }

    @Test func candidatesNeverOvertakeTheirAnswer() throws {
        var pacer = SignalingSendPacer()
        for n in 0..<6 { pacer.enqueue(try Self.answer(to: "v\(n)")) }
        pacer.enqueue(try Self.candidate(1, to: "v5"))
        let now = pacer.release(now: .zero)
        // The sixth answer must wait a second, and the candidate for v5 waits behind it.
        #expect(now.count == 5)
        #expect(pacer.count == 2)
        let later = pacer.release(now: .seconds(1))
        #expect(later.map(\.action) == [.sdpAnswer, .iceCandidate])
    }

    @Test func noOneSecondWindowExceedsTheQuota() throws {
        var pacer = SignalingSendPacer()
        var random = SplitMix64(seed: 99)
        var released: [(Instant, SignalingOutgoingMessage)] = []
        var now = Instant.zero
        var enqueued = 0
        for step in 0..<4000 {
            now += .milliseconds(Int64(random.next() % 40))
            if random.next() % 3 != 0 {
                let message = random.next() % 5 == 0 ? try Self.answer(to: "v\(step)") : try Self.candidate(step)
                pacer.enqueue(message)
                enqueued += 1
            }
            for message in pacer.release(now: now) { released.append((now, message)) }
        }
        while let next = pacer.nextReleaseTime {
            now = max(now, next)
            for message in pacer.release(now: now) { released.append((now, message)) }
        }
        #expect(released.count == enqueued)
        for action in [SignalingMessageAction.sdpAnswer, .iceCandidate] {
            let times = released.filter { $0.1.action == action }.map(\.0)
            let limit = action == .sdpAnswer ? 5 : 20
            for (index, time) in times.enumerated() where index + limit < times.count {
                #expect(times[index + limit] - time >= .seconds(1))
            }
        }
    }

    // MARK: Backoff

    @Test func backoffCeilingsDoubleFrom100msUpTo10s() {
        let backoff = SignalingBackoff()
        let expected: [Int64] = [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]
        for (attempt, milliseconds) in expected.enumerated() {
            #expect(backoff.ceiling(attempt: attempt) == .milliseconds(milliseconds))
        }
        #expect(backoff.ceiling(attempt: 1000) == .seconds(10))
        #expect(backoff.ceiling(attempt: Int.max) == .seconds(10))
        #expect(backoff.ceiling(attempt: -3) == .milliseconds(100))
    }

    @Test func seededJitterStaysWithinBounds() {
        let backoff = SignalingBackoff()
        var random = SplitMix64(seed: 2024)
        for attempt in 0..<20 {
            let ceiling = backoff.ceiling(attempt: attempt)
            var smallest = ceiling
            var largest = Duration.zero
            for _ in 0..<500 {
                let delay = backoff.delay(attempt: attempt, using: &random)
                #expect(delay >= .zero && delay <= ceiling)
                smallest = min(smallest, delay)
                largest = max(largest, delay)
            }
            // Full jitter covers the whole range, not just its top.
            #expect(smallest < ceiling / 10)
            #expect(largest > ceiling * 9 / 10)
        }
    }

    @Test func jitterIsReproducibleFromTheSeed() {
        let backoff = SignalingBackoff()
        var a = SplitMix64(seed: 5)
        var b = SplitMix64(seed: 5)
        let first = (0..<10).map { backoff.delay(attempt: $0, using: &a) }
        let second = (0..<10).map { backoff.delay(attempt: $0, using: &b) }
        #expect(first == second)
        #expect(Set(first).count > 5)
    }

    @Test func latencyAverageIsExponential() {
        var average = SignalingLatencyAverage()
        #expect(average.value == .zero)
        average.add(.milliseconds(100))
        #expect(average.value == .milliseconds(100))
        average.add(.milliseconds(300))
        // 0.05 · 300 + 0.95 · 100 = 110 ms.
        #expect(average.value == .milliseconds(110))
    }
}
