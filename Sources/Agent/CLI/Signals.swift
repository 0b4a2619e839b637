#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP handled by waiting for them on the main thread: they are blocked
/// before any other thread starts (threads inherit the mask), so no handler runs at an unsafe moment.
enum Signals {
    static func blockTermination() {
        var set = handled()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGINT, SIGTERM or SIGHUP arrives; returns its number.
    static func wait() -> Int32 {
        var set = handled()
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }

    /// Waits until SIGINT or SIGTERM arrives (a SIGHUP meanwhile is ignored); returns its number.
    static func waitForTermination() -> Int32 {
        while true {
            let signal = wait()
            if signal != SIGHUP { return signal }
        }
    }

    private static func handled() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        return set
    }
}
