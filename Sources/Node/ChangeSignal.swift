import Foundation

/// A generation counter threads can wait on: "something changed since generation N".
/// Wakes long-polling children when new routes appear, and the sync loop on local writes.
public final class ChangeSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    public init() {}

    public var current: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    public func notify() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the generation differs from `seen` or `timeout` seconds pass; returns the
    /// generation then current.
    @discardableResult
    public func wait(after seen: UInt64, timeout: TimeInterval) -> UInt64 {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            if !condition.wait(until: deadline) { break }
        }
        return generation
    }
}
