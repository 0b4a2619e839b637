/// One line of the append-only audit log.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    /// UTC, "YYYY-MM-DD HH:MM:SS".
    public let at: String
    /// What happened: batch_from_child, batch_from_parent, resolve, enroll_create, …
    public let action: String
    public let detail: String
    /// The operating-system user for operator actions, the link for batches.
    public let user: String
}
