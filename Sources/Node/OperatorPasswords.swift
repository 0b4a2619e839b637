import Crypto
import Replica

/// Operators' passwords: the one place that says how they are hashed (PBKDF2-HMAC-SHA256 from
/// OpenSSL, a 16-byte random salt, a 32-byte key) and what a password must be.
public enum OperatorPasswords {
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about 0.3 s per check on one core here. The
    /// count is stored with each hash, so raising it later leaves old passwords valid.
    public static let iterations = 600_000
    public static let minimumCharacters = 8
    /// Longer input is refused, not hashed: a megabyte password costs the KDF nothing, but the
    /// limit keeps what a request may carry small.
    public static let maximumBytes = 1024

    /// A new salted hash of `password` (tests pass fewer iterations).
    public static func make(_ password: String, iterations: Int = iterations) -> OperatorPassword {
        let salt = Crypto.randomBytes(16)
        let key = Crypto.pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations)
        return OperatorPassword(iterations: iterations, salt: Crypto.hexString(salt), hash: Crypto.hexString(key))
    }

    /// Whether `password` is the one `stored` was made from (compared in constant time).
    /// Throws when `stored` is not a form this release can check.
    public static func verify(_ password: String, against stored: OperatorPassword, operator name: String) throws -> Bool {
        guard stored.algorithm == OperatorPassword.pbkdf2SHA256, (1...10_000_000).contains(stored.iterations),
              let salt = Crypto.bytes(hex: stored.salt), !salt.isEmpty, let expected = Crypto.bytes(hex: stored.hash),
              (16...64).contains(expected.count) else {
            throw OperatorError.unreadablePassword(name)
        }
        let key = Crypto.pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: stored.iterations, length: expected.count)
        return Crypto.constantTimeEquals(Crypto.hexString(key), Crypto.hexString(expected))
    }

    /// Spends the time of one check, for sign-ins naming no operator (so the answer's timing
    /// does not tell which names exist).
    public static func spendCheckTime() {
        _ = Crypto.pbkdf2SHA256(password: [0], salt: [0], iterations: iterations)
    }

    /// Refuses a password that is too short, too long, holds control characters or is the name.
    public static func checkAcceptable(_ password: String, name: String) throws {
        func weak(_ zh: String, _ en: String) -> OperatorError { .weakPassword(zh: zh, en: en) }
        if password.count < minimumCharacters {
            throw weak("至少 \(minimumCharacters) 个字符，这里只有 \(password.count) 个", "at least \(minimumCharacters) characters are needed; it has \(password.count)")
        }
        if password.utf8.count > maximumBytes {
            throw weak("最长 \(maximumBytes) 字节", "at most \(maximumBytes) bytes are allowed")
        }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw weak("不能含有控制字符", "it holds a control character")
        }
        if password == name { throw weak("不能与操作员名称相同", "it is the operator's name") }
    }
}
