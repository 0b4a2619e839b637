// Harness for the integration tests: real `rootsync` processes on loopback, one per node, each
// with its own SQLite replica in a temporary directory. Every wait is bounded by a deadline and
// every process started here is killed when the hierarchy is shut down (or deallocated).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Replica
import SQLite
import Standards

// MARK: Small helpers

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The built `rootsync` executable: next to the test bundle (…/debug/rootsyncPackageTests.xctest).
func rootsyncExecutable() throws -> String {
    var candidates: [URL] = []
    let selfExe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    candidates.append(selfExe.deletingLastPathComponent())
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        candidates.append(dir)
        dir = dir.deletingLastPathComponent()
    }
    for candidate in candidates {
        let path = candidate.appendingPathComponent("rootsync").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw HarnessError("rootsync executable not found next to the test bundle (looked in \(candidates.map(\.path)))")
}

/// A TCP port on 127.0.0.1 that is free now, chosen below the kernel's ephemeral range (32768+)
/// so that no client connection or port-0 server can take it while its node is stopped.
func freeLoopbackPort() throws -> UInt16 {
    for _ in 0..<200 {
        let candidate = UInt16.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = candidate.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return candidate }
    }
    throw HarnessError("no free loopback port found")
}

/// A valid GB 11643 citizen ID number from its 17-digit body.
func citizenID(_ body: String) -> String {
    precondition(body.count == 17 && body.allSatisfy(\.isNumber))
    return body + String(CitizenID.checkCharacter(for: body)!)
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass.
@discardableResult
func waitUntil(_ timeout: TimeInterval = 20, interval: TimeInterval = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        usleep(UInt32(interval * 1_000_000))
    }
}

struct ProcessResult {
    let code: Int32
    let out: String
    let err: String
    var lines: [String] { out.split(separator: "\n").map(String.init) }
    func json() throws -> JSONValue { try JSONParser.parse(out) }
    func jsonLines() throws -> [JSONValue] { try lines.map { try JSONParser.parse($0) } }
}

/// Runs a program to completion (killed after `timeout`), output captured through files.
func runProgram(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-int-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
    defer { try? outHandle.close(); try? errHandle.close() }
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    var timedOut = false
    if process.isRunning {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    if timedOut { throw HarnessError("\(executable) \(arguments.joined(separator: " ")) timed out after \(timeout) s\nstdout: \(out)\nstderr: \(err)") }
    return ProcessResult(code: process.terminationStatus, out: out, err: err)
}

/// Runs the `rootsync` CLI.
func rootsync(_ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    try runProgram(try rootsyncExecutable(), arguments, timeout: timeout)
}

/// An HTTP exchange through the system curl binary.
struct CurlResult {
    let status: Int
    let body: String
    var json: JSONValue? { try? JSONParser.parse(body) }
}

func curl(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
          bodyFile: String? = nil, extra: [String] = [], timeout: TimeInterval = 60) throws -> CurlResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-int-curl-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let responsePath = dir.appendingPathComponent("response").path
    var args = ["-s", "-S", "-X", method, "-o", responsePath, "-w", "%{http_code}", "--max-time", String(Int(timeout))]
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(name): \(value)"] }
    if let body {
        let path = dir.appendingPathComponent("request").path
        try Data(body.utf8).write(to: URL(fileURLWithPath: path))
        args += ["--data-binary", "@\(path)"]
    } else if let bodyFile {
        args += ["--data-binary", "@\(bodyFile)"]
    }
    args += extra
    args.append(url)
    let result = try runProgram("/usr/bin/curl", args, timeout: timeout + 5)
    guard let status = Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines)), status > 0 else {
        throw HarnessError("curl \(method) \(url) failed (exit \(result.code)): \(result.err) \(result.out)")
    }
    let body = (try? String(contentsOfFile: responsePath, encoding: .utf8)) ?? ""
    return CurlResult(status: status, body: body)
}

/// Starts a program in the background (output discarded); the caller kills it.
func spawnProgram(_ executable: String, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
}

