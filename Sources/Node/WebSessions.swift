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

    func close(_ token: String) {
        _ = lock.withLock { sessions.removeValue(forKey: Crypto.credentialHash(token)) }
    }

    var count: Int { lock.withLock { sessions.count } }

    private func live(_ s: Session, _ now: Date) -> Bool {
        now.timeIntervalSince(s.lastUsed) < idleLimit && now.timeIntervalSince(s.created) < absoluteLimit
    }
}
