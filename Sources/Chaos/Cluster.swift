// The topology under test: real `rootsync serve` processes on loopback, one per node, each with
// its own replica. Created with `rootsync up --no-serve` (real enrollment), then started one by one.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import SQLite
import Standards

public struct ChaosNode: Sendable {
    public let code: String
    public let parent: String?
    public var level: String { DivisionCode.level(ofShape: code)?.rawValue ?? "district" }
    /// Jurisdiction prefix: the city holds its whole prefecture (4 digits), others their code.
    public var prefix: String { level == "city" ? String(code.prefix(4)) : code }
    public func holds(scope: String) -> Bool { scope.hasPrefix(prefix) }
}

/// 1 city, 2 districts, 2 streets, 4 communities (every street has two communities, each district
/// one street), codes from the demo topology.
public let chaosTopology: [ChaosNode] = [
    ChaosNode(code: "150600", parent: nil),
    ChaosNode(code: "150602", parent: "150600"),
    ChaosNode(code: "150603", parent: "150600"),
    ChaosNode(code: "150602001", parent: "150602"),
    ChaosNode(code: "150603002", parent: "150603"),
    ChaosNode(code: "150602001001", parent: "150602001"),
    ChaosNode(code: "150602001002", parent: "150602001"),
    ChaosNode(code: "150603002001", parent: "150603002"),
    ChaosNode(code: "150603002002", parent: "150603002"),
]

/// Every agent process the harness has running, so an interrupted run (Ctrl-C, SIGTERM) can kill
/// them instead of leaving them behind.
public final class AgentRegistry: @unchecked Sendable {
    public static let shared = AgentRegistry()
    private let lock = NSLock()
    private var pids = Set<Int32>()
    func add(_ pid: Int32) { lock.lock(); pids.insert(pid); lock.unlock() }
    func remove(_ pid: Int32) { lock.lock(); pids.remove(pid); lock.unlock() }
    /// SIGKILLs every registered agent (safe to call from a signal-handling queue).
    public func killAll() {
        lock.lock(); let all = pids; lock.unlock()
        for pid in all { kill(pid, SIGKILL) }
    }
}

final class Cluster {
    let base: URL
    let binary: String
    let nodes: [ChaosNode]
    let interval: Double
    let runner: ProgramRunner
    private(set) var ports: [String: UInt16] = [:]
    private var processes: [String: Process] = [:]
    private(set) var starts: [String: Int] = [:]

    init(base: URL, binary: String, nodes: [ChaosNode], interval: Double) throws {
        self.base = base
        self.binary = binary
        self.nodes = nodes
        self.interval = interval
        try FileManager.default.createDirectory(at: base.appendingPathComponent("logs"), withIntermediateDirectories: true)
        runner = try ProgramRunner(scratch: base.appendingPathComponent("scratch"))
        var entries: [JSONValue] = []
        var rng = SystemRandomNumberGenerator()
        var used = Set<UInt16>()
        for node in nodes {
            var o = JSONObject()
            o.append("code", .string(node.code))
            o.append("name", .string("混沌测试\(node.level)\(node.code)"))
            o.append("level", .string(node.level))
            if let parent = node.parent { o.append("parent", .string(parent)) }
            if nodes.contains(where: { $0.parent == node.code }) {
                var port = try freeLoopbackPort(using: &rng)
                while used.contains(port) { port = try freeLoopbackPort(using: &rng) }
                used.insert(port)
                ports[node.code] = port
                o.append("listen", .string("127.0.0.1:\(port)"))
            }
            entries.append(.object(o))
        }
        let topology: JSONValue = ["name": "chaos", "nodes": .array(entries)]
        let path = base.appendingPathComponent("topology.json").path
        try Data(topology.text.utf8).write(to: URL(fileURLWithPath: path))
        let up = try runner.run(binary, ["up", path, "--dir", base.appendingPathComponent("nodes").path, "--no-serve"], timeout: 120)
        guard up.code == 0 else { throw ChaosError("rootsync up failed (\(up.code)): \(up.err)") }
    }

