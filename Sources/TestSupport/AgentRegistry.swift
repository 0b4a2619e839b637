#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Every agent process a run has started, so an interrupted run (Ctrl-C, SIGTERM) can kill them
/// instead of leaving them behind.
public final class AgentRegistry: @unchecked Sendable {
    public static let shared = AgentRegistry()
    private let lock = NSLock()
    private var pids = Set<Int32>()

    func add(_ pid: Int32) { lock.lock(); pids.insert(pid); lock.unlock() }
    func remove(_ pid: Int32) { lock.lock(); pids.remove(pid); lock.unlock() }

    /// SIGKILLs every registered agent (safe to call from a signal-handling queue).
    public func killAll() {
        lock.lock(); let all = pids; lock.unlock()
        for pid in all { kill(pid, SIGKILL) }
    }
}
