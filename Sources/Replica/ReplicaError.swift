import Causality
import Standards

/// Why a replica operation was refused. Nothing was written when one of these is thrown.
public enum ReplicaError: Error, CustomStringConvertible, Equatable {
    case invalid([ValidationIssue])
    case unknownResource(String)
    case outsideJurisdiction(resource: String, key: String, scope: String, jurisdiction: String)
    /// A child pushed a version written by a node outside its subtree.
    case foreignWriter(resource: String, key: String, writer: String, jurisdiction: String)
    case notFound(resource: String, key: String)
    case notAReplica(path: String)
    case alreadyExists(path: String)
    case badRemoteVersion(String)
    case unknownConflict(String)
    case unknownVersion(String)
    /// The catalogue workflow refused a step (wrong node, missing role, bad draft…).
    case workflow(zh: String, en: String)
    /// Data needs a newer catalogue than this node has: fetch the catalogue first.
    case catalogueBehind(needed: Int, have: Int)
    /// A child pushed a version of a group its writer's level may not write (authority rules).
    case groupNotWritable(resource: String, key: String, group: String, writer: String)
    /// A child pushed a version whose claims the parent cannot verify: a vector naming counters
    /// never held or issued here, an epoch never confirmed, a scope claim its data contradicts.
    case unverifiedClaim(resource: String, key: String, dot: String, zh: String, en: String)
    /// A child pushed a version that has seen another node's version this node does not hold
    /// now: it reaches this node only from its own parent, so it was lost here (a restore) and
    /// comes back with the next pulls. Refused like an unverified claim, but the child keeps the
    /// version queued and pushes it again later instead of setting it aside.
    case lacksDependency(resource: String, key: String, dot: String, zh: String, en: String)
    /// The file was upgraded by a newer release than this one.
    case newerRelease(String)
    /// A child's push was refused because of this one version (the batch is refused whole):
    /// the child keeps the version, sets it aside and pushes the rest (`Replica.setAside`).
    indirect case refused(dot: Dot, reason: ReplicaError)

    public var messageZh: String {
        switch self {
        case .invalid(let issues): return "数据有误：\n" + issues.map { "  - \($0.field)：\($0.messageZh)" }.joined(separator: "\n")
        case .unknownResource(let r): return "没有这种数据：\(r)"
        case .outsideJurisdiction(let r, let k, let s, let j): return "\(r) \(k) 属于 \(s)，不在本节点辖区 \(j) 内，不能修改"
        case .foreignWriter(let r, let k, let w, let j): return "\(r) \(k) 的版本由 \(w) 写入，不在 \(j) 的下辖范围内，拒收整批数据"
        case .notFound(let r, let k): return "找不到\(r == "draft" ? "草案" : " \(r)") \(k)"
        case .notAReplica(let p): return "\(p) 不是 rootsync 副本（先运行 rootsync init）"
        case .alreadyExists(let p): return "\(p) 已经存在副本"
        case .badRemoteVersion(let why): return "收到的数据版本无效：\(why)"
        case .unknownConflict(let c): return "没有这个冲突：\(c)"
        case .unknownVersion(let v): return "这个冲突中没有版本 \(v)"
        case .workflow(let zh, _): return zh
        case .groupNotWritable(let r, let k, let g, let w): return "\(r) \(k) 的字段组 \(g) 由 \(w) 写入，但该层级无权填写这个字段组，拒收整批数据"
        case .refused(_, let reason): return reason.messageZh
        case .newerRelease(let why): return "副本由更新版本的 rootsync 升级过，本版本无法读取：\(why)"
        case .unverifiedClaim(let r, let k, let d, let zh, _): return "\(r) \(k) 的版本 \(d) 无法核实：\(zh)，拒收整批数据"
        case .lacksDependency(let r, let k, let d, let zh, _): return "\(r) \(k) 的版本 \(d) 暂不能接收：\(zh)，本节点须先从上级重新收到它；整批数据稍后再推送"
        case .catalogueBehind(let needed, let have): return "数据需要第 \(needed) 版数据目录，本节点只有第 \(have) 版：先同步数据目录，数据留待下次"
        }
    }

    public var description: String {
        switch self {
        case .invalid(let issues): return "invalid record:\n" + issues.map { "  - \($0.field): \($0.messageEn) [\($0.rule)]" }.joined(separator: "\n")
        case .unknownResource(let r): return "unknown resource \(r)"
        case .outsideJurisdiction(let r, let k, let s, let j): return "\(r) \(k) has scope \(s), outside this node's jurisdiction \(j); refused"
        case .foreignWriter(let r, let k, let w, let j): return "a version of \(r) \(k) was written by \(w), which is not in \(j)'s subtree; the whole batch is refused"
        case .notFound(let r, let k): return "\(r) \(k) not found"
        case .notAReplica(let p): return "\(p) is not a rootsync replica (run rootsync init first)"
        case .alreadyExists(let p): return "a replica already exists at \(p)"
        case .badRemoteVersion(let why): return "invalid version received: \(why)"
        case .unknownConflict(let c): return "no open conflict \(c)"
        case .unknownVersion(let v): return "version \(v) is not part of that conflict"
        case .workflow(_, let en): return en
        case .groupNotWritable(let r, let k, let g, let w): return "group \(g) of \(r) \(k) was written by \(w), whose level may not write it; the whole batch is refused"
        case .newerRelease(let why): return why
        case .refused(_, let reason): return reason.description
        case .unverifiedClaim(let r, let k, let d, _, let en): return "version \(d) of \(r) \(k) cannot be verified: \(en); the whole batch is refused"
        case .lacksDependency(let r, let k, let d, _, let en): return "version \(d) of \(r) \(k) cannot be taken yet: \(en); this node must first receive it again from its parent; push the batch again later"
        case .catalogueBehind(let needed, let have): return "the data needs catalogue version \(needed) but this node has \(have): fetch the catalogue first; the data is kept for later"
        }
    }
}
