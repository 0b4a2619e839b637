// rootsync-bench: rootsync against SQLite's own limits, each metric a ratio of two timings taken
// in the same run (this machine is noisy). See docs/BENCHMARKS.md for the method.
import Catalogue
import Foundation
import JSON
import Replica
import SQLite
import Standards
import Sync
import Transport

struct Options {
    var n = 500_000
    var json = false
    var reps = 5
    var keep = false
    var mode = "full"
    var series: Bool?
    var demo: String = {
        // From the repository root (Scripts/bench runs there), else next to this source tree.
        if FileManager.default.fileExists(atPath: "Topology/demo.json") { return "Topology/demo.json" }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("Topology/demo.json").path
    }()

    static let usage = """
    usage: rootsync-bench [--quick | --smoke | --n N] [--reps R] [--series | --no-series] [--json] [--keep] [--demo FILE]
      --quick   N = 20,000 (under two minutes)
      --smoke   N = 2,000, one repetition: only checks that the benchmark still runs
      --n N     N person records (default 500,000)
      --reps R  repetitions of the plain-vs-trigger insert pair (median is reported; default 5)
      --series  initial load (and peak RSS) at N/10, 2N/5 and N, not only at N (default for the full run)
      --demo F  the demo topology for propagation_ms (default Topology/demo.json; ports are replaced)
      --json    print one JSON object instead of the table
      --keep    keep the scratch directory
    """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> Int {
            i += 1
            guard i < args.count, let v = Int(args[i].replacingOccurrences(of: "_", with: "")), v > 0 else {
                FileHandle.standardError.write(Data((usage + "\n").utf8)); exit(2)
            }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--quick": o.n = 20_000; o.mode = "quick"
            case "--smoke": o.n = 2_000; o.reps = 1; o.mode = "smoke"
            case "--n": o.n = value(); o.mode = "custom"
            case "--reps": o.reps = value()
            case "--json": o.json = true
            case "--keep": o.keep = true
            case "--series": o.series = true
            case "--no-series": o.series = false
            case "--demo":
                i += 1
                guard i < args.count else { FileHandle.standardError.write(Data((usage + "\n").utf8)); exit(2) }
                o.demo = args[i]
            case "-h", "--help": print(usage); exit(0)
            default: FileHandle.standardError.write(Data("unknown argument \(args[i])\n\(usage)\n".utf8)); exit(2)
            }
            i += 1
        }
        return o
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let n = options.n
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rootsync-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { if !options.keep { try? FileManager.default.removeItem(at: dir) } }
func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
func log(_ s: String) { if !options.json { FileHandle.standardError.write(Data((s + "\n").utf8)) } }

let catalogue = try Catalogue.bundledDefault()
let divisions = DivisionTable.bundled
func node(_ code: String) -> NodeIdentity {
    NodeIdentity(code: code, name: code, level: DivisionCode.level(ofShape: code)!, parent: DivisionCode.hierarchyParent(of: code))
}
func newReplica(_ code: String) throws -> Replica {
    try Replica.create(path: path("\(code)-\(UUID().uuidString).sqlite"), node: node(code), catalogue: catalogue, divisions: divisions)
}

let totalStart = ContinuousClock.now
log("rootsync-bench: N = \(n), SQLite \(Database.libraryVersion), scratch \(dir.path)")
let rows = PersonRow.generate(n)

// MARK: 1. Capture: plain SQL inserts into a replica's person table (triggers on) vs a plain table.

var plainTimes: [Double] = []
var triggerTimes: [Double] = []
var plainCPUs: [Double] = []
var captureSeconds = 0.0
var captureCPU = 0.0
var capturedRecords = 0
for rep in 0..<options.reps {
    let replica = try newReplica(PersonRow.community)
    // The inserts come from another program's connection, as an integrator's would.
    let writer = try Database(path: replica.path)
    let ddl = try Bench.personDDL(of: replica)
    let plain = try Bench.plainDatabase(path("plain-\(rep).sqlite"), ddl: ddl)
    // Alternate the order so neither side always runs on a warmer (or busier) machine.
    if rep % 2 == 0 {
        plainTimes.append(try Bench.seconds { try Bench.insert(rows, into: plain) })
        plainCPUs.append(Bench.lastCPU)
        triggerTimes.append(try Bench.seconds { try Bench.insert(rows, into: writer) })
    } else {
        triggerTimes.append(try Bench.seconds { try Bench.insert(rows, into: writer) })
        plainTimes.append(try Bench.seconds { try Bench.insert(rows, into: plain) })
        plainCPUs.append(Bench.lastCPU)
    }
    guard try Bench.count(plain, "SELECT count(*) FROM person") == n,
          try Bench.count(writer, "SELECT count(*) FROM _rs_capture") == n else {
        throw BenchFailure("capture: row counts do not match N")
    }
    log(String(format: "  capture rep %d: plain %.3f s, with triggers %.3f s", rep + 1, plainTimes.last!, triggerTimes.last!))
    if rep == options.reps - 1 {
        // Turn the captured writes into versions, once (it takes far longer than the inserts).
        captureSeconds = try Bench.seconds { capturedRecords = try replica.captureExternalWrites() }
        captureCPU = Bench.lastCPU
        let invalid = try replica.invalidWrites().count
        let versions = try replica.storageCounts().versions
        guard capturedRecords == n, invalid == 0, versions == 4 * n else {
            throw BenchFailure("capture: \(capturedRecords) records captured, \(invalid) invalid, \(versions) versions (expected \(n), 0, \(4 * n))")
        }
        log(String(format: "  captureExternalWrites: %.3f s (%d records, %d versions)", captureSeconds, capturedRecords, versions))
    }
}
let plainInsert = Bench.median(plainTimes)
let triggerInsert = Bench.median(triggerTimes)
let captureTriggerRatio = triggerInsert / plainInsert
let captureTotalRatio = (triggerInsert + captureSeconds) / plainInsert

