import Replica

/// What each role may do in the web app beyond entering and searching records (every role may)
/// and seeing the conflicts:
/// the one place that says it.
extension OperatorRole {
    /// See ID numbers and phone numbers whole; otherwise they are masked in every answer.
    public var seesIdentifiers: Bool { self != .clerk }
    /// Resolve conflicts (a clerk sees them, masked, to report them).
    public var mayResolveConflicts: Bool { self != .clerk }
}