    func node(_ code: String) -> ChaosNode { nodes.first { $0.code == code }! }
    func dir(_ code: String) -> String { base.appendingPathComponent("nodes").appendingPathComponent(code).path }
    func databasePath(_ code: String) -> String { (dir(code) as NSString).appendingPathComponent("replica.sqlite") }
    func url(_ code: String) -> String { "http://127.0.0.1:\(ports[code]!)" }
    func isRunning(_ code: String) -> Bool { processes[code]?.isRunning ?? false }
    func token(_ code: String) throws -> String {
        try String(contentsOfFile: (dir(code) as NSString).appendingPathComponent("link.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func logPath(_ code: String, _ n: Int, _ stream: String) -> String {
        base.appendingPathComponent("logs/\(code)-\(n).\(stream)").path
    }

    /// Starts `rootsync serve` and waits (at most 20 s) for its "running" line. A port still held
    /// by a killed predecessor for a moment is retried.
    func start(_ code: String) throws {
        if isRunning(code) { return }
        let deadline = Date().addingTimeInterval(20)
        var problem = ""
        while Date() < deadline {
            let n = starts[code, default: 0] + 1
            starts[code] = n
            let outPath = logPath(code, n, "out"), errPath = logPath(code, n, "err")
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            defer { try? out.close(); try? err.close() }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["serve", "--dir", dir(code), "--interval", String(interval)]
            p.standardOutput = out
            p.standardError = err
            p.standardInput = FileHandle.nullDevice
            try p.run()
            processes[code] = p
            AgentRegistry.shared.add(p.processIdentifier)
            while Date() < deadline {
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                if text.contains("running") { return }
                if !p.isRunning { break }
                usleep(10_000)
            }
            problem = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
            if p.isRunning { kill(p.processIdentifier, SIGKILL); while p.isRunning { usleep(5_000) } }
            AgentRegistry.shared.remove(p.processIdentifier)
            processes[code] = nil
            usleep(200_000)
        }
        throw ChaosError("rootsync serve for \(code) did not start within 20 s: \(problem)")
    }

    /// Stops an agent with `signal` (SIGKILL: no clean-up at all); SIGKILL after 10 s regardless.
    func stop(_ code: String, signal: Int32) {
        guard let p = processes[code] else { return }
        processes[code] = nil
        defer { AgentRegistry.shared.remove(p.processIdentifier) }
        guard p.isRunning else { return }
        kill(p.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        guard p.isRunning else { return }
        kill(p.processIdentifier, SIGKILL)
        // Bounded too: Foundation was once seen never to mark a killed child as exited; the run
        // goes on (and says so) instead of hanging.
        let hard = Date().addingTimeInterval(10)
        while p.isRunning && Date() < hard { usleep(2_000) }
        if p.isRunning {
            FileHandle.standardError.write(Data("chaos: agent \(code) (pid \(p.processIdentifier)) not seen to exit 10 s after SIGKILL; going on\n".utf8))
        }
    }

    func stopAll(signal: Int32 = SIGTERM) {
        for code in processes.keys.sorted() where processes[code]?.isRunning == true {
            kill(processes[code]!.processIdentifier, signal)
        }
        for code in processes.keys.sorted() { stop(code, signal: SIGKILL) }
    }

    /// The `rootsync` CLI.
    func cli(_ arguments: [String], timeout: TimeInterval = 60) throws -> ProgramResult {
        try runner.run(binary, arguments, timeout: timeout)
    }

    /// Opens a node's replica for reading (another connection; WAL lets it read while agents write).
    func database(_ code: String, path: String? = nil) throws -> Database {
        var options = Database.Options()
        options.readOnly = true
        options.create = false
        return try Database(path: path ?? databasePath(code), options: options)
    }

    /// The last lines every agent of `code` wrote, for failure reports.
    func logTail(_ code: String, lines: Int = 15) -> String {
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
}
