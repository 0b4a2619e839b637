/// 共享类型: how far a resource's records may travel (政务数据目录 share types).
public enum ShareType: String, Sendable, CaseIterable {
    /// 无条件共享: every node may receive them.
    case unconditional = "无条件共享"
    /// 有条件共享: up to the city, and down only within the record's scope.
    case conditional = "有条件共享"
    /// 不予共享: never leaves the node that wrote it.
    case none = "不予共享"
}
