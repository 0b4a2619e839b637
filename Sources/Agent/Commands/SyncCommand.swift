import Foundation
import JSON
import Node

/// `rootsync sync`: one complete round with the parent, now.
struct SyncCommand: Command {
    static let path = ["sync"]
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
        let report = try NodeCommands.mapped { try runtime.syncOnce() }
        if context.json {
            context.out.json(["pushed": .int(report.pushed), "pulled": .int(report.pulled),
                              "push_batches": .int(report.pushBatches), "pull_pages": .int(report.pullPages), "purged": .int(report.purged)])
        } else {
            context.out.line("同步完成 / synced: 推送 pushed \(report.pushed)，拉取 pulled \(report.pulled)" + (report.purged > 0 ? "，移出 moved out \(report.purged)" : ""))
        }
        return .success
    }
}