/// Kills (SIGKILL) and reaps background processes, bounded.
func killAll(_ processes: [Process]) {
    for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
    let deadline = Date().addingTimeInterval(10)
    for p in processes { while p.isRunning && Date() < deadline { usleep(5_000) } }
}

/// Waits until `current()` reaches `target`. Returns .done, or .slow when it was still moving
/// at the deadline (progress within the last `stallWindow` seconds), or .stalled.
enum Convergence: Equatable { case done, slow(Int), stalled(Int) }

func awaitCount(_ target: Int, timeout: TimeInterval, stallWindow: TimeInterval = 25, _ current: () throws -> Int) rethrows -> Convergence {
    let deadline = Date().addingTimeInterval(timeout)
    var last = -1
    var lastChange = Date()
    while true {
        let now = try current()
        if now >= target { return .done }
        if now != last { last = now; lastChange = Date() }
        if Date() >= deadline {
            return Date().timeIntervalSince(lastChange) < stallWindow ? .slow(now) : .stalled(now)
        }
        usleep(300_000)
    }
}

// MARK: Hierarchy

/// A hierarchy of real nodes from a topology written for the test: loopback listen addresses
/// on ports picked at run time, `rootsync up --no-serve`, then one `rootsync serve` per node.
final class Hierarchy {
    struct Node {
        let code: String
        let level: String
        let parent: String?
    }

    let base: URL
    let nodes: [Node]
    private(set) var ports: [String: UInt16] = [:]
    private var processes: [String: Process] = [:]
    private var starts: [String: Int] = [:]
    let interval: Double
    private var isShutDown = false

