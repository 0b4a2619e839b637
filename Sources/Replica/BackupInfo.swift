/// What a backup file holds, read without changing it: whose replica, at which epoch.
public struct BackupInfo: Sendable, Equatable {
    public let path: String
    public let node: String
    public let epoch: Int
    public let databaseID: String
    public let catalogueVersion: Int
    public let bytes: Int64
}