// MARK: 2. Apply a delta of N new persons vs sqlite3changeset_apply of the same rows.

let author = try newReplica(PersonRow.community)
let putSeconds = try Bench.seconds {
    try author.putAll("person", rows.enumerated().lazy.map { (line: $0.offset + 1, patch: $0.element.patch) })
}
let putCPU = Bench.lastCPU
let putOverheadRatio = putSeconds / plainInsert
let replicaBytes = try author.storageBytes()
log(String(format: "  putAll at %@: %.3f s; replica file %d bytes (%.0f per person)", PersonRow.community, putSeconds, replicaBytes, Double(replicaBytes) / Double(n)))

// The receiver: a new district that pulls from its city and serves two streets, so every
// version received is also checked against the version vectors, put in the change feed and
// routed (to street 150603002). Batches of 1,000 versions, as a sync round pulls them.
let district = try newReplica("150603")
try district.setLinks(parent: "150600", children: ["150603001", "150603002"])
let batchSize = 1_000
var applySeconds = 0.0
var applyCPU = 0.0
var deltaVersions = 0
var wireJSONBytes = 0
var wireGzipBytes = 0
var position: Int64 = 0
while true {
    let page = try author.feed(after: position, limit: batchSize)   // not timed
    if page.isEmpty { break }
    position = page.last!.position
    let versions = page.map(\.version)
    deltaVersions += versions.count
    // The pull answer's payload as the parent's server would send it (gzip level 6), not timed.
    let body = Array(JSONValue.object(JSONObject([("versions", VersionBatch.encode(versions))])).text.utf8)
    wireJSONBytes += body.count
    wireGzipBytes += Gzip.compress(body).count
    applySeconds += try Bench.seconds { _ = try district.apply(versions, from: "150600") }
    applyCPU += Bench.lastCPU
}
let applied = try district.storageCounts().records["person"] ?? 0
let routed = try district.routesPending(child: "150603002")
// A route names a run (one write of a record): one per person here.
guard applied == n, deltaVersions == 4 * n, routed == n else {
    throw BenchFailure("apply: \(applied) persons, \(deltaVersions) versions, \(routed) routes (expected \(n), \(4 * n), \(n))")
}
log(String(format: "  apply: %.3f s for %d versions (%.1f µs/version)", applySeconds, deltaVersions, applySeconds * 1e6 / Double(deltaVersions)))

// The same rows, exactly as the replica stores them, recorded by SQLite's session extension on a
// plain table with the same columns and indexes, then applied into an empty copy of that table.
let ddl = try Bench.personDDL(of: author)
let changeset = try Bench.changeset(from: Database(path: author.path), ddl: ddl, scratch: path("changeset-source.sqlite"))
let target = try Bench.plainDatabase(path("changeset-target.sqlite"), ddl: ddl)
let changesetSeconds = try Bench.seconds { try target.applyChangeset(changeset) }
let changesetCPU = Bench.lastCPU
guard try Bench.count(target, "SELECT count(*) FROM person") == n else { throw BenchFailure("changeset: row count is not N") }
log(String(format: "  sqlite3changeset_apply: %.3f s, changeset %d bytes", changesetSeconds, changeset.count))
let applyRatio = applySeconds / changesetSeconds
let wirePayloadRatio = Double(wireGzipBytes) / Double(changeset.count)

// MARK: 3. `rootsync import` of a CSV file vs the sqlite3 shell's .import of the same file.

