#if canImport(Glibc)
import Glibc
#endif
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
    为拓扑文件中的每个节点在 BASE/<代码>/ 下创建（或沿用）副本，为每条尚无凭据的上下级链路发放凭据，
    然后为每个节点启动一个 rootsync serve 子进程，逐个报告哪些节点已启动、哪些失败及原因。
    有节点失败时退出码为 1（其余节点照常运行，直到按 Ctrl-C）。已启动的节点意外退出时，
    按退避间隔（1 秒起，最长 30 秒）自动重启并记录。按 Ctrl-C 全部停止。
    已有凭据而上级不接受的节点不会被重新注册（另一份副本可能仍在使用它），除非给出 --reenroll。
    --no-serve 只创建和设置，不启动（供脚本和测试自己启动各节点）。
    对正在运行的 up：rootsync up --stop --dir BASE 停止它和它的全部节点；
    rootsync up --restart CODE --dir BASE 让它立即重启一个节点（不需要拓扑文件）。
    Creates (or reuses) every node's replica under BASE/<code>/, issues a credential to each link
    that has none yet, and starts one `rootsync serve` child process per node, reporting which
    nodes started and which failed, and why. Exits 1 when any failed (the others run until
    Ctrl-C). An agent that exits after it started is restarted with backoff (1 s up to 30 s),
    and logged. Ctrl-C stops them all. A node whose credential its parent does not accept is
    not re-enrolled (another copy may still use it) unless --reenroll is given.
    --no-serve only creates and enrols. On a running up: `rootsync up --stop --dir BASE` stops it
    and all its nodes; `rootsync up --restart CODE --dir BASE` makes it restart one node now (no
    topology file needed).
    """
    static let arguments = [ArgumentSpec("TOPOLOGY", help: "拓扑文件 · topology file (Topology/*.json); --stop 与 --restart 不需要 · not needed with --stop or --restart", optional: true)]
    static let options: [OptionSpec] = [
        .option("dir", value: "BASE", help: "各节点目录的上级目录（默认当前目录）· base directory (default: current)"),
        .flag("no-serve", help: "只创建和设置，不启动 · create and enrol only"),
        .flag("reenroll", help: "为凭据不被上级接受的节点重新发放凭据（旧凭据随即失效）· issue new credentials where the parent does not accept the node's (the old ones stop working)"),
        .flag("verbose", help: "各节点输出日志到各自的 serve.log · nodes log events to serve.log"),
        NodeCommands.logFormatOption,
        .option("certs", value: "DIR", help: "用 Scripts/make-certs 生成的证书启用 TLS · turn on TLS with the certificates Scripts/make-certs wrote to DIR"),
        .flag("stop", help: "停止在 BASE 运行的 up 及其全部节点 · stop the up running in BASE and all its nodes"),
        .option("restart", value: "CODE", help: "让在 BASE 运行的 up 立即重启节点 CODE · make the up running in BASE restart node CODE now"),
    ]

    /// How long a node's agent may take to announce that it runs.
    static let startTimeout: Double = 30
    /// Restart backoff of an agent that died: 1 s, doubling, at most 30 s; reset after a minute up.
    static let restartBase: Double = 1, restartCap: Double = 30, stableAfter: Double = 60

    let parsed: ParsedArguments
    let logFormat: Log.Format
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        logFormat = try NodeCommands.logFormat(parsed, command: Self.fullName)
        if parsed.flag("stop") && parsed.value("restart") != nil {
            throw UsageError("--stop 与 --restart 只能选一个", "--stop and --restart cannot be given together", command: Self.fullName)
        }
        if (parsed.flag("stop") || parsed.value("restart") != nil) && parsed.positional(0) != nil {
            throw UsageError("--stop 与 --restart 作用于正在运行的 up，不需要拓扑文件", "--stop and --restart act on a running up and take no topology file",
                             command: Self.fullName)
        }
    }

    typealias Message = (zh: String, en: String)

    func run(_ context: CommandContext) throws -> ExitCode {
        let base = URL(fileURLWithPath: parsed.value("dir") ?? FileManager.default.currentDirectoryPath).standardizedFileURL.path
        if parsed.flag("stop") { return try UpControl.stop(base: base, context) }
        if let code = parsed.value("restart") { return try UpControl.restart(code, base: base, context) }
        let divisions = try StandardsData.divisions()
        let topologyFile = URL(fileURLWithPath: try parsed.required(argument: 0, "TOPOLOGY")).standardizedFileURL.path
        let topology = try NodeSetup.loadTopology(topologyFile, divisions: divisions)
        func dir(_ code: String) -> String { (base as NSString).appendingPathComponent(code) }

        // Set-up: each node's directory under its agent lock, so nothing is changed under a
        // running agent (that node fails here, naming the agent's PID).
        var failures: [String: Message] = [:]
        var locks: [String: NodeLock] = [:]
        var created = 0, enrolled = 0
        do {
            var replicas: [String: Replica] = [:]
            for node in topology.nodes {
                do {
                    try FileManager.default.createDirectory(atPath: dir(node.code), withIntermediateDirectories: true)
                    locks[node.code] = try ReplicaAccess.lock(directory: dir(node.code), .agent)
                    let (replica, isNew) = try NodeSetup.ensure(node, topology: topology, topologyFile: topologyFile, dir: dir(node.code), divisions: divisions)
                    replicas[node.code] = replica
                    if isNew { created += 1 }
                    if let certs = parsed.value("certs") { try NodeSetup.enableTLS(code: node.code, dir: dir(node.code), certs: certs) }
                } catch {
                    failures[node.code] = Self.message(error)
                }
            }
            for node in topology.nodes {
                guard let parent = node.parent, failures[node.code] == nil else { continue }
                do {
                    guard let parentReplica = replicas[parent] else {
                        // The parent is not set up by this run (it failed, or another agent runs it).
                        if try NodeCommands.config(dir: dir(node.code)).parentToken() == nil {
                            failures[node.code] = ("没有凭据，上级 \(parent) 也未能在本次设置，无法注册",
                                                   "has no credential, and its parent \(parent) was not set up by this run: cannot enrol")
                        }
                        continue
                    }
                    if try NodeSetup.enroll(child: node.code, childDir: dir(node.code), parent: parentReplica, reenroll: parsed.flag("reenroll")) {
                        enrolled += 1
                    }
                } catch {
                    failures[node.code] = Self.message(error)
                }
            }
        }
        let failedSetUp = topology.nodes.filter { failures[$0.code] != nil }
        if !context.json {
            context.out.line("拓扑 \(topology.name)：\(topology.nodes.count) 个节点，新建 \(created)，新发凭据 \(enrolled)；目录 \(base)")
            context.out.line("topology \(topology.name): \(topology.nodes.count) nodes, \(created) created, \(enrolled) credentials issued; in \(base)")
        }
        if parsed.flag("no-serve") {
            locks.removeAll()
            if context.json {
                context.out.json(["nodes": .int(topology.nodes.count), "created": .int(created), "enrolled": .int(enrolled), "base": .string(base),
                                  "failed": .array(failedSetUp.map { Self.failureJSON($0, failures[$0.code]!) })])
            } else {
                for node in failedSetUp { Self.printFailure(context, node, failures[node.code]!) }
                if !failedSetUp.isEmpty {
                    context.out.line("\(failedSetUp.count) 个节点设置失败（见上）/ \(failedSetUp.count) nodes could not be set up (above)")
                }
            }
            return failedSetUp.isEmpty ? .success : .failure
        }

        Signals.blockTermination()
        // One up per base directory: `up --stop` and `up --restart` find it by this lock.
        var supervisor: NodeLock?
        do {
            supervisor = try ReplicaAccess.lock(directory: base, .supervisor)
        } catch {
            let why = Self.message(error)
            for node in topology.nodes where failures[node.code] == nil { failures[node.code] = why }
            locks.removeAll()
        }
        defer { supervisor?.release() }
        let tls = parsed.value("certs") != nil
        var agents: [NodeAgent] = []
        for node in topology.nodes where failures[node.code] == nil {
            // Handed over to the node's own agent, which takes it at once.
            locks[node.code]?.release()
            locks[node.code] = nil
            let agent = NodeAgent(node: node, dir: dir(node.code), verbose: parsed.flag("verbose"), logFormat: logFormat, tls: tls)
            agent.start()
            agents.append(agent)
        }
        locks.removeAll()
        // Every agent announces itself (its first line on standard output) or exits with its reason.
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while agents.contains(where: { $0.state == .starting }) && Date() < deadline {
            for agent in agents where agent.state == .starting { agent.poll() }
            usleep(20_000)
        }
        for agent in agents where agent.state == .starting { agent.giveUp() }
        for agent in agents where agent.state == .failed { failures[agent.node.code] = agent.failure }

        let running = agents.filter { $0.state == .running }
        for node in topology.nodes {
            if let agent = running.first(where: { $0.node.code == node.code }) {
                if context.json {
                    context.out.json(["node": .string(node.code), "name": .string(node.name), "started": true, "pid": .int(Int(agent.pid)),
                                      "url": agent.url.map { .string($0) } ?? .null, "dir": .string(agent.dir), "log": .string(agent.logPath)])
                } else {
                    let shown = agent.url ?? "（仅本地接口 local API only）"
                    context.out.line("  ✓ \(node.code) \(node.name)  \(shown)  pid \(agent.pid)  日志 log: \(agent.logPath)")
                }
            } else if let failure = failures[node.code] {
                if context.json { context.out.json(Self.failureJSON(node, failure)) } else { Self.printFailure(context, node, failure) }
            }
        }
        let failed = topology.nodes.count - running.count
        if context.json {
            context.out.json(["started": .int(running.count), "failed": .int(failed)])
        } else if failed == 0 {
            context.out.line("全部 \(running.count) 个节点已启动。按 Ctrl-C 停止。/ All \(running.count) nodes running. Ctrl-C stops them.")
        } else if running.isEmpty {
            context.out.line("没有节点启动：\(failed) 个失败（见上）/ no node started: \(failed) failed (above)")
        } else {
            context.out.line("已启动 \(running.count) 个节点，\(failed) 个失败（见上）；其余节点继续运行，按 Ctrl-C 停止，退出码为 1。"
                             + "/ \(running.count) nodes running, \(failed) failed (above); the others run until Ctrl-C, exit code 1.")
        }
        context.out.flush()
        if running.isEmpty { return .failure }

        supervise(agents.filter { $0.state == .running }, context)
        for agent in agents { agent.terminate() }
        let stopDeadline = Date().addingTimeInterval(10)
        for agent in agents { agent.reap(by: stopDeadline) }
        if !context.json { context.out.line("全部节点已停止 / all nodes stopped") }
        return failed == 0 ? .success : .failure
    }

    /// Until SIGINT or SIGTERM: restarts agents that exit, with backoff, and those `up --restart`
    /// asks for at once, and says so. A SIGHUP is passed on to every agent (each reloads node.json).
    func supervise(_ agents: [NodeAgent], _ context: CommandContext) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let signal = sigtimedwait(&set, nil, &timeout)
            if signal == SIGHUP {
                for agent in agents { agent.signal(SIGHUP) }
            } else if signal > 0 {
                return
            }
            for agent in agents {
                if agent.takeRestartRequest() {
                    Self.report(.restartRequested, agent, context)
                    agent.restartNow()
                }
                for event in agent.supervise() { Self.report(event, agent, context) }
            }
        }
    }

    static func report(_ event: NodeAgent.Event, _ agent: NodeAgent, _ context: CommandContext) {
        let code = agent.node.code
        switch event {
        case .exited(let status, let attempt, let delay):
            if context.json {
                context.out.json(["event": "agent_exited", "node": .string(code), "status": .string(status),
                                  "restart_in_seconds": .double(delay), "attempt": .int(attempt)])
            } else {
                context.out.line("  ! \(code) 的代理意外退出（\(status)），\(delay) 秒后重启（第 \(attempt) 次）"
                                 + "/ the agent of \(code) exited (\(status)); restarting in \(delay) s (attempt \(attempt))")
            }
        case .restartRequested:
            if context.json {
                context.out.json(["event": "agent_restart_requested", "node": .string(code)])
            } else {
                context.out.line("  ↻ \(code) 按请求重启 / restarting on request (rootsync up --restart)")
            }
        case .restarted(let pid):
            if context.json {
                context.out.json(["event": "agent_restarted", "node": .string(code), "pid": .int(Int(pid))])
            } else {
                context.out.line("  ✓ \(code) 已重新启动 / restarted, pid \(pid)")
            }
        case .restartFailed(let failure):
            if context.json {
                context.out.json(["event": "agent_restart_failed", "node": .string(code), "message_zh": .string(failure.zh), "message_en": .string(failure.en)])
            } else {
                context.out.line("  ✗ \(code) 重启失败：\(failure.zh) / restart failed: \(failure.en)")
            }
        }
        context.out.flush()
    }

    static func message(_ error: any Error) -> Message {
        switch ReplicaAccess.translate(error) {
        case let e as CommandError: return (e.messageZh, e.messageEn)
        case let e as UsageError: return (e.messageZh, e.messageEn)
        case let e: return ("意外错误：\(e)", "unexpected error: \(e)")
        }
    }

    static func failureJSON(_ node: Topology.Node, _ failure: Message) -> JSONValue {
        ["node": .string(node.code), "name": .string(node.name), "started": false,
         "message_zh": .string(failure.zh), "message_en": .string(failure.en)]
    }

    static func printFailure(_ context: CommandContext, _ node: Topology.Node, _ failure: Message) {
        context.out.line("  ✗ \(node.code) \(node.name)：\(failure.zh)")
        context.out.line("      \(failure.en)")
    }
}

/// One node's `rootsync serve` child of `up`: started with `--json`, so its first line on
/// standard output says it runs; its log (standard error) goes to DIR/serve.log, where its
/// error is read back when it exits before that line.
final class NodeAgent {
    enum State { case starting, running, waiting, failed }
    enum Event {
        case exited(status: String, attempt: Int, delay: Double)
        case restarted(Int32)
        case restartFailed(UpCommand.Message)
        case restartRequested
    }

    /// The file `up --restart CODE` leaves in the node's directory; up takes it on its next tick.
    static let restartRequestName = "up-restart.request"
    var restartRequestPath: String { (dir as NSString).appendingPathComponent(Self.restartRequestName) }

    let node: Topology.Node
    let dir: String
    let verbose: Bool
    let logFormat: Log.Format
    let tls: Bool
    var logPath: String { (dir as NSString).appendingPathComponent("serve.log") }
    private(set) var state = State.starting
    private(set) var url: String?
    private(set) var failure: UpCommand.Message = ("", "")
    private var process: Process?
    private var output: FileHandle?
    private var buffer: [UInt8] = []
    private var logOffset: UInt64 = 0
    private var startedAt = Date()
    private var restartAt = Date()
    private var attempts = 0

    init(node: Topology.Node, dir: String, verbose: Bool, logFormat: Log.Format, tls: Bool) {
        self.node = node
        self.dir = dir
        self.verbose = verbose
        self.logFormat = logFormat
        self.tls = tls
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    func start() {
        state = .starting
        buffer = []
        startedAt = Date()
        do {
            // Appended to, never truncated: a restart keeps what the dead agent wrote.
            if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            logOffset = log.seekToEndOfFile()
            let pipe = Pipe()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            p.arguments = ["serve", "--dir", dir, "--json", "--log-format", logFormat.rawValue] + (verbose ? ["--verbose"] : [])
            p.standardOutput = pipe
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            // Read without blocking: up polls every agent in turn.
            let fd = pipe.fileHandleForReading.fileDescriptor
            let flags = fcntl(fd, F_GETFL)
            guard flags != -1, fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1 else {
                let why = String(cString: strerror(errno))
                throw CommandError("无法设置代理输出管道：\(why)", "cannot set up the agent's output pipe: \(why)")
            }
            try p.run()
            try? log.close()
            output = pipe.fileHandleForReading
            process = p
        } catch {
            let why = UpCommand.message(error)
            fail(("无法启动代理进程：\(why.zh)", "cannot start the agent process: \(why.en)"))
        }
    }

    /// While starting: takes the announcement, or the reason it exited.
    func poll() {
        guard state == .starting, let p = process else { return }
        readOutput()
        if let line = firstLine() {
            if let json = try? JSONParser.parse(line), json["node"] != nil {
                url = json["listening"]?.stringValue
                state = .running
                return
            }
        }
        if !p.isRunning {
            readOutput()
            if firstLine().flatMap({ try? JSONParser.parse($0) })?["node"] != nil { state = .running; return }
            fail(reason(exited: p))
        }
    }

    /// Kills an agent that did not announce itself in time.
    func giveUp() {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        fail(("\(UpCommand.startTimeout) 秒内没有启动；见日志 \(logPath)", "did not start within \(UpCommand.startTimeout) s; see \(logPath)"))
    }

    /// Once per supervision tick: notices an exit, restarts when its backoff has passed.
    func supervise() -> [Event] {
        switch state {
        case .running:
            guard let p = process, !p.isRunning else {
                if Date().timeIntervalSince(startedAt) > UpCommand.stableAfter { attempts = 0 }
                return []
            }
            attempts += 1
            let delay = min(UpCommand.restartCap, UpCommand.restartBase * pow(2, Double(attempts - 1)))
            state = .waiting
            restartAt = Date().addingTimeInterval(delay)
            return [.exited(status: Self.status(p), attempt: attempts, delay: delay)]
        case .waiting:
            guard Date() >= restartAt else { return [] }
            start()
            return state == .failed ? retry() : []
        case .starting:
            poll()
            if state == .running {
                return [.restarted(pid)]
            }
            if state == .failed || Date().timeIntervalSince(startedAt) > UpCommand.startTimeout {
                if state == .starting { giveUp() }
                return retry()
            }
            return []
        case .failed:
            return []
        }
    }

    /// A restart that failed: said, and tried again after the next backoff step.
    private func retry() -> [Event] {
        let failed = failure
        attempts += 1
        let delay = min(UpCommand.restartCap, UpCommand.restartBase * pow(2, Double(attempts - 1)))
        state = .waiting
        restartAt = Date().addingTimeInterval(delay)
        return [.restartFailed(failed), .exited(status: "restart failed", attempt: attempts, delay: delay)]
    }

    func terminate() {
        if let p = process, p.isRunning { p.terminate() }
    }

    func signal(_ number: Int32) {
        if let p = process, p.isRunning { kill(p.processIdentifier, number) }
    }

    /// True (and the request removed) when `up --restart` asked for this node.
    func takeRestartRequest() -> Bool {
        guard FileManager.default.fileExists(atPath: restartRequestPath) else { return false }
        return (try? FileManager.default.removeItem(atPath: restartRequestPath)) != nil
    }

    /// Stops the agent (SIGTERM, SIGKILL after 10 s) and starts it again now, without backoff.
    func restartNow() {
        terminate()
        reap(by: Date().addingTimeInterval(10))
        attempts = 0
        start()
    }

    func reap(by deadline: Date) {
        guard let p = process else { return }
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    }

    private func fail(_ message: UpCommand.Message) {
        failure = message
        state = .failed
    }

    private func readOutput() {
        guard let fd = output?.fileDescriptor else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            buffer += chunk[0..<n]
        }
    }

    private func firstLine() -> String? {
        guard let end = buffer.firstIndex(of: 0x0A) else { return nil }
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    /// The agent's own error (the JSON error object `--json` writes on standard error, in the
    /// log since this start), or its exit status.
    private func reason(exited p: Process) -> UpCommand.Message {
        var last: UpCommand.Message?
        if let log = FileHandle(forReadingAtPath: logPath) {
            defer { try? log.close() }
            try? log.seek(toOffset: logOffset)
            let text = String(decoding: log.readDataToEndOfFile(), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                if let json = try? JSONParser.parse(String(line)), let zh = json["message_zh"]?.stringValue, let en = json["message_en"]?.stringValue {
                    last = (zh, en)
                }
            }
        }
        return last ?? ("代理已退出（\(Self.status(p))）；见日志 \(logPath)", "the agent exited (\(Self.status(p))); see \(logPath)")
    }

    static func status(_ p: Process) -> String {
        p.terminationReason == .uncaughtSignal ? "signal \(p.terminationStatus)" : "exit \(p.terminationStatus)"
    }
}
