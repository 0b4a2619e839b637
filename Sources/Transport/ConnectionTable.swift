import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every open connection with its peer address and what it is doing, so that connections that
/// hold a slot without sending a request (half-open, or trickling a byte now and then) cannot
/// keep anyone out: a new connection that needs a slot takes it from the oldest of them.
///
/// A connection whose request is being answered (handler running, a long poll waiting) is never
/// taken. Eviction is `shutdown(2)` on the socket: libmicrohttpd then sees the peer gone and
/// closes it through its own path (and reports it closed here), so nothing is closed twice.
final class ConnectionTable: @unchecked Sendable {
    /// What a connection is doing, in the order eviction prefers.
    enum Phase: Int, Comparable {
        /// Connected or between requests: no complete request head yet.
        case waitingForHeaders = 0
        /// Head admitted, body still arriving.
        case receivingBody = 1
        /// Being answered: never evicted.
        case answering = 2

        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    private struct Entry {
        let fd: Int32
        let address: String
        var phase: Phase
        /// When the phase began (monotonic order, not wall time: oldest first).
        var since: UInt64
        var started: Date
        var evicted = false
    }

    let perAddressLimit: Int
    let totalLimit: Int
    /// A connection still without a complete head after this long is evicted at the next accept.
    let headerDeadline: TimeInterval
    private let lock = NSLock()
    private var entries: [UInt: Entry] = [:]
    private var tick: UInt64 = 0

    init(perAddressLimit: Int, totalLimit: Int, headerDeadline: TimeInterval) {
        self.perAddressLimit = max(perAddressLimit, 1)
        self.totalLimit = max(totalLimit, 1)
        self.headerDeadline = headerDeadline
    }

    /// The accept policy: true lets the connection from `address` in, after making room for it.
    func accept(from address: String) -> Bool {
        lock.withLock {
            let now = Date()
            for (key, entry) in entries where !entry.evicted && entry.phase == .waitingForHeaders
                && now.timeIntervalSince(entry.started) > headerDeadline {
                evict(key)
            }
            let live = entries.filter { !$0.value.evicted }
            let sameAddress = live.filter { $0.value.address == address }
            if sameAddress.count >= perAddressLimit {
                guard let victim = Self.oldestEvictable(sameAddress) else { return false }
                evict(victim)
            }
            if live.count - (sameAddress.count >= perAddressLimit ? 1 : 0) >= totalLimit {
                guard let victim = Self.oldestEvictable(entries.filter { !$0.value.evicted }) else { return false }
                evict(victim)
            }
            return true
        }
    }

    func opened(_ connection: OpaquePointer, fd: Int32, address: String) {
        lock.withLock {
            tick += 1
            entries[Self.key(connection)] = Entry(fd: fd, address: address, phase: .waitingForHeaders, since: tick, started: Date())
        }
    }

    func closed(_ connection: OpaquePointer) {
        _ = lock.withLock { entries.removeValue(forKey: Self.key(connection)) }
    }

    func setPhase(_ connection: OpaquePointer, _ phase: Phase) {
        lock.withLock {
            guard var entry = entries[Self.key(connection)], entry.phase != phase else { return }
            tick += 1
            entry.phase = phase
            entry.since = tick
            if phase == .waitingForHeaders { entry.started = Date() }
            entries[Self.key(connection)] = entry
        }
    }

    /// Caller holds the lock. The fd is still open: libmicrohttpd reports a connection closed
    /// (and we drop its entry) before it closes the socket, so it cannot be another's by now.
    private func evict(_ key: UInt) {
        guard var entry = entries[key], !entry.evicted else { return }
        if shutdown(entry.fd, Int32(SHUT_RDWR)) == 0 || errno == ENOTCONN {
            entry.evicted = true
            entries[key] = entry
        }
    }

    private static func oldestEvictable(_ candidates: [UInt: Entry]) -> UInt? {
        candidates.filter { $0.value.phase != .answering }
            .min { ($0.value.phase, $0.value.since) < ($1.value.phase, $1.value.since) }?.key
    }

    private static func key(_ connection: OpaquePointer) -> UInt {
        UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
    }
}