let importRows = Array(rows.prefix(min(n, 100_000)))
let imports = try ImportComparison.run(rows: importRows, reps: min(options.reps, 3), base: path("import"), ddl: ddl, log: log)

// MARK: 4. Real agents on loopback: initial load (+ peak RSS, wire bytes), no-op round, propagation.

let loadSizes = (options.series ?? (options.mode == "full")) ? [n / 10, 2 * n / 5, n] : [n]
let noopRounds = options.mode == "smoke" ? 3 : 20
log("  agents: \(Cluster.rootsync)")
let (loads, noop) = try Cluster.initialLoads(rows: rows, sizes: loadSizes, base: path("load"), noopRounds: noopRounds, ddl: ddl, log: log)
let load = loads.last!
let propagationSamples = try Cluster.propagation(demoTopology: options.demo, base: path("demo"),
                                                 records: PersonRow.generate(options.mode == "smoke" ? 2 : 10),
                                                 log: log)
let propagationMS = Bench.median(propagationSamples)
let noopMS = noop.map { Bench.median($0.samplesMS) } ?? -1

// MARK: Report

let totalSeconds = { let d = ContinuousClock.now - totalStart; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }()
func r3(_ x: Double) -> JSONValue { .number(String(format: "%.3f", x)) }
func r1(_ x: Double) -> JSONValue { .number(String(format: "%.1f", x)) }

