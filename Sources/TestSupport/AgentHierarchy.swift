#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON

/// A hierarchy of real `rootsync serve` processes on loopback, one per node, each with its own
/// replica in `base/nodes/CODE`: a topology with free ports, real enrollment with
/// `rootsync up --no-serve`, then agents started and stopped one by one. Each start of an agent
/// logs to `base/logs/CODE-N.out|err`. Every wait is bounded; every agent still running when the
/// hierarchy is shut down (or goes away) is killed. Used by the integration tests and the chaos
/// harness.
public final class AgentHierarchy {
    public let base: URL
    public let binary: String
    public let nodes: [HierarchyNode]
    public let interval: Double
    public let runner: ProgramRunner
    public private(set) var ports: [String: UInt16] = [:]
    /// Extra environment for a node's agent, kept for every later start (an injected clock offset).
    public var environment: [String: [String: String]] = [:]
    /// Whether going away removes `base` too (as `shutdown()` does); a kept run leaves it.
    public var removesDirectoryWhenDone = false
    /// How long `stop` waits after its signal before SIGKILL.
    public var stopGrace: TimeInterval = 10
    private var processes: [String: ChildProcess] = [:]
    public private(set) var starts: [String: Int] = [:]
    private var isShutDown = false

    /// Writes the topology (`name`; each node named `label` + level + code, a loopback listen
    /// address on a free port for every node with children) and enrols every link.
    public init(base: URL, binary: String, nodes: [HierarchyNode], interval: Double = 1,
                name: String = "hierarchy", label: String = "测试") throws {
        self.base = base
        self.binary = binary
        self.nodes = nodes
        self.interval = interval
        try FileManager.default.createDirectory(at: base.appendingPathComponent("logs"), withIntermediateDirectories: true)
        runner = try ProgramRunner(scratch: base.appendingPathComponent("scratch"))
        var entries: [JSONValue] = []
        for node in nodes {
            var o = JSONObject()
            o.append("code", .string(node.code))
            o.append("name", .string("\(label)\(node.level)\(node.code)"))
            o.append("level", .string(node.level))
            if let parent = node.parent { o.append("parent", .string(parent)) }
            if nodes.contains(where: { $0.parent == node.code }) {
                let port = try Loopback.freePort(avoiding: Set(ports.values))
                ports[node.code] = port
                o.append("listen", .string("127.0.0.1:\(port)"))
            }
            entries.append(.object(o))
        }
        let topology: JSONValue = ["name": .string(name), "nodes": .array(entries)]
        try Data(topology.text.utf8).write(to: URL(fileURLWithPath: topologyPath))
        let up = try runner.run(binary, ["up", topologyPath, "--dir", nodesDirectory, "--no-serve"], timeout: 120)
        guard up.code == 0 else { throw SupportError("rootsync up failed (\(up.code)): \(up.err)") }
    }

    deinit { shutdown(removing: removesDirectoryWhenDone) }

    public var codes: [String] { nodes.map(\.code) }
    public var topologyPath: String { base.appendingPathComponent("topology.json").path }
    public var nodesDirectory: String { base.appendingPathComponent("nodes").path }
    public func node(_ code: String) -> HierarchyNode { nodes.first { $0.code == code }! }
    public func dir(_ code: String) -> String { (nodesDirectory as NSString).appendingPathComponent(code) }
    public func databasePath(_ code: String) -> String { (dir(code) as NSString).appendingPathComponent("replica.sqlite") }
    public func url(_ code: String) -> String { "http://127.0.0.1:\(ports[code]!)" }
    public func isRunning(_ code: String) -> Bool { processes[code]?.isRunning ?? false }
    public func pid(_ code: String) -> Int32? { processes[code].map(\.pid) }

