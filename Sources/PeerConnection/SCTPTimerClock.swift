import DataChannel
import Synchronization
import WireKit

/// Feeds usrsctp's process-wide timer wheel (RFC 8831 §5 over usrsctp with
/// `usrsctp_init_nothreads`) with real elapsed time, however many peer connections tick it.
///
/// Each peer connection ticks on its own loop every ``SCTPLibrary/recommendedTickMilliseconds``;
/// the clock passes usrsctp only the whole milliseconds elapsed since the previous tick from any
/// of them, so N connections do not make usrsctp's time run N times too fast.
enum SCTPTimerClock {
    private struct State: ~Copyable {
        var last: Instant?
    }

    private static let state = Mutex(State())

    /// Advances usrsctp to `now` (a monotonic instant). The first call only sets the origin.
    static func advance(to now: Instant) {
        state.withLock { state in
            guard let last = state.last else {
                state.last = now
                return
            }
            let elapsed = (now - last).nanoseconds / 1_000_000
            guard elapsed > 0 else { return }
            state.last = last + .milliseconds(elapsed)
            SCTPLibrary.handleTimers(elapsedMilliseconds: UInt32(clamping: elapsed))
        }
    }
}
