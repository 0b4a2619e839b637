import Foundation
import Standards

/// The issues of division codes already checked, by field and code. A batch of records names the
/// same few community codes again and again, and checking a 12-digit code (its county, township
/// and village parts against the table) was a third of validating a person; the answer depends
/// only on the code, the field and the division table, which a validator never changes.
/// Bounded: emptied when it reaches `limit` entries. Shared by copies of a validator and safe
/// across threads.
final class DivisionCheckMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var issues: [String: [ValidationIssue]] = [:]
    static let limit = 4_096

    /// The issues for `key`, computing and remembering them when not known.
    func issues(_ key: String, _ compute: () -> [ValidationIssue]) -> [ValidationIssue] {
        lock.lock()
        if let known = issues[key] { lock.unlock(); return known }
        lock.unlock()
        let computed = compute()
        lock.lock()
        if issues.count >= Self.limit { issues.removeAll(keepingCapacity: true) }
        issues[key] = computed
        lock.unlock()
        return computed
    }
}
