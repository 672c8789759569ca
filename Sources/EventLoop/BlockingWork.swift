import Glibc

/// Runs blocking work (DNS lookups, credential fetches over HTTPS, file reads) on a detached
/// thread of its own, so the loop thread never blocks. The work hands its result back with
/// ``EventLoop/execute(_:)``.
public enum BlockingWork {
    final class Box {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    /// Starts `work` on a new detached thread; false when no thread could be created.
    @discardableResult
    public static func run(_ work: @escaping @Sendable () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Box(work)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                guard let context else { return nil }
                Unmanaged<Box>.fromOpaque(context).takeRetainedValue().work()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return false
        }
        return true
    }
}
