import Foundation
import Replica
import Standards

/// A few open connections to one replica, lent to one thread at a time. A `Replica` is not
/// thread-safe; SQLite's WAL lets the connections work side by side.
public final class ReplicaPool: @unchecked Sendable {
    public let path: String
    private let divisions: DivisionTable
    private let limit: Int
    private let condition = NSCondition()
    private var idle: [Replica] = []
    private var opened = 0

    public init(path: String, divisions: DivisionTable, size: Int = 4) throws {
        self.path = path
        self.divisions = divisions
        self.limit = max(1, size)
        // Open one now so a bad path fails at start-up, not on the first request.
        idle.append(try Replica.open(path: path, divisions: divisions))
        opened = 1
    }

    /// Runs `body` with a connection of its own.
    public func with<T>(_ body: (Replica) throws -> T) throws -> T {
        let replica = try borrow()
        defer { giveBack(replica) }
        try replica.reloadCatalogueIfChanged()
        return try body(replica)
    }

    private func borrow() throws -> Replica {
        condition.lock()
        while idle.isEmpty && opened >= limit { condition.wait() }
        if let r = idle.popLast() {
            condition.unlock()
            return r
        }
        opened += 1
        condition.unlock()
        do {
            return try Replica.open(path: path, divisions: divisions)
        } catch {
            condition.lock()
            opened -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func giveBack(_ r: Replica) {
        condition.lock()
        idle.append(r)
        condition.signal()
        condition.unlock()
    }
}
