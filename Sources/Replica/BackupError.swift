/// Why a backup or a restore was refused. Nothing was changed when one of these is thrown.
public enum BackupError: Error, CustomStringConvertible, Equatable {
    case targetExists(String)
    case notAReplicaBackup(path: String, why: String)
    case otherNode(path: String, backup: String, here: String)
    case damaged(path: String, findings: [String])
    case failed(step: String, why: String)

    public var description: String {
        switch self {
        case .targetExists(let p): return "\(p) already exists; a backup never overwrites a file (--to names a new file)"
        case .notAReplicaBackup(let p, let why): return "\(p) is not a rootsync replica backup (--from): \(why)"
        case .otherNode(let p, let b, let h): return "\(p) is a backup of node \(b), not of this node \(h) (--from)"
        case .damaged(let p, let f): return "\(p) is damaged (SQLite quick_check: \(f.prefix(3).joined(separator: "; ")))"
        case .failed(let step, let why): return "\(step) failed: \(why); the replica was left as it was"
        }
    }

    public var messageZh: String {
        switch self {
        case .targetExists(let p): return "\(p) 已存在；备份不会覆盖已有文件（--to 应为新文件）"
        case .notAReplicaBackup(let p, let why): return "\(p) 不是 rootsync 副本的备份（--from）：\(why)"
        case .otherNode(let p, let b, let h): return "\(p) 是节点 \(b) 的备份，不是本节点 \(h) 的（--from）"
        case .damaged(let p, let f): return "\(p) 已损坏（SQLite quick_check：\(f.prefix(3).joined(separator: "；"))）"
        case .failed(let step, let why): return "\(step)失败：\(why)；副本保持原样"
        }
    }
}
