import Foundation

/// Body memory for the whole server, shared by every request in progress: per-request caps
/// alone let many concurrent requests add up (16 bombs once reached 4 GB). A request reserves
/// before it grows its buffer and gives everything back when libmicrohttpd reports it complete.
final class BodyBudget: @unchecked Sendable {
    let total: Int
    private let lock = NSLock()
    private var used = 0

    init(total: Int) {
        self.total = max(total, 0)
    }

    /// Reserves `bytes` when they fit; false when they do not (nothing is reserved then).
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        return lock.withLock {
            guard used + bytes <= total else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        lock.withLock { used = max(0, used - bytes) }
    }
}
