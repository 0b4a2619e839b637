import Foundation

/// Failed authentications per (address, claimed node), with exponential backoff per key.
///
/// Keyed by the node a request claims to be as well as its address, because offices behind
/// one NAT share an address: one community's wrong credential must not hold up another's.
/// A blocked key only changes the answer to *failed* attempts (429 instead of 401): a request
/// with a valid credential is checked first and always passes, since credentials are 256-bit
/// random secrets that no rate of guessing finds, and checking one is cheap.
final class AuthThrottle: @unchecked Sendable {
    struct Key: Hashable {
        let address: String
        /// The claimed node code (or "local-api"), cut to 64 bytes: it is the client's text.
        let node: String

        init(address: String, node: String) {
            self.address = address
            self.node = String(decoding: node.utf8.prefix(64), as: UTF8.self)
        }
    }

    private struct Entry {
        var failures: Int
        var blockedUntil: Date?
        var last: Date
    }

    /// Failures before the first wait.
    let freeFailures: Int
    /// The first wait; each further failure doubles it, up to `maxDelay`.
    let baseDelay: TimeInterval
    let maxDelay: TimeInterval
    /// A key with no failure for this long is forgotten.
    let forgetAfter: TimeInterval
    /// Keys kept at most (the table's memory bound); the least recently failed go first.
    let capacity: Int
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    init(freeFailures: Int = 5, baseDelay: TimeInterval = 1, maxDelay: TimeInterval = 300,
         forgetAfter: TimeInterval = 900, capacity: Int = 10_000) {
        self.freeFailures = max(freeFailures, 1)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.forgetAfter = forgetAfter
        self.capacity = max(capacity, 1)
    }

    /// Seconds until `key` is no longer blocked, or nil when it is not.
    func retryAfter(_ key: Key, now: Date = Date()) -> Int? {
        lock.withLock { wait(entries[key], now: now) }
    }

    /// One failed attempt of `key`. Returns the wait when the key was already blocked (that
    /// attempt is not counted: it changes nothing), nil when it was counted.
    func failed(_ key: Key, now: Date = Date()) -> Int? {
        lock.withLock {
            if let seconds = wait(entries[key], now: now) { return seconds }
            var entry = entries[key] ?? makeRoom(now: now)
            if let last = entries[key]?.last, now.timeIntervalSince(last) > forgetAfter { entry.failures = 0 }
            entry.failures += 1
            entry.last = now
            if entry.failures >= freeFailures {
                let doublings = Double(min(entry.failures - freeFailures, 30))
                entry.blockedUntil = now.addingTimeInterval(min(baseDelay * pow(2, doublings), maxDelay))
            }
            entries[key] = entry
            return nil
        }
    }

    /// A successful authentication of `key` clears its failures.
    func succeeded(_ key: Key) {
        _ = lock.withLock { entries.removeValue(forKey: key) }
    }

    /// Keys held (for tests).
    var count: Int {
        lock.withLock { entries.count }
    }

    /// Caller holds the lock. Drops forgotten keys, then the least recently failed one, when full.
    private func makeRoom(now: Date) -> Entry {
        if entries.count >= capacity {
            entries = entries.filter { now.timeIntervalSince($0.value.last) <= forgetAfter || wait($0.value, now: now) != nil }
        }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.last < $1.value.last })?.key {
            entries.removeValue(forKey: oldest)
        }
        return Entry(failures: 0, blockedUntil: nil, last: now)
    }

    private func wait(_ entry: Entry?, now: Date) -> Int? {
        guard let until = entry?.blockedUntil, until > now else { return nil }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }
}
