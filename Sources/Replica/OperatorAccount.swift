/// A person who signs in to this node's web app (一表通), with a role and a password kept only
/// as a slow salted hash. Operators belong to one node and are never synced.
public struct OperatorAccount: Sendable, Equatable {
    public let name: String
    public let role: OperatorRole
    public let password: OperatorPassword
    /// ISO 8601 UTC, with milliseconds.
    public let createdAt: String
    /// Who created the account (the operating-system user of `rootsync operator add`).
    public let createdBy: String
    /// When the password was last set (`createdAt` until it is changed).
    public let passwordChangedAt: String
}

/// What an operator may do in the web app; the permissions of each role are the web app's
/// (`OperatorRole+Web` in Node), the replica only keeps which role an operator has.
public enum OperatorRole: String, Sendable, CaseIterable {
    /// 办事员: enters and searches records; sees ID and phone numbers masked.
    case clerk
    /// 审核员: as a clerk, and sees ID and phone numbers whole.
    case reviewer
    /// 管理员: everything the web app offers.
    case administrator

    public var nameZh: String {
        switch self {
        case .clerk: "办事员"
        case .reviewer: "审核员"
        case .administrator: "管理员"
        }
    }
}

/// A password as stored: PBKDF2-HMAC-SHA256 with its salt and iteration count, so the count can
/// grow for new passwords while old ones still verify. Salt and hash are lowercase hex.
public struct OperatorPassword: Sendable, Equatable {
    public static let pbkdf2SHA256 = "pbkdf2-sha256"

    public let algorithm: String
    public let iterations: Int
    public let salt: String
    public let hash: String

    public init(algorithm: String = OperatorPassword.pbkdf2SHA256, iterations: Int, salt: String, hash: String) {
        self.algorithm = algorithm
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }
}
