import Foundation
import TestSupport
import SQLite

/// `rootsync import` of a CSV file against the `sqlite3` shell's `.import` of the same file into
/// a plain table with the same columns and indexes (issue 12). Both are separate processes timed
/// from spawn to exit, start-up included, alternating which runs first; medians of `reps`.
enum ImportComparison {
    struct Result {
        var rows: Int
        var rootsyncSeconds: Double
        var sqliteSeconds: Double
        var rootsyncCPU: Double
        var sqliteCPU: Double
        var ratio: Double { rootsyncSeconds / sqliteSeconds }
    }

    static func run(rows: [PersonRow], reps: Int, base: String, ddl: [String], log: (String) -> Void) throws -> Result {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let csv = (base as NSString).appendingPathComponent("persons.csv")
        var text = "id_number,name,sex,birth_date,community_code,phone\n"
        for r in rows { text += "\(r.id),\(r.name),\(r.sex),\(r.birthDate),\(r.community),\(r.phone)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
        let topology = (base as NSString).appendingPathComponent("import.json")
        try Cluster.writeTopology(topology, name: "bench-import", nodes: [
            ["code": "150600", "name": "city", "level": "city", "listen": "127.0.0.1:\(try Loopback.freePort())"],
        ])
        let logFile = (base as NSString).appendingPathComponent("import.log")
        let sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let sqlite3 else { throw BenchFailure("import: the sqlite3 shell is missing (Scripts/install-deps installs it)") }

        var ours: [(Double, Double)] = [], theirs: [(Double, Double)] = []
        for rep in 0..<reps {
            let nodes = (base as NSString).appendingPathComponent("nodes-\(rep)")
            try Cluster.run(["up", topology, "--dir", nodes, "--no-serve"], log: logFile)
            let city = (nodes as NSString).appendingPathComponent("150600")
            let plain = (base as NSString).appendingPathComponent("plain-\(rep).sqlite")
            _ = try Bench.plainDatabase(plain, ddl: ddl)
            func rootsyncSide() throws {
                var r = ChildProcess.Exit(status: 0, peakRSSMB: 0, cpuSeconds: 0)
                let s = try Bench.seconds { r = try Cluster.finish(Cluster.rootsync, ["import", "person", csv, "--dir", city], log: logFile) }
                guard r.status == 0 else { throw BenchFailure("import: rootsync import exited with \(r.status); see \(logFile)") }
                ours.append((s, r.cpuSeconds))
            }
            func sqliteSide() throws {
                var r = ChildProcess.Exit(status: 0, peakRSSMB: 0, cpuSeconds: 0)
                let s = try Bench.seconds { r = try Cluster.finish(sqlite3, [plain, ".import --csv --skip 1 \(csv) person"], log: logFile) }
                guard r.status == 0 else { throw BenchFailure("import: sqlite3 .import exited with \(r.status); see \(logFile)") }
                theirs.append((s, r.cpuSeconds))
            }
            if rep % 2 == 0 { try rootsyncSide(); try sqliteSide() } else { try sqliteSide(); try rootsyncSide() }
            let imported = try Cluster.count((city as NSString).appendingPathComponent("replica.sqlite"), "SELECT count(*) FROM person")
            let versions = try Cluster.count((city as NSString).appendingPathComponent("replica.sqlite"), "SELECT coalesce(sum(n), 0) FROM _rs_version")
            let plainRows = try Cluster.count(plain, "SELECT count(*) FROM person")
            guard imported == rows.count, versions == 4 * rows.count, plainRows == rows.count else {
                throw BenchFailure("import: rootsync holds \(imported) persons and \(versions) versions, sqlite3 \(plainRows) rows (expected \(rows.count), \(4 * rows.count), \(rows.count))")
            }
            log(String(format: "  import rep %d: rootsync import %.3f s, sqlite3 .import %.3f s (%d rows)", rep + 1, ours.last!.0, theirs.last!.0, rows.count))
            try? FileManager.default.removeItem(atPath: nodes)
            try? FileManager.default.removeItem(atPath: plain)
        }
        return Result(rows: rows.count, rootsyncSeconds: Bench.median(ours.map(\.0)), sqliteSeconds: Bench.median(theirs.map(\.0)),
                      rootsyncCPU: Bench.median(ours.map(\.1)), sqliteCPU: Bench.median(theirs.map(\.1)))
    }
}
