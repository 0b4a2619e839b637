import Foundation
import JSON
import Node

/// `rootsync serve`: run this node's agent until SIGTERM or Ctrl-C.
struct ServeCommand: Command {
    static let path = ["serve"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .agent }
    static let summary = "运行本节点（服务下级、与上级同步）· run this node's agent"
    static let discussion = """
    为下级节点提供同步服务（有下级时），在本机提供本地接口（/v1/records、/v1/status）和一表通网页（/，见 docs/WEB.md），
    并与上级保持同步：定期同步、本地有改动后立即同步、上级有新数据时立即同步。上级离线时自动重试。
    按 Ctrl-C 或发送 SIGTERM 正常退出（先完成正在传送的一批数据）；SIGHUP 重新读取 node.json。
    Serves children (when it has any), the local API and the web app (/, docs/WEB.md) on loopback,
    and keeps in step with the parent: periodically, right after a local change, and as soon as the
    parent has news.
    Retries with backoff while the parent is offline. Stops cleanly on Ctrl-C or SIGTERM (after
    the batch in flight); SIGHUP reads node.json again.
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("listen", value: "HOST:PORT", help: "监听地址（默认取 node.json；无下级的节点默认 127.0.0.1 的随机端口）· listen address"),
        .option("interval", value: "SECONDS", help: "无事时的同步间隔，默认 30 秒 · seconds between idle rounds (default 30)"),
        .flag("verbose", help: "输出日志 · log events to standard error"),
        NodeCommands.logFormatOption,
        .flag("allow-plain-http", help: "允许在非本机地址上以明文 HTTP 提供服务（不推荐）· allow plain HTTP on a non-loopback address (not recommended)"),
    ]

    let parsed: ParsedArguments
    let logFormat: Log.Format
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        logFormat = try NodeCommands.logFormat(parsed, command: Self.fullName)
        if let i = parsed.value("interval"), Double(i).map({ $0 > 0 && $0 <= 86_400 }) != true {
            throw UsageError("--interval 应为 0 到 86400 之间的秒数", "--interval must be seconds between 0 and 86400", command: Self.fullName)
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let config = try NodeCommands.config(parsed)
        var options = AgentRuntime.Options()
        options.listen = parsed.value("listen")
        if let i = parsed.value("interval").flatMap(Double.init) { options.interval = i }
        options.allowPlainHTTP = parsed.flag("allow-plain-http")
        Signals.blockTermination()
        let runtime = try NodeCommands.mapped { try AgentRuntime(config: config, options: options, log: .fromEnvironment(verbose: parsed.flag("verbose"), format: logFormat, time: config.time)) }
        try NodeCommands.mapped { try runtime.start() }
        let address = runtime.address.map { "\(runtime.scheme)://\($0)" }
        if context.json {
            context.out.json(["node": .string(config.node), "listening": address.map { .string($0) } ?? .null, "parent": config.parentURL.map { .string($0) } ?? .null])
        } else {
            context.out.line("rootsync serve: 节点 \(config.node) 已启动 / node \(config.node) running" + (address.map { "，监听 / listening on \($0)" } ?? ""))
            if let warning = runtime.nodeServer.plainHTTPWarning { context.out.line("rootsync serve: WARNING \(warning)") }
        }
        context.out.flush()
        // SIGHUP reloads node.json (said in the log, not on standard output: up stops reading that);
        // SIGINT or SIGTERM stops after the batch in flight.
        var signal = Signals.wait()
        while signal == SIGHUP {
            runtime.reload()
            signal = Signals.wait()
        }
        runtime.stop()
        if !context.json { context.out.line("rootsync serve: 已停止 / stopped (signal \(signal))") }
        return .success
    }
}
