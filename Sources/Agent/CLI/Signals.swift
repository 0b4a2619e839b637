#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM handled by waiting for them on the main thread: they are blocked before
/// any other thread starts (threads inherit the mask), so no handler runs at an unsafe moment.
enum Signals {
    static func blockTermination() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGINT or SIGTERM arrives; returns its number.
    static func waitForTermination() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }
}
