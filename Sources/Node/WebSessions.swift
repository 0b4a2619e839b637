import Crypto
import Foundation

/// The web app's signed-in sessions, in the agent's memory: a restart signs everyone out. Each
/// is found by the SHA-256 of its cookie's random token and carries its own CSRF token. A
/// session ends after `idleLimit` without a request, `absoluteLimit` after sign-in, at sign-out,
/// or when its operator's password changes or the account goes (`stamp`, checked per request).
/// At most `capacity` are kept; the least recently used goes first.
final class WebSessions: @unchecked Sendable {
    struct Session: Equatable {
        let operatorName: String
        /// The operator's password salt at sign-in: a new password ends the session.
        let stamp: String
        let csrf: String
        let created: Date
        var lastUsed: Date
        /// Opaque references to records whose key this operator sees masked (`recordRef`).
        var refs = RecordRefs()
    }

    /// A session's record references: a random name per (resource, key), the same for the same
    /// record while the session lives, so a clerk's links never carry the key itself. Bounded:
    /// past `limit` the older half is forgotten (their links then say the record is unknown).
    struct RecordRefs: Equatable {
        static let limit = 5000
        var byRef: [String: RecordRef] = [:]
        var byRecord: [RecordRef: String] = [:]
        var order: [String] = []
    }

    struct RecordRef: Hashable {
        let resource: String
        let key: String
    }

    let idleLimit: TimeInterval
    let absoluteLimit: TimeInterval
    let capacity: Int
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]

    init(idleLimit: TimeInterval = 30 * 60, absoluteLimit: TimeInterval = 12 * 3600, capacity: Int = 1000) {
        self.idleLimit = idleLimit
        self.absoluteLimit = absoluteLimit
        self.capacity = max(1, capacity)
    }

    /// A new session for `operatorName`; returns its cookie token and CSRF token.
    func open(operatorName: String, stamp: String, now: Date = Date()) -> (token: String, csrf: String) {
        let token = Crypto.newToken(), csrf = Crypto.newToken()
        lock.withLock {
            if sessions.count >= capacity {
                sessions = sessions.filter { live($0.value, now) }
                if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
                    sessions.removeValue(forKey: oldest)
                }
            }
            sessions[Crypto.credentialHash(token)] = Session(operatorName: operatorName, stamp: stamp, csrf: csrf, created: now, lastUsed: now)
        }
        return (token, csrf)
    }

    /// The live session of a cookie token (its last use moved to `now`), nil when there is none.
    func session(_ token: String, now: Date = Date()) -> Session? {
        let key = Crypto.credentialHash(token)
        return lock.withLock {
            guard var s = sessions[key] else { return nil }
            guard live(s, now) else { sessions.removeValue(forKey: key); return nil }
            s.lastUsed = now
            sessions[key] = s
            return s
        }
    }

    /// The session's reference to record `key` of `resource`, made when first asked for.
    func recordRef(_ token: String, resource: String, key: String) -> String? {
        let hash = Crypto.credentialHash(token), record = RecordRef(resource: resource, key: key)
        return lock.withLock {
            guard var s = sessions[hash] else { return nil }
            if let ref = s.refs.byRecord[record] { return ref }
            if s.refs.order.count >= RecordRefs.limit {
                for old in s.refs.order.prefix(RecordRefs.limit / 2) {
                    if let r = s.refs.byRef.removeValue(forKey: old) { s.refs.byRecord[r] = nil }
                }
                s.refs.order.removeFirst(RecordRefs.limit / 2)
            }
            let ref = String(Crypto.newToken().prefix(32))
            s.refs.byRef[ref] = record
            s.refs.byRecord[record] = ref
            s.refs.order.append(ref)
            sessions[hash] = s
            return ref
        }
    }

    /// The record a reference of this session names, nil when it names none.
    func record(_ token: String, ref: String) -> RecordRef? {
        lock.withLock { sessions[Crypto.credentialHash(token)]?.refs.byRef[ref] }
    }

    func close(_ token: String) {
        _ = lock.withLock { sessions.removeValue(forKey: Crypto.credentialHash(token)) }
    }

    var count: Int { lock.withLock { sessions.count } }

    private func live(_ s: Session, _ now: Date) -> Bool {
        now.timeIntervalSince(s.lastUsed) < idleLimit && now.timeIntervalSince(s.created) < absoluteLimit
    }
}