    /// Nodes as (code, parent); the level follows from the code (6 digits ending 00: city,
    /// 6: district, 9: street, 12: community).
    init(_ spec: [(String, String?)], interval: Double = 1) throws {
        self.interval = interval
        nodes = spec.map { code, parent in
            Node(code: code, level: DivisionCode.level(ofShape: code)!.rawValue, parent: parent)
        }
        base = FileManager.default.temporaryDirectory.appendingPathComponent("rootsync-int-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        var entries: [JSONValue] = []
        var used = Set<UInt16>()
        for node in nodes {
            var o = JSONObject()
            o.append("code", .string(node.code))
            o.append("name", .string("测试\(node.level)\(node.code)"))
            o.append("level", .string(node.level))
            if let parent = node.parent { o.append("parent", .string(parent)) }
            if nodes.contains(where: { $0.parent == node.code }) {
                var port = try freeLoopbackPort()
                while used.contains(port) { port = try freeLoopbackPort() }
                used.insert(port)
                ports[node.code] = port
                o.append("listen", .string("127.0.0.1:\(port)"))
            }
            entries.append(.object(o))
        }
        let topology: JSONValue = ["name": "integration", "nodes": .array(entries)]
        let topologyPath = base.appendingPathComponent("topology.json").path
        try Data(topology.text.utf8).write(to: URL(fileURLWithPath: topologyPath))
        let up = try rootsync(["up", topologyPath, "--dir", base.appendingPathComponent("nodes").path, "--no-serve"])
        guard up.code == 0 else { throw HarnessError("rootsync up failed (\(up.code)): \(up.err)") }
    }

    /// A 4-level chain city → district → street → community.
    static func chain(interval: Double = 1) throws -> Hierarchy {
        try Hierarchy([("150600", nil), ("150603", "150600"), ("150603002", "150603"), ("150603002001", "150603002")], interval: interval)
    }

    deinit { shutdown() }

    func dir(_ code: String) -> String { base.appendingPathComponent("nodes").appendingPathComponent(code).path }
    func url(_ code: String) -> String { "http://127.0.0.1:\(ports[code]!)" }
    var codes: [String] { nodes.map(\.code) }

    /// The credential `code` uses towards its parent.
    func token(_ code: String) throws -> String {
        try String(contentsOfFile: (dir(code) as NSString).appendingPathComponent("link.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func logPath(_ code: String, _ n: Int, _ stream: String) -> String {
        base.appendingPathComponent("serve-\(code)-\(n).\(stream)").path
    }

    func isRunning(_ code: String) -> Bool { processes[code]?.isRunning ?? false }
    func pid(_ code: String) -> Int32? { processes[code]?.processIdentifier }

    /// Starts `rootsync serve` for each node, in order, waiting for each one's "running" line.
    func start(_ codes: [String]) throws {
        for code in codes { try startOne(code) }
    }

    func startAll() throws { try start(codes) }

    private func startOne(_ code: String) throws {
        precondition(!isRunning(code), "\(code) already running")
        let deadline = Date().addingTimeInterval(20)
        var lastProblem = ""
        // A restart may find the port still held for a moment: retry until the deadline.
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
            p.executableURL = URL(fileURLWithPath: try rootsyncExecutable())
            p.arguments = ["serve", "--dir", dir(code), "--interval", String(interval)]
            p.standardOutput = out
            p.standardError = err
            p.standardInput = FileHandle.nullDevice
            try p.run()
            processes[code] = p
            while Date() < deadline {
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                if text.contains("running") { return }
                if !p.isRunning { break }
                usleep(10_000)
            }
            lastProblem = "exit \(p.isRunning ? "none" : String(p.terminationStatus)): "
                + ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
            if p.isRunning { kill(p.processIdentifier, SIGKILL); while p.isRunning { usleep(5_000) } }
            processes[code] = nil
            usleep(200_000)
        }
        throw HarnessError("rootsync serve for \(code) did not start within 20 s: \(lastProblem)")
    }

    /// Stops a node's agent: SIGTERM (clean shutdown, SIGKILL after 40 s) or SIGKILL. Returns its
    /// exit status, nil when it had to be killed or was not running.
    @discardableResult
    func stop(_ code: String, signal: Int32 = SIGTERM) -> Int32? {
        guard let p = processes[code] else { return nil }
        defer { processes[code] = nil }
        guard p.isRunning else { return nil }
        kill(p.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(40)
        while p.isRunning && Date() < deadline { usleep(5_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            while p.isRunning { usleep(5_000) }
            return nil
        }
        return p.terminationReason == .exit ? p.terminationStatus : nil
    }

    /// Sends `signal` to a running node's agent (SIGHUP: reload node.json).
    func signal(_ code: String, _ signal: Int32) {
        if let p = processes[code], p.isRunning { kill(p.processIdentifier, signal) }
    }

    func restart(_ code: String, signal: Int32 = SIGTERM) throws {
        stop(code, signal: signal)
        try startOne(code)
    }

    /// Kills every agent and removes the directory (kept when ROOTSYNC_KEEP_TEST_DIRS is set).
    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        for (_, p) in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for (_, p) in processes {
            let deadline = Date().addingTimeInterval(10)
            while p.isRunning && Date() < deadline { usleep(5_000) }
        }
        processes.removeAll()
        if ProcessInfo.processInfo.environment["ROOTSYNC_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(at: base)
        }
    }

    /// Everything the agents wrote so far, for failure messages.
    func logs(_ only: [String]? = nil) -> String {
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

    // MARK: CLI on a node's directory

    @discardableResult
    func put(_ code: String, _ resource: String, _ record: JSONValue) throws -> ProcessResult {
        let r = try rootsync(["put", resource, "--dir", dir(code), "--data", record.text, "--json"])
        guard r.code == 0 else { throw HarnessError("put at \(code) failed (\(r.code)): \(r.err)") }
        return r
    }

    @discardableResult
    func putFile(_ code: String, _ resource: String, _ file: String) throws -> ProcessResult {
        let r = try rootsync(["put", resource, "--dir", dir(code), "--file", file, "--json"], timeout: 120)
        guard r.code == 0 else { throw HarnessError("put --file at \(code) failed (\(r.code)): \(r.err)") }
        return r
    }

    /// The record, or nil when the node does not hold it (`get` exits 3); other failures throw.
    func get(_ code: String, _ resource: String, _ key: String) throws -> JSONObject? {
        let r = try rootsync(["get", resource, key, "--dir", dir(code), "--json"])
        if r.code == 3 { return nil }
        guard r.code == 0, let o = try r.json().objectValue else {
            throw HarnessError("get at \(code) failed (\(r.code)): \(r.err)")
        }
        return o
    }

    func getExitCode(_ code: String, _ resource: String, _ key: String) throws -> Int32 {
        try rootsync(["get", resource, key, "--dir", dir(code)]).code
    }

    /// Waits until `code` holds the record and `matches` accepts it; returns the last record seen.
    @discardableResult
    func waitFor(_ code: String, _ resource: String, _ key: String, timeout: TimeInterval = 20,
                 _ matches: (JSONObject) -> Bool = { _ in true }) throws -> JSONObject? {
        var last: JSONObject?
        let ok = try waitUntil(timeout, interval: 0.15) {
            last = try get(code, resource, key)
            return last.map(matches) ?? false
        }
        return ok ? last : nil
    }

    /// Waits until `code` no longer holds the record.
    func waitGone(_ code: String, _ resource: String, _ key: String, timeout: TimeInterval = 20) throws -> Bool {
        try waitUntil(timeout, interval: 0.15) { try get(code, resource, key) == nil }
    }

    func sync(_ code: String) throws -> ProcessResult {
        try rootsync(["sync", "--dir", dir(code), "--json"], timeout: 120)
    }

    func conflicts(_ code: String) throws -> [JSONValue] {
        let r = try rootsync(["conflicts", "--dir", dir(code), "--json"])
        guard r.code == 0 else { throw HarnessError("conflicts at \(code) failed (\(r.code)): \(r.err)") }
        return try r.jsonLines()
    }

    /// Number of visible records of a resource (`list --json` lines).
    func count(_ code: String, _ resource: String) throws -> Int {
        let r = try rootsync(["list", resource, "--dir", dir(code), "--json"], timeout: 120)
        guard r.code == 0 else { throw HarnessError("list at \(code) failed (\(r.code)): \(r.err)") }
        return r.lines.count
    }

    // MARK: Reading a replica directly (read-only)

    func database(_ code: String) throws -> Database {
        var options = Database.Options()
        options.readOnly = true
        options.create = false
        return try Database(path: (dir(code) as NSString).appendingPathComponent("replica.sqlite"), options: options)
    }

    /// Versions stored at `code` (all, or those of one resource / record).
    func versionCount(_ code: String, resource: String, key: String? = nil) throws -> Int {
        let db = try database(code)
        if let key {
            return try db.scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_versions WHERE resource = ? AND key = ?", resource, key) ?? 0
        }
        return try db.scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_versions WHERE resource = ?", resource) ?? 0
    }

    /// The current versions of one record at `code`, in the wire format of a push.
    func wireVersions(_ code: String, _ resource: String, _ key: String) throws -> [JSONValue] {
        let db = try database(code)
        return try VersionFile(db).rows(where: "r.resource = ? AND r.key = ?", resource, key).filter(\.current).map { row -> JSONValue in
            var o = JSONObject()
            o.append("resource", .string(row.resource))
            o.append("key", .string(row.key))
            o.append("group", .string(row.group))
            o.append("actor", .string(row.actor))
            o.append("seq", .int(row.seq))
            o.append("vv", try JSONParser.parse(row.vv))
            o.append("hlc", .int(row.hlc))
            o.append("scope", .string(row.scope))
            o.append("values", try JSONParser.parse(row.values))
            return .object(o)
        }
    }

    /// Headers of a sync request made as `child` with its real credential.
    func syncHeaders(as child: String) throws -> [String: String] {
        ["X-Rootsync-Node": child, "Authorization": "Bearer \(try token(child))", "Content-Type": "application/json"]
    }
}

/// A person record.
func person(_ id: String, name: String? = nil, community: String? = nil, phone: String? = nil,
            extra: [(String, JSONValue)] = []) -> JSONValue {
    var o = JSONObject()
    o.append("id_number", .string(id))
    if let name { o.append("name", .string(name)) }
    if let community { o.append("community_code", .string(community)) }
    if let phone { o.append("phone", .string(phone)) }
    for (k, v) in extra { o.append(k, v) }
    return .object(o)
}