if options.json {
    let o = JSONObject([
        ("n", .int(n)), ("mode", .string(options.mode)), ("reps", .int(options.reps)),
        ("sqlite_version", .string(Database.libraryVersion)),
        ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)),
        ("capture_overhead_ratio", r3(captureTotalRatio)),
        ("capture_trigger_ratio", r3(captureTriggerRatio)),
        ("capture_total_ratio", r3(captureTotalRatio)),
        ("put_overhead_ratio", r3(putOverheadRatio)),
        ("import_vs_sqlite3_ratio", r3(imports.ratio)),
        ("import_rows", .int(imports.rows)),
        ("replica_bytes", .int(Int(replicaBytes))),
        ("replica_bytes_per_person", r1(Double(replicaBytes) / Double(n))),
        ("apply_vs_changeset_ratio", r3(applyRatio)),
        ("initial_load_ratio", r3(load.ratio)),
        ("wire_bytes_ratio", r3(load.wireRatio)),
        ("wire_payload_ratio", r3(wirePayloadRatio)),
        ("peak_rss_mb", .object(JSONObject([("parent", r1(load.parentPeakMB)), ("child", r1(load.childPeakMB))]))),
        ("propagation_ms", r1(propagationMS)),
        ("noop_sync_ms", r3(noopMS)),
        ("loads", .array(loads.map { l in .object(JSONObject([
            ("n", .int(l.n)), ("load_seconds", r3(l.loadSeconds)), ("plain_insert_seconds", r3(l.plainSeconds)),
            ("initial_load_ratio", r3(l.ratio)), ("wire_bytes_to_parent", .int(l.toParent)), ("wire_bytes_from_parent", .int(l.fromParent)),
            ("changeset_bytes", .int(l.changesetBytes)), ("wire_bytes_ratio", r3(l.wireRatio)),
            ("peak_rss_mb", .object(JSONObject([("parent", r1(l.parentPeakMB)), ("child", r1(l.childPeakMB))]))),
        ])) })),
        ("propagation_samples_ms", .array(propagationSamples.map { r1($0) })),
        ("noop_samples_ms", .array((noop?.samplesMS ?? []).map { r3($0) })),
        // The same divisions in CPU seconds of the working thread or process (a second reading;
        // the ratios above are wall-clock, as the issue asks).
        ("cpu_ratios", .object(JSONObject([
            ("capture_external_writes_vs_plain", r3(captureCPU / Bench.median(plainCPUs))),
            ("put_all_vs_plain", r3(putCPU / Bench.median(plainCPUs))),
            ("import_vs_sqlite3", r3(imports.rootsyncCPU / imports.sqliteCPU)),
            ("apply_vs_changeset", r3(applyCPU / changesetCPU)),
            ("initial_load_child", r3(load.childCPU / load.plainCPU)),
            ("initial_load_parent", r3(load.parentCPU / load.plainCPU)),
        ]))),
        ("cpu_seconds", .object(JSONObject([
            ("plain_insert", r3(Bench.median(plainCPUs))), ("capture_external_writes", r3(captureCPU)), ("put_all", r3(putCPU)),
            ("import_rootsync", r3(imports.rootsyncCPU)), ("import_sqlite3", r3(imports.sqliteCPU)),
            ("apply", r3(applyCPU)), ("changeset_apply", r3(changesetCPU)),
            ("load_child", r3(load.childCPU)), ("load_parent", r3(load.parentCPU)), ("load_plain_insert", r3(load.plainCPU)),
        ]))),
        ("seconds", .object(JSONObject([
            ("plain_insert", r3(plainInsert)), ("trigger_insert", r3(triggerInsert)),
            ("capture_external_writes", r3(captureSeconds)), ("put_all", r3(putSeconds)),
            ("import_rootsync", r3(imports.rootsyncSeconds)), ("import_sqlite3", r3(imports.sqliteSeconds)),
            ("apply", r3(applySeconds)), ("changeset_apply", r3(changesetSeconds)), ("total", r3(totalSeconds)),
        ]))),
        ("bytes", .object(JSONObject([
            ("changeset", .int(changeset.count)), ("wire_json", .int(wireJSONBytes)), ("wire_gzip", .int(wireGzipBytes)),
        ]))),
        ("delta_versions", .int(deltaVersions)),
    ])
    print(JSONValue.object(o).text)
} else {
    func row(_ name: String, _ value: String, _ what: String) {
        print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + value.padding(toLength: 9, withPad: " ", startingAt: 0) + what)
    }
    print("rootsync-bench  N = \(n) persons (\(deltaVersions) versions), SQLite \(Database.libraryVersion), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(options.reps) rep(s)")
    print(String(repeating: "-", count: 100))
    row("metric", "value", "what it divides (target)")
    row("capture_trigger_ratio", String(format: "%.3f", captureTriggerRatio),
        String(format: "INSERTs into replica person, triggers on %.3f s ÷ plain table %.3f s (medians)", triggerInsert, plainInsert))
    row("capture_overhead_ratio", String(format: "%.3f", captureTotalRatio),
        String(format: "same + captureExternalWrites %.3f s (rows → versions) ÷ plain %.3f s (≤ 1.3)", captureSeconds, plainInsert))
    row("put_overhead_ratio", String(format: "%.3f", putOverheadRatio),
        String(format: "putAll (rootsync's own write path) %.3f s ÷ plain %.3f s (≤ 3); CPU %.3f", putSeconds, plainInsert, putCPU / Bench.median(plainCPUs)))
    row("import_vs_sqlite3_ratio", String(format: "%.3f", imports.ratio),
        String(format: "rootsync import %.3f s ÷ sqlite3 .import %.3f s, %d-row CSV (≤ 4); CPU %.3f", imports.rootsyncSeconds, imports.sqliteSeconds, imports.rows, imports.rootsyncCPU / imports.sqliteCPU))
    row("replica_bytes", String(replicaBytes),
        String(format: "the community replica holding %d persons: %.0f bytes per person", n, Double(replicaBytes) / Double(n)))
    row("apply_vs_changeset_ratio", String(format: "%.3f", applyRatio),
        String(format: "Replica.apply %.3f s (batches of %d) ÷ sqlite3changeset_apply %.3f s (≤ 1.0)", applySeconds, batchSize, changesetSeconds))
    row("initial_load_ratio", String(format: "%.3f", load.ratio),
        String(format: "new district pulling %d persons over HTTP %.3f s ÷ plain insert %.3f s (≤ 3)", load.n, load.loadSeconds, load.plainSeconds))
    row("wire_bytes_ratio", String(format: "%.3f", load.wireRatio),
        "bytes on the wire \(load.toParent) up + \(load.fromParent) down ÷ changeset \(load.changesetBytes) B (≤ 0.5)")
    row("wire_payload_ratio", String(format: "%.3f", wirePayloadRatio),
        "gzip'd pull payloads only \(wireGzipBytes) B (JSON \(wireJSONBytes) B) ÷ changeset \(changeset.count) B")
    for l in loads {
        row("peak_rss_mb N=\(l.n)", String(format: "%.1f", max(l.parentPeakMB, l.childPeakMB)),
            String(format: "city (parent) %.1f MB, district (child) %.1f MB; load %.2f s, ratio %.2f (< 150, flat)", l.parentPeakMB, l.childPeakMB, l.loadSeconds, l.ratio))
    }
    row("propagation_ms", String(format: "%.0f", propagationMS),
        String(format: "community 150603002001 put → row at the city, demo topology, 15 agents; median of %d (min %.0f, max %.0f) (< 1000)",
               propagationSamples.count, propagationSamples.min()!, propagationSamples.max()!))
    if let noop {
        row("noop_sync_ms", String(format: "%.2f", noopMS),
            String(format: "one round, district and city both holding %d persons; median of %d (min %.2f, max %.2f) (< 20)",
                   noop.n, noop.samplesMS.count, noop.samplesMS.min()!, noop.samplesMS.max()!))
    }
    print(String(repeating: "-", count: 100))
    print(String(format: "total %.1f s", totalSeconds))
}