    /// The credential `code` uses towards its parent.
    public func token(_ code: String) throws -> String {
        try String(contentsOfFile: (dir(code) as NSString).appendingPathComponent("link.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func logPath(_ code: String, _ n: Int, _ stream: String) -> String {
        base.appendingPathComponent("logs/\(code)-\(n).\(stream)").path
    }

    /// Starts `rootsync serve` and waits (at most 20 s) for its "running" line. A port still held
    /// by a killed predecessor for a moment is retried until then.
    public func start(_ code: String) throws {
        if isRunning(code) { return }
        let deadline = Date().addingTimeInterval(20)
        var problem = ""
        while Date() < deadline {
            let n = starts[code, default: 0] + 1
            starts[code] = n
            let outPath = logPath(code, n, "out"), errPath = logPath(code, n, "err")
            let p = try ChildProcess(binary, ["serve", "--dir", dir(code), "--interval", String(interval)],
                                     stdout: outPath, stderr: errPath, environment: environment[code] ?? [:])
            processes[code] = p
            AgentRegistry.shared.add(p.pid)
            while Date() < deadline {
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                if text.contains("running") { return }
                if !p.isRunning { break }
                usleep(10_000)
            }
            let status = p.exit.map { "exit \($0.status)" } ?? "still running"
            problem = "\(status): " + ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
            p.stop(SIGKILL)
            AgentRegistry.shared.remove(p.pid)
            processes[code] = nil
            usleep(200_000)
        }
        throw SupportError("rootsync serve for \(code) did not start within 20 s: \(problem)")
    }

    public func start(_ codes: [String]) throws { for code in codes { try start(code) } }
    public func startAll() throws { try start(codes) }

    /// Stops an agent with `signal` (SIGKILL: no clean-up at all); SIGKILL after `stopGrace`
    /// seconds regardless. Bounded even then: an agent not seen to exit is reported on standard
    /// error, not waited for. Returns the exit status when the agent exited by itself (not by a
    /// signal), nil when it had to be killed or was not running.
    @discardableResult
    public func stop(_ code: String, signal: Int32 = SIGTERM) -> Int32? {
        guard let p = processes[code] else { return nil }
        processes[code] = nil
        defer { AgentRegistry.shared.remove(p.pid) }
        guard p.isRunning else { return nil }
        guard let exit = p.stop(signal, grace: stopGrace) else {
            FileHandle.standardError.write(Data("agent \(code) (pid \(p.pid)) not seen to exit 10 s after SIGKILL; going on\n".utf8))
            return nil
        }
        return exit.status < 128 ? exit.status : nil
    }

    /// Sends `signal` to a running agent (SIGHUP: reload node.json).
    public func signal(_ code: String, _ signal: Int32) {
        processes[code]?.signal(signal)
    }

    public func restart(_ code: String, signal: Int32 = SIGTERM) throws {
        stop(code, signal: signal)
        try start(code)
    }

    /// Signals every agent at once, then stops each (SIGKILL for any still running after 10 s).
    public func stopAll(signal: Int32 = SIGTERM) {
        for code in processes.keys.sorted() { processes[code]?.signal(signal) }
        for code in processes.keys.sorted() { stop(code, signal: signal) }
    }

    /// Kills every agent; removes the directory when `removing` (and ROOTSYNC_KEEP_TEST_DIRS is unset).
    public func shutdown(removing: Bool = true) {
        guard !isShutDown else { return }
        isShutDown = true
        stopAll(signal: SIGKILL)
        if removing && ProcessInfo.processInfo.environment["ROOTSYNC_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(at: base)
        }
    }

    /// The `rootsync` CLI.
    public func cli(_ arguments: [String], timeout: TimeInterval = 60, environment: [String: String] = [:]) throws -> ProgramResult {
        try runner.run(binary, arguments, timeout: timeout, environment: environment)
    }

    /// The last `lines` lines each start of `code`'s agent wrote, for failure reports.
    public func logTail(_ code: String, lines: Int = 15) -> String {
        var text = ""
        for n in 1...max(1, starts[code, default: 1]) {
            for stream in ["out", "err"] {
                let content = (try? String(contentsOfFile: logPath(code, n, stream), encoding: .utf8)) ?? ""
                let tail = content.split(separator: "\n").suffix(lines)
                if !tail.isEmpty { text += "    --- \(code) start #\(n) std\(stream)\n" + tail.map { "    " + $0 }.joined(separator: "\n") + "\n" }
            }
        }
        return text
    }

    /// Everything the agents wrote (the last 3,000 characters of each file), for failure messages.
    public func logs(_ only: [String]? = nil) -> String {
        var text = ""
        for code in only ?? codes {
            for n in 1...max(1, starts[code, default: 1]) {
                for stream in ["out", "err"] {
                    let content = (try? String(contentsOfFile: logPath(code, n, stream), encoding: .utf8)) ?? ""
                    if !content.isEmpty { text += "--- \(code) #\(n) \(stream)\n" + String(content.suffix(3000)) + "\n" }
                }
            }
        }
        return text
    }
}
