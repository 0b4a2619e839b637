import Sync

/// Failures of the node runtime a person can act on.
public enum NodeError: Error, CustomStringConvertible, Equatable {
    case unknownChild(String, parent: String)
    case protocolMismatch(ours: Int, theirs: Int, theirOldest: Int)
    case wrongParent(expected: String, found: String)
    case roundTooLong(String)
    /// The parent knows more writes of this node's writer identity than this replica made: the
    /// replica was re-created or restored without its lease, and its writes would collide.
    case reusedIdentity(actor: String, parentHas: Int64, local: Int64)

    public var description: String {
        switch self {
        case .unknownChild(let c, let p): return "\(c) is not a child of \(p)"
        case .protocolMismatch(let o, let t, let old):
            return "protocol mismatch: this node speaks \(SyncProtocol.oldestSupported)…\(o), the peer \(old)…\(t); upgrade the older one"
        case .wrongParent(let e, let f): return "expected parent \(e) but \(f) answered; check the parent address"
        case .roundTooLong(let why): return "sync round stopped: \(why)"
        case .reusedIdentity(let a, let p, let l):
            return "writer identity \(a) is already known to the parent up to #\(p), but this replica wrote only \(l) versions under it: it was re-created or restored without its lease file. Nothing was sent or received, so nothing is lost; export the records written here (rootsync export), re-create the replica, and enter them again (see docs/OPERATIONS.md)"
        }
    }

    public var messageZh: String {
        switch self {
        case .unknownChild(let c, let p): return "\(c) 不是 \(p) 的下级节点"
        case .protocolMismatch: return "上下级节点的 rootsync 版本不兼容，请升级较旧的一方"
        case .wrongParent(let e, let f): return "上级地址应为 \(e)，实际应答的是 \(f)，请检查上级地址"
        case .roundTooLong(let why): return "同步中止：\(why)"
        case .reusedIdentity(let a, let p, let l):
            return "写入者身份 \(a) 在上级已有 \(p) 个版本，而本副本只写了 \(l) 个：副本是重建的或在没有租约文件的情况下恢复的。本次没有收发任何数据，没有丢失；请导出本地写入的记录（rootsync export），重建副本后重新录入（见 docs/OPERATIONS.md）"
        }
    }
}
