import Foundation
import JSON
import Node
import Replica
import Sharing

/// `rootsync dispute raise RESOURCE KEY GROUP`: a quality check (数据质量校核).
struct DisputeRaiseCommand: Command {
    static let path = ["dispute", "raise"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "对记录的字段组发起数据质量校核 · raise a quality check on a record's field group"
    static let discussion = """
    指出本节点所持记录的某个字段组有误，给出期望的值（JSON，仅该组的数据项）和说明。校核随同步送到该字段组的
    权威层级（一数一源，如人口身份信息在市），由其在 3 个工作日内更正或驳回，答复随同步回来。--json 输出含 id。
    Flags a field group of a record held here as wrong, with the expected values (a JSON object
    of that group's items) and a comment. It travels to the level authoritative for the group
    (一数一源), which corrects or rejects it within 3 working days; the answer travels back.

    例 Example: rootsync dispute raise person 150603198001010018 identity --expected '{"name":"张三"}' \\
                --comment 与户籍登记不符 --operator 王芳 --dir nodes/150603002001 --json
    """
    static let arguments = [ArgumentSpec("RESOURCE", help: "资源 · resource"), ArgumentSpec("KEY", help: "记录主键 · the record's key"),
                            ArgumentSpec("GROUP", help: "字段组 · field group")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .option("expected", value: "JSON", help: "期望的值 · the expected values, a JSON object"),
                                        .option("comment", value: "TEXT", help: "说明 · comment")]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        _ = try parsed.required(argument: 2, "GROUP")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let expected = try ShareAccess.object(try parsed.required("expected"), option: "expected")
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped {
            try replica.raiseDispute(resource: parsed.positional(0)!, key: parsed.positional(1)!, group: parsed.positional(2)!,
                                     expected: expected, comment: parsed.value("comment"), operator: who)
        }
        if context.json { context.out.json(ShareViews.dispute(state, c)) } else { ShareAccess.printDispute(state, c, context.out) }
        return .success
    }
}

/// `rootsync dispute answer ID --correct JSON | --reject TEXT`: at the authoritative node.
struct DisputeAnswerCommand: Command {
    static let path = ["dispute", "answer"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "答复校核：更正或驳回 · answer a quality check: correct or reject"
    static let discussion = """
    在该字段组的权威节点答复。--correct 写入更正后的值（普通的新版本，随同步到达所有持有该记录的节点），
    校核关闭并注明该版本；--reject 写明理由驳回。答复随同步回到发起节点。
    At the group's authoritative node. --correct writes the values as an ordinary new version (it
    reaches every node holding the record) and closes the dispute citing it; --reject closes it
    with the reason. The answer travels back to where it was raised.
    """
    static let arguments = [ArgumentSpec("ID", help: "校核编号 · the dispute's id")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .option("correct", value: "JSON", help: "更正的值 · the corrected values, a JSON object"),
                                        .option("reject", value: "TEXT", help: "驳回理由 · the reason to reject")]
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
        if (parsed.value("correct") == nil) == (parsed.value("reject") == nil) {
            throw UsageError("需要 --correct JSON 或 --reject 理由之一", "give exactly one of --correct JSON or --reject TEXT", command: parsed.commandName)
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let correct = try parsed.value("correct").map { try ShareAccess.object($0, option: "correct") }
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped { try replica.answerDispute(id, correct: correct, reject: parsed.value("reject"), operator: who) }
        if context.json { context.out.json(ShareViews.dispute(state, c)) } else { ShareAccess.printDispute(state, c, context.out) }
        return .success
    }
}

/// `rootsync dispute list`: every quality check this node knows.
struct DisputeListCommand: Command {
    static let path = ["dispute", "list"]
    static let summary = "列出数据质量校核 · list quality checks"
    static let discussion = """
    列出本节点知道的校核：本节点及下级发起的、由本节点答复的，含答复期限和是否逾期。--json 每个一行。
    Lists the disputes this node knows (raised here or below, or answered here), with the due date
    and whether it has passed. With --json, one object per line.
    """
    static let arguments = [ArgumentSpec("ID", help: "只看这个校核 · only this dispute", optional: true)]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let states = try ShareAccess.mapped { () -> [DisputeState] in
            if let id = parsed.positional(0) { return [try replica.dispute(id)] }
            return try replica.disputes()
        }
        CatalogueAccess.emit(states, context, empty: "本节点没有数据质量校核 · no disputes at this node",
                             json: { ShareViews.dispute($0, c) }, text: { ShareAccess.printDispute($0, c, context.out) })
        return .success
    }
}
