import Foundation
import JSON
import Node

/// `rootsync sync`: one complete round with the parent, now.
struct SyncCommand: Command {
    static let path = ["sync"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "立即与上级同步一轮 · one sync round with the parent now"
    static let discussion = """
    先把本节点及下级的改动推送给上级，再拉取上级发给本节点的数据。成功时退出码为 0，
    失败时为 1 并说明原因。可以在 rootsync serve 运行时使用。
    Pushes what the parent lacks, then pulls what the parent has for this node. Exit code 0 on
    success, 1 with the reason otherwise. Safe to run while `rootsync serve` runs.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, .flag("verbose", help: "输出日志 · log events")]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let config = try NodeCommands.config(parsed)
        guard config.parent != nil else {
            throw CommandError("\(config.node) 是最上级节点，没有上级可同步", "\(config.node) is the top node; it has no parent to sync with")
        }
        let runtime = try NodeCommands.mapped { try AgentRuntime(config: config, options: .init(), log: .fromEnvironment(verbose: parsed.flag("verbose"))) }
        // A long load says how far it is, on standard error, every few seconds and at the end.
        var shown: Int64 = 0
        let err = context.err
        let report = try NodeCommands.mapped {
            try runtime.syncOnce { p in
                guard p.done ? shown > 0 : p.atMilliseconds - shown >= 2_000 else { return }
                shown = p.atMilliseconds
                err.line(p.line)
            }
        }
        if context.json {
            context.out.json(["pushed": .int(report.pushed), "pulled": .int(report.pulled),
                              "push_batches": .int(report.pushBatches), "pull_pages": .int(report.pullPages), "purged": .int(report.purged),
                              "catalogues_installed": .array(report.cataloguesInstalled.map { .int($0) }),
                              "workflow_sent": .int(report.eventsSent), "workflow_received": .int(report.eventsReceived),
                              "push_deferred": .bool(report.pushDeferred), "sharing_held_back": .bool(report.sharingHeldBack)])
        } else {
            context.out.line("同步完成 / synced: 推送 pushed \(report.pushed)，拉取 pulled \(report.pulled)" + (report.purged > 0 ? "，移出 moved out \(report.purged)" : ""))
            for v in report.cataloguesInstalled { context.out.line("已安装数据目录第 \(v) 版 · installed catalogue version \(v)") }
            if report.eventsSent + report.eventsReceived > 0 {
                context.out.line("目录流程记录 workflow events: 上报 sent \(report.eventsSent)，收到 received \(report.eventsReceived)")
            }
            if report.pushDeferred {
                context.out.line("上级的数据目录版本较旧，本次暂不推送（数据保留，下次再推）· the parent's catalogue is older; push deferred, data kept")
            }
            if report.sharingHeldBack {
                context.out.line("上级运行的旧版本不能接收数据共享申请和质量校核，这些记录保留在本节点，请先升级上级 · the parent runs an earlier release that cannot take data requests and quality checks: they wait here; upgrade the parent")
            }
        }
        return .success
    }
}
