import Foundation
import SQLite

/// A department's system registered at this node to use its data (数据使用方), with its own
/// credential. The replica keeps only the credential's hash (`Crypto.credentialHash`, as for
/// child links); a revoked consumer keeps its row, without a hash, so its name stays taken and
/// the audit log's entries about it stay unambiguous.
public struct Consumer: Sendable, Equatable {
    public let name: String
    /// ISO 8601 UTC, with milliseconds.
    public let createdAt: String
    /// Who registered it (the operating-system user).
    public let createdBy: String
    /// When its credential was last replaced, if ever.
    public let rotatedAt: String?
    /// When it was revoked; nil while it is active.
    public let revokedAt: String?

    public var isActive: Bool { revokedAt == nil }
}

/// Why a consumer operation was refused. Nothing was written.
public enum ConsumerError: Error, Equatable, CustomStringConvertible {
    /// The name is unusable.
    case invalidName(zh: String, en: String)
    case duplicate(String)
    case unknown(String)
    case revoked(String)

    /// The field every refusal is about.
    public var field: String { "name" }

    public var messageZh: String {
        switch self {
        case .invalidName(let zh, _): "使用方名称（字段 \(field)）无效：\(zh)"
        case .duplicate(let n): "使用方名称（字段 name）“\(n)”已经登记过（已吊销的名称也不能再用）；请换一个名称"
        case .unknown(let n): "没有名为“\(n)”的使用方（字段 name）；rootsync consumer list 列出已登记的使用方"
        case .revoked(let n): "使用方“\(n)”（字段 name）已被吊销；吊销不能撤回，请用新名称重新登记"
        }
    }

    public var description: String {
        switch self {
        case .invalidName(_, let en): "invalid consumer name (field \(field)): \(en)"
        case .duplicate(let n): "a consumer named '\(n)' (field name) is already registered (revoked names stay taken); choose another name"
        case .unknown(let n): "no consumer named '\(n)' (field name); rootsync consumer list shows the registered ones"
        case .revoked(let n): "consumer '\(n)' (field name) is revoked; a revocation is final, register it again under a new name"
        }
    }
}

extension Replica {
    /// The longest consumer name, in characters.
    public static let consumerNameLimit = 64

    /// Step 9 of `ReplicaSchema.migrator`.
    static let consumerSchema = """
    CREATE TABLE _rs_consumer(
        name TEXT PRIMARY KEY NOT NULL,
        -- Crypto.credentialHash of the consumer's credential; NULL once revoked.
        credential_hash TEXT UNIQUE,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        rotated_at TEXT, revoked_at TEXT) WITHOUT ROWID;
    """

    /// Checks a consumer name: not empty, at most `consumerNameLimit` characters, no white space
    /// at either end, no control, format or separator characters (which would hide in logs and
    /// listings or reverse the text around them).
    public static func checkConsumerName(_ name: String) throws {
        func invalid(_ zh: String, _ en: String) -> ConsumerError { .invalidName(zh: zh, en: en) }
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw invalid("名称不能为空", "the name is empty")
        }
        if name.count > consumerNameLimit {
            throw invalid("名称最长 \(consumerNameLimit) 个字符，这里有 \(name.count) 个",
                          "the name is \(name.count) characters long; at most \(consumerNameLimit) are allowed")
        }
        for scalar in name.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                let code = "U+" + String(format: "%04X", scalar.value)
                throw invalid("名称含有控制字符或不可见字符 \(code)", "the name holds the control or invisible character \(code)")
            default: continue
            }
        }
        if name.first?.isWhitespace == true || name.last?.isWhitespace == true {
            throw invalid("名称首尾不能有空白", "the name begins or ends with white space")
        }
    }

    /// Registers a consumer whose credential hashes to `credentialHash`.
    public func addConsumer(name: String, credentialHash: String, by user: String? = nil) throws {
        try Self.checkConsumerName(name)
        try db.transaction {
            guard try db.scalarInt("SELECT 1 FROM _rs_consumer WHERE name = ?", name) == nil else {
                throw ConsumerError.duplicate(name)
            }
            try db.run("INSERT INTO _rs_consumer(name, credential_hash, created_at, created_by) VALUES(?, ?, ?, ?)",
                       name, credentialHash, Self.isoNow(now()), user ?? Self.operatingSystemUser)
            try audit("consumer_add", detail: "consumer=\(name)", user: user)
        }
    }

    /// Replaces an active consumer's credential: the old one is refused from now on.
    public func rotateConsumer(name: String, credentialHash: String, by user: String? = nil) throws {
        try db.transaction {
            try requireActiveConsumer(name)
            try db.run("UPDATE _rs_consumer SET credential_hash = ?, rotated_at = ? WHERE name = ?",
                       credentialHash, Self.isoNow(now()), name)
            try audit("consumer_rotate", detail: "consumer=\(name)", user: user)
        }
    }

    /// Cuts a consumer off for good: its credential is forgotten, its name stays taken.
    public func revokeConsumer(name: String, by user: String? = nil) throws {
        try db.transaction {
            try requireActiveConsumer(name)
            try db.run("UPDATE _rs_consumer SET credential_hash = NULL, revoked_at = ? WHERE name = ?", Self.isoNow(now()), name)
            try audit("consumer_revoke", detail: "consumer=\(name)", user: user)
        }
    }

    /// Every consumer registered here, revoked ones included, by name.
    public func consumers() throws -> [Consumer] {
        try db.all("SELECT name, created_at, created_by, rotated_at, revoked_at FROM _rs_consumer ORDER BY name") {
            Consumer(name: $0.string(0), createdAt: $0.string(1), createdBy: $0.string(2),
                     rotatedAt: $0.isNull(3) ? nil : $0.string(3), revokedAt: $0.isNull(4) ? nil : $0.string(4))
        }
    }

    /// The active consumer whose credential hashes to `credentialHash`, if any. (The lookup is
    /// by the SHA-256 of a 256-bit random credential, so its timing tells nothing about it.)
    public func consumer(credentialHash: String) throws -> String? {
        try db.first("SELECT name FROM _rs_consumer WHERE credential_hash = ? AND revoked_at IS NULL", credentialHash) { $0.string(0) }
    }

    private func requireActiveConsumer(_ name: String) throws {
        let revoked = try db.first("SELECT revoked_at IS NOT NULL FROM _rs_consumer WHERE name = ?", name) { $0.int64(0) != 0 }
        guard let revoked else { throw ConsumerError.unknown(name) }
        if revoked { throw ConsumerError.revoked(name) }
    }
}
