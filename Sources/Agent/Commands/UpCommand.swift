import Foundation
import JSON
import Node
import Replica
import Standards
import Sync

/// `rootsync up`: a whole hierarchy on this machine, one agent process per node.
struct UpCommand: Command {
    static let path = ["up"]
    static let summary = "在本机启动整个层级（每个节点一个进程）· run a whole hierarchy locally"
    static let discussion = """
    为拓扑文件中的每个节点在 BASE/<代码>/ 下创建（或沿用）副本，为每条上下级链路设置凭据，
    然后为每个节点启动一个 rootsync serve 子进程，并显示各自的地址。按 Ctrl-C 全部停止。
    --no-serve 只创建和设置，不启动（供脚本和测试自己启动各节点）。
    Creates (or reuses) every node's replica under BASE/<code>/, sets up each link's credential,
    and starts one `rootsync serve` child process per node, printing where each serves. Ctrl-C
    stops them all. --no-serve only creates and enrols.
    """
    static let arguments = [ArgumentSpec("TOPOLOGY", help: "拓扑文件 · topology file (Topology/*.json)")]
    static let options: [OptionSpec] = [
        .option("dir", value: "BASE", help: "各节点目录的上级目录（默认当前目录）· base directory (default: current)"),
        .flag("no-serve", help: "只创建和设置，不启动 · create and enrol only"),
        .flag("verbose", help: "各节点输出日志到各自的 serve.log · nodes log events to serve.log"),
        .option("certs", value: "DIR", help: "用 Scripts/make-certs 生成的证书启用 TLS · turn on TLS with the certificates Scripts/make-certs wrote to DIR"),
    ]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let divisions = try StandardsData.divisions()
        let topologyFile = URL(fileURLWithPath: try parsed.required(argument: 0, "TOPOLOGY")).standardizedFileURL.path
        let topology = try NodeSetup.loadTopology(topologyFile, divisions: divisions)
        let base = URL(fileURLWithPath: parsed.value("dir") ?? FileManager.default.currentDirectoryPath).standardizedFileURL.path
        func dir(_ code: String) -> String { (base as NSString).appendingPathComponent(code) }

        var created = 0, enrolled = 0
        var replicas: [String: Replica] = [:]
        for node in topology.nodes {
            let (replica, isNew) = try NodeSetup.ensure(node, topology: topology, topologyFile: topologyFile, dir: dir(node.code), divisions: divisions)
            replicas[node.code] = replica
            if isNew { created += 1 }
            if let certs = parsed.value("certs") { try NodeSetup.enableTLS(code: node.code, dir: dir(node.code), certs: certs) }
        }
        for node in topology.nodes {
            guard let parent = node.parent, let parentReplica = replicas[parent] else { continue }
            if try NodeSetup.enroll(child: node.code, childDir: dir(node.code), parent: parentReplica) { enrolled += 1 }
        }
        replicas.removeAll()
        if !context.json {
            context.out.line("拓扑 \(topology.name)：\(topology.nodes.count) 个节点，新建 \(created)，新发凭据 \(enrolled)；目录 \(base)")
            context.out.line("topology \(topology.name): \(topology.nodes.count) nodes, \(created) created, \(enrolled) credentials issued; in \(base)")
        }
        if parsed.flag("no-serve") {
            if context.json {
                context.out.json(["nodes": .int(topology.nodes.count), "created": .int(created), "enrolled": .int(enrolled), "base": .string(base)])
            }
            return .success
        }

        Signals.blockTermination()
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var processes: [(Topology.Node, Process)] = []
        for node in topology.nodes {
            let p = Process()
            p.executableURL = executable
            p.arguments = ["serve", "--dir", dir(node.code)] + (parsed.flag("verbose") ? ["--verbose"] : [])
            let logPath = (dir(node.code) as NSString).appendingPathComponent("serve.log")
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            log.seekToEndOfFile()
            p.standardOutput = log
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            try p.run()
            processes.append((node, p))
            let scheme = parsed.value("certs") != nil ? "https" : "http"
            let shown = node.listen.map { "\(scheme)://\($0)" } ?? "（仅本地接口 local API only）"
            if context.json {
                context.out.json(["node": .string(node.code), "name": .string(node.name), "pid": .int(Int(p.processIdentifier)),
                                  "url": node.listen.map { .string("\(scheme)://\($0)") } ?? .null, "dir": .string(dir(node.code))])
            } else {
                context.out.line("  \(node.code) \(node.name)  \(shown)  pid \(p.processIdentifier)  日志 log: \(logPath)")
            }
        }
        if !context.json { context.out.line("全部节点已启动。按 Ctrl-C 停止。/ All nodes running. Ctrl-C stops them.") }
        context.out.flush()
        _ = Signals.waitForTermination()
        for (_, p) in processes where p.isRunning { p.terminate() }
        let deadline = Date().addingTimeInterval(10)
        for (_, p) in processes {
            while p.isRunning && Date() < deadline { usleep(50_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        if !context.json { context.out.line("全部节点已停止 / all nodes stopped") }
        return .success
    }
}
