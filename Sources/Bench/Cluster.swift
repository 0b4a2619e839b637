import Foundation
import JSON
import Node
import Replica
import SQLite
import Standards
import TestSupport

/// Real `rootsync` agent processes on loopback: the initial load of a new district from its
/// city, a no-op round against the loaded city, and propagation in the demo topology.
enum Cluster {
    /// `rootsync` from the same build as this bench (`swift build` puts both in one directory).
    static let rootsync: String = (try? RootsyncExecutable.path()) ?? "rootsync"

    /// Starts a program with its output appended to `log`.
    static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess {
        try ChildProcess(executable, arguments, stdout: log, stderr: log)
    }

    /// Runs a program to its end (an hour at most), output appended to `log`: its status, peak RSS, CPU.
    static func finish(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess.Exit {
        let p = try spawn(executable, arguments, log: log)
        guard let exit = p.wait(timeout: 3600) else {
            p.stop(SIGKILL)
            throw BenchFailure("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) did not finish within an hour")
        }
        return exit
    }

    static func run(_ arguments: [String], log: String) throws {
        let status = try finish(rootsync, arguments, log: log).status
        guard status == 0 else { throw BenchFailure("rootsync \(arguments.joined(separator: " ")) exited with \(status); see \(log)") }
    }

    static func writeTopology(_ path: String, name: String, nodes: [[String: String]]) throws {
        let list: [JSONValue] = nodes.map { n in
            .object(JSONObject(["code", "name", "level", "parent", "listen"].compactMap { k in n[k].map { (k, JSONValue.string($0)) } }))
        }
        let o = JSONObject([("name", .string(name)), ("description", .string("rootsync-bench")), ("nodes", .array(list))])
        try Data((JSONValue.object(o).text + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    static func count(_ path: String, _ sql: String) throws -> Int {
        let db = try Database(path: path)
        return try db.scalarInt(sql) ?? -1
    }

    // MARK: Initial load

    struct LoadResult {
        var n: Int
        var loadSeconds: Double
        var plainSeconds: Double
        var toParent: Int
        var fromParent: Int
        var changesetBytes: Int
        var parentPeakMB: Double
        var childPeakMB: Double
        var pulled: Int
        /// CPU seconds of the plain insert, the district's `rootsync sync` and the city during the load.
        var plainCPU: Double
        var childCPU: Double
        var parentCPU: Double
        var ratio: Double { loadSeconds / plainSeconds }
        var wireRatio: Double { Double(toParent + fromParent) / Double(changesetBytes) }
    }

    struct NoopResult {
        var n: Int
        var samplesMS: [Double]
    }

    /// City 150600 serving (`rootsync serve`), a new district 150603 (`rootsync sync`: one round,
    /// which pulls page after page until the parent has no more) through a byte-counting proxy.
    /// The city grows to each size in turn; every size gets a new, empty district and a freshly
    /// started city process, so each peak RSS belongs to that size alone. After the last size the
    /// city keeps serving for `noopRounds` no-op rounds of the loaded district.
    static func initialLoads(rows: [PersonRow], sizes: [Int], base: String, noopRounds: Int,
                             ddl: [String], log: (String) -> Void) throws -> ([LoadResult], NoopResult?) {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let cityPort = try Loopback.freePort()
        let districtPort = try Loopback.freePort(avoiding: [cityPort])
        let topology = (base as NSString).appendingPathComponent("load.json")
        try writeTopology(topology, name: "bench-load", nodes: [
            ["code": "150600", "name": "city", "level": "city", "listen": "127.0.0.1:\(cityPort)"],
            ["code": "150603", "name": "district", "level": "district", "parent": "150600", "listen": "127.0.0.1:\(districtPort)"],
            ["code": "150603001", "name": "street 1", "level": "street", "parent": "150603"],
            ["code": "150603002", "name": "street 2", "level": "street", "parent": "150603"],
        ])
        let logFile = (base as NSString).appendingPathComponent("agents.log")
        let nodes = (base as NSString).appendingPathComponent("nodes")
        func dir(_ code: String) -> String { (nodes as NSString).appendingPathComponent(code) }
        func replicaPath(_ code: String) -> String { (dir(code) as NSString).appendingPathComponent("replica.sqlite") }
        try run(["up", topology, "--dir", nodes, "--no-serve"], log: logFile)
        let proxy = try CountingProxy(upstream: cityPort)
        defer { proxy.stop() }

        var results: [LoadResult] = []
        var noop: NoopResult?
        var written = 0
        for size in sizes.sorted() {
            // Grow the city to `size` persons (rootsync's own write path, as `put --file` does).
            let grow = try Bench.seconds {
                let city = try Replica.open(path: replicaPath("150600"), divisions: DivisionTable.bundled)
                _ = try city.putAll("person", rows[written..<size].enumerated().lazy.map { (line: $0.offset + 1, patch: $0.element.patch) })
            }
            log(String(format: "  load N = %d: city written in %.1f s (not timed)", size, grow))
            written = size
            // A new, empty district, enrolled as `up` does, pulling through the proxy.
            // (--reenroll: the district is new on purpose, so its links get new credentials.)
            try? FileManager.default.removeItem(atPath: dir("150603"))
            try run(["up", topology, "--dir", nodes, "--no-serve", "--reenroll"], log: logFile)
            var config = try NodeConfig.load(directory: dir("150603"))
            config.parentURL = "http://127.0.0.1:\(proxy.port)"
            try config.save()

            let city = try spawn(rootsync, ["serve", "--dir", dir("150600")], log: logFile)
            defer { city.stop() }
            try Loopback.waitListening(cityPort)

            // The denominator, measured right before the load: the same rows into a plain table.
            let plainPath = (base as NSString).appendingPathComponent("plain-\(size).sqlite")
            let plain = try Bench.plainDatabase(plainPath, ddl: ddl)
            let plainSeconds = try Bench.seconds { try Bench.insert(Array(rows[0..<size]), into: plain) }
            let plainCPU = Bench.lastCPU

            proxy.reset()
            let parentCPUBefore = city.cpuSeconds()
            var child = ChildProcess.Exit(status: 0, peakRSSMB: 0, cpuSeconds: 0)
            let loadSeconds = try Bench.seconds { child = try finish(rootsync, ["sync", "--dir", dir("150603")], log: logFile) }
            guard child.status == 0 else { throw BenchFailure("load: rootsync sync exited with \(child.status); see \(logFile)") }
            let wire = proxy.bytes
            let parentPeak = city.peakRSSMB()
            let parentCPU = city.cpuSeconds() - parentCPUBefore
            let persons = try count(replicaPath("150603"), "SELECT count(*) FROM person")
            let versions = try count(replicaPath("150603"), "SELECT coalesce(sum(n), 0) FROM _rs_version")
            let routes = try count(replicaPath("150603"), "SELECT count(*) FROM _rs_route")
            // A route names a run: each person's four versions arrive as one write, one route.
            guard persons == size, versions == 4 * size, routes == size else {
                throw BenchFailure("load: district holds \(persons) persons, \(versions) versions, \(routes) routes (expected \(size), \(4 * size), \(size))")
            }
            let changesetBytes = try Bench.changeset(from: Database(path: replicaPath("150600")), ddl: ddl,
                                                     scratch: (base as NSString).appendingPathComponent("changeset-\(size).sqlite")).count
            let r = LoadResult(n: size, loadSeconds: loadSeconds, plainSeconds: plainSeconds, toParent: wire.toParent,
                               fromParent: wire.fromParent, changesetBytes: changesetBytes, parentPeakMB: parentPeak,
                               childPeakMB: child.peakRSSMB, pulled: versions,
                               plainCPU: plainCPU, childCPU: child.cpuSeconds, parentCPU: parentCPU)
            results.append(r)
            log(String(format: "  load N = %d: %.2f s (plain insert %.3f s, ratio %.1f); wire %d B up + %d B down, changeset %d B (ratio %.3f); peak RSS city %.1f MB, district %.1f MB; CPU district %.2f s, city %.2f s",
                       size, loadSeconds, plainSeconds, r.ratio, wire.toParent, wire.fromParent, changesetBytes, r.wireRatio, parentPeak, child.peakRSSMB, child.cpuSeconds, parentCPU))
            try? FileManager.default.removeItem(atPath: plainPath)

            if size == sizes.max()!, noopRounds > 0 {
                // One full round (hello, have, push check, pull) of the loaded district, straight to
                // the city, exactly as `rootsync sync` and the agent's loop run it, in this process.
                var config = try NodeConfig.load(directory: dir("150603"))
                config.parentURL = "http://127.0.0.1:\(cityPort)"
                let runtime = try AgentRuntime(config: config, options: .init(), log: .fromEnvironment(verbose: false))
                var samples: [Double] = []
                for _ in 0..<noopRounds {
                    var report: SyncRound.Report?
                    samples.append(1000 * (try Bench.seconds { report = try runtime.syncOnce() }))
                    guard let report, report.pushed == 0, report.pulled == 0 else { throw BenchFailure("no-op round moved versions: \(String(describing: report))") }
                }
                noop = NoopResult(n: size, samplesMS: samples)
                log(String(format: "  no-op round, parent and child holding %d persons: median %.2f ms (min %.2f, max %.2f, %d rounds)",
                           size, Bench.median(samples), samples.min()!, samples.max()!, samples.count))
            }
        }
        return (results, noop)
    }

    // MARK: Propagation in the demo topology

    /// Topology/demo.json on free ports, all 15 agents serving; a person put at community
    /// 150603002001 until the city's replica has the row. Returns milliseconds per record.
    static func propagation(demoTopology: String, base: String, records: [PersonRow], log: (String) -> Void) throws -> [Double] {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        guard let data = FileManager.default.contents(atPath: demoTopology),
              var topo = try JSONParser.parse(bytes: Array(data)).objectValue, let nodes = topo["nodes"]?.arrayValue else {
            throw BenchFailure("cannot read \(demoTopology)")
        }
        var rewritten: [JSONValue] = []
        var used = Set<UInt16>()
        for n in nodes {
            guard var o = n.objectValue else { continue }
            if o["listen"]?.stringValue != nil {
                let port = try Loopback.freePort(avoiding: used)
                used.insert(port)
                o["listen"] = .string("127.0.0.1:\(port)")
            }
            rewritten.append(.object(o))
        }
        topo["nodes"] = .array(rewritten)
        let topology = (base as NSString).appendingPathComponent("demo.json")
        try Data((JSONValue.object(topo).text + "\n").utf8).write(to: URL(fileURLWithPath: topology))
        let dirs = (base as NSString).appendingPathComponent("nodes")
        let logFile = (base as NSString).appendingPathComponent("agents.log")
        try run(["up", topology, "--dir", dirs, "--no-serve"], log: logFile)
        var agents: [ChildProcess] = []
        defer { for a in agents.reversed() { a.stop() } }
        for n in rewritten {
            guard let code = n["code"]?.stringValue else { continue }
            agents.append(try spawn(rootsync, ["serve", "--dir", (dirs as NSString).appendingPathComponent(code)], log: logFile))
        }
        for n in rewritten {
            if let l = n["listen"]?.stringValue, let port = UInt16(l.split(separator: ":").last ?? "") { try Loopback.waitListening(port) }
        }
        Thread.sleep(forTimeInterval: 1.5)  // first rounds of every agent settle
        let community = try Replica.open(path: "\(dirs)/150603002001/replica.sqlite", divisions: DivisionTable.bundled)
        let city = try Database(path: "\(dirs)/150600/replica.sqlite")
        var samples: [Double] = []
        for r in records {
            let start = ContinuousClock.now
            _ = try community.put("person", r.patch)
            let deadline = start + .seconds(30)
            while try city.scalarInt("SELECT count(*) FROM person WHERE id_number = ?", r.id) != 1 {
                guard ContinuousClock.now < deadline else { throw BenchFailure("propagation: \(r.id) not at the city after 30 s; see \(logFile)") }
                usleep(2_000)
            }
            let d = ContinuousClock.now - start
            samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            Thread.sleep(forTimeInterval: 0.5)
        }
        log(String(format: "  propagation community → city: median %.0f ms (min %.0f, max %.0f, %d records, 15 agents)",
                   Bench.median(samples), samples.min()!, samples.max()!, samples.count))
        return samples
    }
}
