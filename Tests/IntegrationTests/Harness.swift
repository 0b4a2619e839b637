// Harness for the integration tests: real `rootsync` processes on loopback, one per node, each
// with its own SQLite replica in a temporary directory. Every wait is bounded by a deadline and
// every process started here is killed when the hierarchy is shut down (or deallocated). The
// processes, ports and the hierarchy itself come from TestSupport.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Replica
import SQLite
import Standards
import TestSupport

// MARK: Small helpers

typealias HarnessError = SupportError
typealias ProcessResult = ProgramResult

/// One runner for every program these tests run (each call's files in a directory of its own, removed after).
let programs: ProgramRunner = {
    do { return try ProgramRunner() } catch { fatalError("no program runner: \(error)") }
}()

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

/// Runs the `rootsync` CLI.
func rootsync(_ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    try programs.run(try RootsyncExecutable.path(), arguments, timeout: timeout)
}

/// An HTTP exchange through the system curl binary; throws when no connection could be made.
func curl(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
          bodyFile: String? = nil, extra: [String] = [], timeout: TimeInterval = 60) throws -> CurlResult {
    let result = try programs.curl(method, url, headers: headers, body: body, bodyFile: bodyFile, extra: extra, timeout: timeout)
    guard result.status > 0 else { throw HarnessError("curl \(method) \(url) failed: \(result.body)") }
    return result
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
/// on ports picked at run time, `rootsync up --no-serve`, then one `rootsync serve` per node
/// (TestSupport's `AgentHierarchy`, with the CLI and replica helpers the tests use).
typealias Hierarchy = AgentHierarchy

extension AgentHierarchy {
    /// Nodes as (code, parent); the level follows from the code (6 digits ending 00: city,
    /// 6: district, 9: street, 12: community). The directory goes when the hierarchy does.
    convenience init(_ spec: [(String, String?)], interval: Double = 1) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rootsync-int-\(UUID().uuidString)")
        try self.init(base: base, binary: try RootsyncExecutable.path(), nodes: spec.map { HierarchyNode(code: $0.0, parent: $0.1) },
                      interval: interval, name: "integration", label: "测试")
        removesDirectoryWhenDone = true
        stopGrace = 40
    }

    /// A 4-level chain city → district → street → community.
    static func chain(interval: Double = 1) throws -> Hierarchy {
        try Hierarchy([("150600", nil), ("150603", "150600"), ("150603002", "150603"), ("150603002001", "150603002")], interval: interval)
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
