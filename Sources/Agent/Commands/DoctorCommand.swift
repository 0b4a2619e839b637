import Node
import JSON
import Replica

/// `rootsync doctor`: finds state in a replica that no check lets in any more (what a hostile
/// child could plant before the push checks of issue 11) and repairs what can be repaired.
struct DoctorCommand: Command {
    static let path = ["doctor"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { parsed.flag("repair") ? .writer : nil }
    static let summary = "检查副本中不应存在的状态并修复 · check a replica for impossible state, and repair it"
    static let discussion = """
    检查：超出范围的计数（已持有向量）；声称见过本节点从未持有或签发的计数的版本（被“投毒”的版本向量）；
    缺少必填字段的数据行。加 --repair 在一个事务中修复：重算计数，删除伪造的版本（本节点自己的写入以干净的
    版本向量重新写入），去掉不完整的数据行，并记入审计日志。有未修复的问题时退出码为 1。
    Checks: have-vector counters out of range; versions claiming to have seen counters this node
    never held or issued (poisoned version vectors); rows missing required fields. With --repair,
    fixes them in one transaction: counters recomputed, forged versions removed (this node's own
    writes written again with a clean vector), incomplete rows taken out, all audited. Exits 1
    while a problem is left unrepaired. With --json, one object per finding.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption,
                                        .flag("repair", help: "修复能修复的问题 · repair what can be repaired")]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let repair = parsed.flag("repair")
        let findings = try ReplicaAccess.mapped { try replica.diagnose(repair: repair) }
        for f in findings {
            if context.json {
                context.out.json(["kind": .string(f.kind.rawValue), "subject": .string(f.subject), "repaired": .bool(f.repaired),
                                  "message_zh": .string(f.zh), "message_en": .string(f.en)])
            } else {
                context.out.line("\(f.repaired ? "已修复" : "发现") \(f.zh) · \(f.repaired ? "repaired" : "found"): \(f.en)")
            }
        }
        if !context.json {
            context.out.line(findings.isEmpty ? "副本正常 · the replica is sound"
                : "共 \(findings.count) 项，已修复 \(findings.filter(\.repaired).count) 项 · \(findings.count) finding(s), \(findings.filter(\.repaired).count) repaired\(repair ? "" : "; run with --repair")")
        }
        return findings.allSatisfy(\.repaired) ? .success : .failure
    }
}
