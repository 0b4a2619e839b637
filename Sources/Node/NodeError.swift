import Sync

/// Failures of the node runtime a person can act on.
public enum NodeError: Error, CustomStringConvertible, Equatable {
    case unknownChild(String, parent: String)
    case protocolMismatch(ours: Int, theirs: Int, theirOldest: Int)
    case wrongParent(expected: String, found: String)
    case roundTooLong(String)

    public var description: String {
        switch self {
        case .unknownChild(let c, let p): return "\(c) is not a child of \(p)"
        case .protocolMismatch(let o, let t, let old):
            return "protocol mismatch: this node speaks \(SyncProtocol.oldestSupported)…\(o), the peer \(old)…\(t); upgrade the older one"
        case .wrongParent(let e, let f): return "expected parent \(e) but \(f) answered; check the parent address"
        case .roundTooLong(let why): return "sync round stopped: \(why)"
        }
    }

    public var messageZh: String {
        switch self {
        case .unknownChild(let c, let p): return "\(c) 不是 \(p) 的下级节点"
        case .protocolMismatch: return "上下级节点的 rootsync 版本不兼容，请升级较旧的一方"
        case .wrongParent(let e, let f): return "上级地址应为 \(e)，实际应答的是 \(f)，请检查上级地址"
        case .roundTooLong(let why): return "同步中止：\(why)"
        }
    }
}
