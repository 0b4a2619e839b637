// One seeded chaos run: a real multi-process hierarchy, random writes and faults, then healing
// and the invariants of the sync design checked against the oracle. See docs/RELIABILITY.md.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Replica
import SQLite
import Standards
import TestSupport

public struct ChaosOptions: Sendable {
    public var seed: UInt64 = 1
    public var steps = 80
    /// Where the run's directories go (a fresh subdirectory per seed); removed unless `keep`.
    public var baseDirectory = FileManager.default.temporaryDirectory.path
    public var keep = false
    /// The `rootsync` executable to drive.
    public var binary = ""
    /// The agents' idle round interval in seconds.
    public var interval = 1.0
    /// How long healing may take before the run is declared not convergent.
    public var healTimeout: TimeInterval = 120
    /// Print each action as it happens.
    public var verbose = false
    /// The hierarchy: the demo's 15 nodes, or 9 (one street per district).
    public var topology = ChaosTopology.fifteen
    /// Restore the street as a VM snapshot or a file-level backup of its whole directory would:
    /// the database copied back in place *with the lease file of the same moment*. The documented
    /// procedure (docs/OPERATIONS.md) restores only replica.sqlite; this variant is off by default.
    public var restoreWithLease = false
    /// Harness self-test only: damage the healed replicas before the checks, to show that the
    /// checks see it. Never used by Scripts/chaos.
    public var sabotage: [Sabotage] = []
    public init() {}
}

/// Damage done on purpose after healing, so a test can prove that each check can fail.
public enum Sabotage: String, CaseIterable, Sendable {
    /// Delete one stored version at a community (an accepted write lost).
    case dropVersion = "drop-version"
    /// Change one visible field of a record at a street (a wrong winner, divergence).
    case alterRow = "alter-row"
    /// Mark a group in conflict that is not (a false conflict).
    case falseConflict = "false-conflict"

    public var invariant: Invariant {
        switch self {
        case .dropVersion: return .noLostWrite
        case .alterRow: return .sameWinner
        case .falseConflict: return .noFalseConflict
        }
    }
}

/// The invariants checked, in report order.
public enum Invariant: String, CaseIterable, Sendable {
    case convergence = "convergence"
    case noLostWrite = "no lost write"
    case noSilentOverwrite = "no silent overwrite"
    case noFalseConflict = "no false conflict"
    case sameWinner = "same winner everywhere"
    case deletesPropagate = "deletes propagate"
    case purgedStayGone = "purged tombstones stay gone"
    case jurisdiction = "jurisdiction"
    case dotUniqueness = "dot uniqueness"
    case restoreEpoch = "restore takes a new epoch"
    case idempotence = "idempotent replays"
    case hostilePushes = "hostile pushes refused"
    case clockBounds = "clock bounds"
    case oneAgent = "one agent per replica"
    case diskFull = "disk full fails cleanly"
    case quiet = "heals and goes quiet"
}

public struct ChaosReport: Sendable {
    public var seed: UInt64
    public var steps: Int
    public var seconds: Double = 0
    public var actions: [String: Int] = [:]
    public var faults: [String] = []
    public var checks: [Invariant: Int] = [:]
    public var violations: [(Invariant, String)] = []
    public var oracleVersions = 0
    public var records = 0
    public var lostByRestore = 0
    public var openConflicts = 0
    public var deletedRecords = 0
    /// Deleted records the hierarchy purged as causally stable (purge notices at the root).
    public var purgedRecords = 0
    public var directory: String
    public var restoreWithLease = false
    public var nodes = 15
    public var logs = ""
    public var passed: Bool { violations.isEmpty }

    public var text: String {
        var t = "rootsync chaos — seed \(seed), \(nodes) nodes, \(steps) steps, \(String(format: "%.1f", seconds)) s: \(passed ? "PASS" : "FAIL")\n"
        t += "  actions: " + actions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        t += "  oracle: \(oracleVersions) accepted versions of \(records) records; at the end \(openConflicts) records with open conflicts, \(deletedRecords) deleted, \(purgedRecords) purged"
        t += lostByRestore > 0 ? "; \(lostByRestore) versions written only to the street after its backup, legitimately lost by the restore\n" : "\n"
        t += "  faults:\n" + faults.map { "    - \($0)" }.joined(separator: "\n") + (faults.isEmpty ? "    (none)\n" : "\n")
        t += "  invariants:\n"
        for inv in Invariant.allCases {
            let bad = violations.filter { $0.0 == inv }
            t += "    \(bad.isEmpty ? "ok  " : "FAIL") \(inv.rawValue): \(checks[inv, default: 0]) checks" + (bad.isEmpty ? "" : ", \(bad.count) violations") + "\n"
            for (_, d) in bad.prefix(8) { t += "         \(d)\n" }
            if bad.count > 8 { t += "         … \(bad.count - 8) more\n" }
        }
        if !passed {
            t += "  reproduce: Scripts/chaos --seed \(seed) --nodes \(nodes) --steps \(steps)\(restoreWithLease ? " --restore-with-lease" : "") --keep   (directory of this run: \(directory))\n"
            if !logs.isEmpty { t += "  agent logs (tails):\n" + logs }
        }
        return t
    }
}

public enum Chaos {
    /// Ctrl-C or SIGTERM: kill every agent and take down every tmpfs the run mounted.
    public static func interrupted() {
        AgentRegistry.shared.killAll()
        DiskFull.mounted.unmountAll()
    }

    /// Runs one seed. Throws only when the harness itself cannot run (build missing, no ports…);
    /// everything rootsync does wrong ends up in the report.
    public static func run(_ options: ChaosOptions) throws -> ChaosReport {
        let run = try ChaosRun(options)
        defer { run.finish() }
        return try run.execute()
    }

}

final class ChaosRun {
    let options: ChaosOptions
    var rng: SplitMix64
    let cluster: AgentHierarchy
    var report: ChaosReport
    let started = Date()

    /// Every accepted version, by dot.
    var oracle: [String: StoredVersion] = [:]
    var writer: [String: String] = [:]                // dot → node that wrote it
    var writtenAt: [String: Int] = [:]                // dot → step
    /// Dots a writer used twice (after a restore that kept its epoch): both contents are wrong
    /// somewhere, so they are reported once and left out of the per-node content check.
    var reused: Set<String> = []
    /// Versions the restore may legitimately have destroyed (written only at the street after its backup).
    var lostAllowed: Set<String> = []
    /// Purge notices seen on any node: key → what is gone of it (actor → counter).
    var purged: [String: [String: Int64]] = [:]
    var records: [String: String] = [:]               // key → scope
    var recordOrder: [String] = []
    var usedKeys: Set<String> = []
    var restartAt: [String: Int] = [:]                // node → step at which to start it again
    var capturedCursors: [(child: String, cursor: String)] = []
    var snapshot: (street: String, path: String, step: Int)?
    var restored = false
    var step = 0
    /// The community that sends forged pushes now and then (it also works honestly).
    var hostile = ""
    /// Dots of the forged versions: none may land anywhere.
    var forged: Set<String> = []
    /// The community whose clock was set hours ahead, and from which step.
    var skewed: (code: String, step: Int)?
    /// Versions the skewed community wrote with its clock ahead: its parent refuses them, so they
    /// stay there (set aside), and no other node may hold them.
    var localOnly: Set<String> = []
    /// A community whose clock runs a few minutes behind (within the allowed drift) all run long.
    var slightlyBehind = ""
    /// The street whose directory is on a small tmpfs that fills up for a few steps.
    var disk: DiskFull?
    var diskNode = ""
    /// How the last refused CLI write ended.
    var lastRefusal: ProgramResult?
    /// The slow, lossy proxy one street reaches its district through.
    var lossy: LossyLink?
    var lossyChild = ""

    var codes: [String] { cluster.nodes.map(\.code) }
    var communities: [String] { cluster.nodes.filter { $0.level == "community" }.map(\.code) }
    var streets: [String] { cluster.nodes.filter { $0.level == "street" }.map(\.code) }
    var middles: [String] { cluster.nodes.filter { n in cluster.nodes.contains { $0.parent == n.code } }.map(\.code) }

    init(_ options: ChaosOptions) throws {
        self.options = options
        // The harness's generator has always begun one SplitMix64 step in: seeds keep their schedules.
        rng = SplitMix64(seed: options.seed &+ 0x9E37_79B9_7F4A_7C15)
        let dir = URL(fileURLWithPath: options.baseDirectory).appendingPathComponent("rootsync-chaos-seed\(options.seed)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.removeItem(at: dir)
        let binary = options.binary.isEmpty ? try RootsyncExecutable.path() : options.binary
        cluster = try AgentHierarchy(base: dir, binary: binary, nodes: options.topology.nodes, interval: options.interval,
                                     name: "chaos", label: "混沌测试")
        report = ChaosReport(seed: options.seed, steps: options.steps, directory: dir.path)
        report.restoreWithLease = options.restoreWithLease
        report.nodes = options.topology.rawValue
    }

    func finish() {
        cluster.stopAll(signal: SIGKILL)
        lossy?.stop()
        disk?.dismount()
        cluster.shutdown(removing: !options.keep)
    }

    func log(_ text: String) { if options.verbose { print("  [\(step)] \(text)") } }
    func count(_ action: String) { report.actions[action, default: 0] += 1 }
    func fault(_ text: String) { report.faults.append("step \(step): \(text)"); log("FAULT " + text) }
    func violation(_ inv: Invariant, _ text: String) { report.violations.append((inv, text)); log("VIOLATION \(inv.rawValue): \(text)") }
    func check(_ inv: Invariant, _ n: Int = 1) { report.checks[inv, default: 0] += n }

    // MARK: The run

    func execute() throws -> ChaosReport {
        let snapshotStep = rng.int(options.steps / 5...max(options.steps / 5, options.steps * 2 / 5))
        let restoreStep = rng.int(snapshotStep + max(2, options.steps / 5)...max(snapshotStep + 2, options.steps * 4 / 5))
        let restoreStreet = rng.pick(streets)
        hostile = rng.pick(communities)
        let skewStep = rng.int(1...max(1, options.steps / 2))
        let skewCommunity = rng.pick(communities.filter { $0 != hostile })
        slightlyBehind = rng.pick(communities.filter { $0 != hostile && $0 != skewCommunity })
        if let lib = Self.fakeTime {
            // Four minutes behind: inside the ten minutes of drift a parent allows, so nothing changes.
            cluster.environment[slightlyBehind] = ["LD_PRELOAD": lib, "FAKETIME": "-4m", "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
        }
        diskNode = rng.pick(streets.filter { $0 != restoreStreet })
        let fillStep = rng.int(options.steps / 4...max(options.steps / 4, options.steps * 3 / 4))
        let freeStep = fillStep + rng.int(2...5)
        do { disk = try DiskFull(directory: cluster.dir(diskNode), megabytes: 32) } catch { fault("disk full skipped: \(error)") }
        lossyChild = rng.pick(streets)
        try routeThroughLossyLink(lossyChild)
        try purgeAtOnce()
        for code in codes { try cluster.start(code) }
        for s in 1...options.steps {
            step = s
            for (code, at) in restartAt where at <= s { restartAt[code] = nil; try restart(code) }
            if s == snapshotStep { try takeSnapshot(restoreStreet) }
            if s == restoreStep { try restore() }
            if s == skewStep { try skewClock(skewCommunity) }
            if s == fillStep { try fillDisk() }
            if s == freeStep, let disk { disk.free(); fault("\(diskNode)'s disk has room again") }
            try randomAction()
            usleep(UInt32(rng.int(0...120)) * 1000)
        }
        step = options.steps + 1
        try heal()
        if let lossy { fault("the link of \(lossyChild) to its parent, through a slow lossy proxy all run: \(lossy.summary)") }
        try sabotage()
        try verify()
        try checkClocks()
        try checkForgeries()
        if disk != nil {
            check(.diskFull)
            let result = try cluster.database(diskNode).scalarText("PRAGMA quick_check") ?? ""
            if result != "ok" { violation(.diskFull, "\(diskNode)'s replica, once its disk had room again: quick_check says \(result)") }
        }
        report.seconds = Date().timeIntervalSince(started)
        if !report.passed {
            report.logs = codes.map { cluster.logTail($0, lines: 6) }.joined()
        }
        return report
    }

    func randomAction() throws {
        let roll = rng.int(0..<100)
        switch roll {
        case 0..<13: try create()
        case 13..<39: try update()
        case 39..<46: try editTags()
        case 46..<51: try delete()
        case 51..<59: try offlineEdits()
        case 59..<64: try syncRound()
        case 64..<72: try killAgent()
        case 72..<76: try cutLink()
        case 76..<84: try replay()
        case 84..<87: try probeJurisdiction()
        case 87..<92: try hostilePush()
        case 92..<94: try secondAgent()
        default:
            count("pause")
            usleep(UInt32(rng.int(100...800)) * 1000)
        }
    }

    // MARK: Writes and the oracle

    static let names = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十", "巴特尔", "其其格", "乌兰", "娜仁花"]
    static let tagWords = ["低保", "独居老人", "残疾", "退役军人", "留守儿童"]
    static let streetsOf = ["幸福路", "团结街", "民族路", "北环路", "康和路"]

    func newKey(community: String) -> String {
        while true {
            let n = usedKeys.count
            let body = String(community.prefix(6)) + String(format: "%04d%02d%02d%03d", 1950 + (n / 336) % 50, 1 + (n / 28) % 12, 1 + n % 28, rng.int(0..<1000))
            let key = CitizenID.complete(body)!
            if usedKeys.insert(key).inserted { return key }
        }
    }

    func phone() -> String { "13" + String(format: "%09d", rng.int(0..<1_000_000_000)) }
    func address() -> String { "\(rng.pick(Self.streetsOf))\(rng.int(1...200))号\(rng.int(1...30))-\(rng.int(101...2604))" }

    /// Nodes whose jurisdiction holds `scope`, from the city down.
    func holders(of scope: String) -> [String] { cluster.nodes.filter { $0.holds(scope: scope) }.map(\.code) }

    func create() throws {
        let node = rng.chance(0.6) ? rng.pick(communities) : rng.pick(codes.filter { $0.count < 12 })
        let community = rng.pick(communities.filter { cluster.node(node).holds(scope: $0) })
        let key = newKey(community: community)
        var o = JSONObject()
        o.append("id_number", .string(key))
        o.append("name", .string(rng.pick(Self.names)))
        o.append("community_code", .string(community))
        if rng.chance(0.6) { o.append("residence_address", .string(address())) }
        if rng.chance(0.5) { o.append("phone", .string(phone())) }
        if rng.chance(0.3) { o.append("tags", .array([.string(rng.pick(Self.tagWords))])) }
        if try write(node, key, ["put", "person", "--dir", cluster.dir(node), "--data", JSONValue.object(o).text, "--json"], action: "create") {
            records[key] = community
            recordOrder.append(key)
        }
    }

    /// A random existing record, preferring recent ones (more contention), and a node above it.
    func pickRecord() -> (key: String, scope: String)? {
        guard !recordOrder.isEmpty else { return nil }
        for _ in 0..<4 {
            let i = rng.chance(0.5) ? max(0, recordOrder.count - 1 - rng.int(0..<min(5, recordOrder.count))) : rng.int(0..<recordOrder.count)
            let key = recordOrder[i]
            if !isDeletedInOracle(key) { return (key, records[key]!) }
        }
        return nil
    }

    /// What the accepted writes say so far (the nodes may not all know yet).
    func isDeletedInOracle(_ key: String) -> Bool {
        let e = MergeRules.expected(oracle.values.filter { $0.key == key && !lostAllowed.contains($0.dot) })
        return e.deleted && !e.visible
    }

    /// A deleted record written again in full: a re-creation (concurrent with the delete where the
    /// writer had not seen it).
    func recreate() throws {
        let deleted = recordOrder.filter { isDeletedInOracle($0) }
        guard !deleted.isEmpty else { return try create() }
        let key = rng.pick(deleted)
        let scope = records[key]!
        let node = pickWriter(scope, cityWeight: 0.1)
        let o: JSONValue = ["id_number": .string(key), "name": .string(rng.pick(Self.names)), "community_code": .string(scope)]
        _ = try write(node, key, ["put", "person", "--dir", cluster.dir(node), "--data", o.text, "--json"], action: "re-create")
    }

    func pickWriter(_ scope: String, cityWeight: Double) -> String {
        let hs = holders(of: scope)
        if rng.chance(cityWeight) { return hs[0] }
        if rng.chance(0.6) { return hs.last! }
        return rng.pick(Array(hs.dropFirst().dropLast()))
    }

    func update(at fixed: String? = nil, record: (key: String, scope: String)? = nil, groups: [String]? = nil) throws {
        guard let (key, scope) = record ?? pickRecord() else { return try (rng.chance(0.5) ? recreate() : create()) }
        // The city edits its authoritative groups of records the communities also edit.
        var node = pickWriter(scope, cityWeight: 0.35)
        if let snap = snapshot, !restored, cluster.node(snap.street).holds(scope: scope), rng.chance(0.3) { node = snap.street }
        if let fixed { node = fixed }
        var o = JSONObject()
        o.append("id_number", .string(key))
        let level = cluster.node(node).level
        let group = groups.map { rng.pick($0) } ?? (level == "city" ? rng.pick(["identity", "identity", "household"]) : rng.pick(["identity", "residence", "contact", "contact", "status"]))
        switch group {
        case "identity":
            o.append("name", .string(rng.pick(Self.names)))
            if rng.chance(0.3) { o.append("ethnicity", .string(rng.pick(["01", "02"]))) }
        case "household": o.append("household_address", .string("鄂尔多斯市" + address()))
        case "residence": o.append("residence_address", .string(address()))
        case "contact": o.append("phone", .string(phone()))
        default:
            o.append("marital_status", .string(rng.pick(["10", "20", "40"])))
            o.append("political_status", .string(rng.pick(["01", "13"])))
        }
        _ = try write(node, key, ["put", "person", "--dir", cluster.dir(node), "--data", JSONValue.object(o).text, "--json"], action: "update \(group)")
    }

    func editTags() throws {
        guard let (key, scope) = pickRecord() else { return try (rng.chance(0.5) ? recreate() : create()) }
        let node = pickWriter(scope, cityWeight: 0.25)
        let tags = Self.tagWords.filter { _ in rng.chance(0.35) }
        let o: JSONValue = ["id_number": .string(key), "tags": .array(tags.map { .string($0) })]
        _ = try write(node, key, ["put", "person", "--dir", cluster.dir(node), "--data", o.text, "--json"], action: "tags")
    }

    func delete() throws {
        guard let (key, scope) = pickRecord() else { return try (rng.chance(0.5) ? recreate() : create()) }
        let node = pickWriter(scope, cityWeight: 0.15)
        _ = try write(node, key, ["delete", "person", key, "--dir", cluster.dir(node)], action: "delete")
    }

    /// Runs one CLI write at `node` and records the versions it produced in the oracle. Before the
    /// write it notes every version of the record the node holds; the new versions' vectors must
    /// cover them (a write never ignores what its writer had seen: no false conflict, no lost write).
    @discardableResult
    func write(_ node: String, _ key: String, _ args: [String], action: String) throws -> Bool {
        let before = try cluster.database(node)
        let maxID = try before.scalarInt("SELECT COALESCE(MAX(id), 0) FROM _rs_version") ?? 0
        var seen: [String: [(actor: String, seq: Int64)]] = [:]
        for row in try VersionFile(before).rows(where: "r.resource = 'person' AND r.key = ?", key) {
            seen[row.group, default: []].append((row.actor, row.seq))
        }
        let r = try cluster.cli(args, environment: cluster.environment[node] ?? [:])
        guard r.code == 0 else {
            lastRefusal = r
            count("\(action) refused")
            log("\(action) at \(node) of \(key) refused: \(r.err.split(separator: "\n").first ?? "")")
            // A refused write stores nothing: whatever it did store is accepted all the same.
            var stored: [StoredVersion] = []
            try StoredVersion.all(try cluster.database(node), where: "v.id > ? AND v.link = 0 AND r.key = ?", Int64(maxID), key) { v, _ in stored.append(v) }
            if !stored.isEmpty {
                violation(node == diskNode ? .diskFull : .noLostWrite, "\(action) at \(node) of \(key) exited \(r.code) but stored \(stored.map(\.dot)): \(r.err.prefix(200))")
                for v in stored { oracle[v.dot] = v; writer[v.dot] = node; writtenAt[v.dot] = step }
            }
            return false
        }
        count(action)
        let db = try cluster.database(node)
        var new: [StoredVersion] = []
        try StoredVersion.all(db, where: "v.id > ? AND v.link = 0 AND r.key = ?", Int64(maxID), key) { v, _ in new.append(v) }
        log("\(action) at \(node) of \(key): \(new.map { "\($0.group) \($0.dot)" }.joined(separator: ", "))")
        for v in new {
            check(.dotUniqueness)
            if skewed?.code == node { localOnly.insert(v.dot) }
            if let earlier = oracle[v.dot], !earlier.sameContent(v), lostAllowed.contains(v.dot) {
                // A counter of a version the restore destroyed everywhere: reusing it collides with nothing.
                lostAllowed.remove(v.dot)
            } else if let earlier = oracle[v.dot], !earlier.sameContent(v) {
                violation(.dotUniqueness, "\(node) reused \(v.dot): it named \(earlier.group) of \(earlier.key) (\(earlier.values)) at step \(writtenAt[v.dot] ?? 0) and now \(v.group) of \(v.key) (\(v.values))")
                reused.insert(v.dot)
            }
            writtenAt[v.dot] = step
            oracle[v.dot] = v
            writer[v.dot] = node
            let mustCover = v.group == "_exists" ? seen.values.flatMap { $0 } : seen[v.group] ?? []
            check(.noFalseConflict)
            for d in mustCover where (v.vv[d.actor] ?? 0) < d.seq {
                violation(.noFalseConflict, "\(action) at \(node): new version \(v.group) \(v.dot) of \(key) has vector \(v.vv) that does not cover \(d.actor)#\(d.seq), which the writer held")
            }
        }
        // The write stored what was asked: each field given is in the new version of its group,
        // a tag edit leaves exactly the tags given, a delete writes a tombstone.
        check(.noLostWrite)
        if args[0] == "delete" {
            if !new.contains(where: { $0.group == "_exists" && $0.isDelete }) {
                violation(.noLostWrite, "delete of \(key) at \(node) succeeded but wrote no tombstone: \(new.map(\.dot))")
            }
        } else if let i = args.firstIndex(of: "--data"), let patch = try? JSONParser.parse(args[i + 1]).objectValue {
            for (field, value) in patch where field != "id_number" {
                guard let group = PersonCatalogue.groups.first(where: { $0.fields.contains(field) })?.name,
                      let v = new.first(where: { $0.group == group }) else { continue }
                if field == "tags" {
                    let asked = Set(value.arrayValue?.compactMap(\.stringValue) ?? [])
                    let stored = Set(MergeRules.tagElements(v).map { String($0.split(separator: "\u{1}")[0]) })
                    if asked != stored { violation(.noLostWrite, "tag edit of \(key) at \(node) asked for \(asked.sorted()) but \(v.dot) holds \(stored.sorted())") }
                } else if (try? JSONParser.parse(v.values))?[field] != value {
                    violation(.noLostWrite, "\(field) of \(key) written at \(node) as \(value.text) but \(v.dot) holds \(v.values)")
                }
            }
        }
        if rng.chance(0.12) {
            // Kill an agent at a random moment while the write is on its way up or down.
            usleep(UInt32(rng.int(0...150)) * 1000)
            try killAgent(reason: "right after a write")
        }
        return true
    }

    /// A community goes offline (SIGKILL) and edits a record while the city (or its district)
    /// edits the same record: the city's authoritative groups, the community's own, tags, or a
    /// delete against an update. Concurrent by construction; restarted 0–2 steps later.
    func offlineEdits() throws {
        guard let (key, scope) = pickRecord() else { return try create() }
        let community = holders(of: scope).last!
        let other = rng.chance(0.7) ? holders(of: scope)[0] : rng.pick(Array(holders(of: scope).dropFirst().dropLast()))
        count("offline edits")
        if cluster.isRunning(community) {
            cluster.stop(community, signal: SIGKILL)
            let delay = rng.int(0...2)
            if delay > 0 { restartAt[community] = step + delay }
            fault("\(community) offline (SIGKILL) while it and \(other) both edit \(key)" + (delay == 0 ? "" : "; back \(delay) steps later"))
            defer { if delay == 0 { try? restart(community) } }
            try concurrentPair(key, scope, community, other)
        } else {
            try concurrentPair(key, scope, community, other)
        }
    }

    private func concurrentPair(_ key: String, _ scope: String, _ community: String, _ other: String) throws {
        let kind = rng.int(0..<10)
        switch kind {
        case 0..<5:
            let g = rng.pick(["identity", "identity", "household", "contact", "status"])
            try update(at: community, record: (key, scope), groups: [g])
            try update(at: other, record: (key, scope), groups: [g])
        case 5..<7:
            let tags = { Self.tagWords.filter { _ in self.rng.chance(0.4) } }
            for node in [community, other] {
                let o: JSONValue = ["id_number": .string(key), "tags": .array(tags().map { .string($0) })]
                _ = try write(node, key, ["put", "person", "--dir", cluster.dir(node), "--data", o.text, "--json"], action: "tags")
            }
        case 7..<9:
            let (deleter, updater) = rng.chance(0.5) ? (community, other) : (other, community)
            _ = try write(deleter, key, ["delete", "person", key, "--dir", cluster.dir(deleter)], action: "delete")
            try update(at: updater, record: (key, scope), groups: ["identity", "contact", "status"])
        default:
            try update(at: community, record: (key, scope), groups: ["residence", "contact"])
            try update(at: other, record: (key, scope), groups: ["identity", "household"])
        }
    }

    // MARK: Faults

    func restart(_ code: String) throws {
        try cluster.start(code)
        log("restarted \(code)")
    }

    func killAgent(reason: String = "") throws {
        let code = rng.pick(codes)
        let delay = rng.int(0...3)
        count("kill -9")
        guard cluster.isRunning(code) else { return }
        cluster.stop(code, signal: SIGKILL)
        fault("SIGKILL \(code)" + (reason.isEmpty ? "" : " \(reason)") + (delay == 0 ? ", restarted at once" : ", restarted \(delay) steps later"))
        if delay == 0 { try restart(code) } else { restartAt[code] = step + delay }
    }

    func cutLink() throws {
        let code = rng.pick(middles)
        let steps = rng.int(3...8)
        count("link cut")
        guard cluster.isRunning(code) else { return }
        cluster.stop(code, signal: SIGTERM)
        restartAt[code] = step + steps
        fault("link cut: parent \(code) stopped for \(steps) steps (its children keep writing and retrying)")
    }

    func syncRound() throws {
        let code = rng.pick(codes.filter { cluster.node($0).parent != nil })
        let r = try cluster.cli(["sync", "--dir", cluster.dir(code), "--json"], timeout: 60)
        count(r.code == 0 ? "sync round" : "sync round failed")
        log("rootsync sync at \(code): exit \(r.code) \(r.code == 0 ? r.out.trimmingCharacters(in: .whitespacesAndNewlines) : String(r.err.prefix(160)))")
    }

    func takeSnapshot(_ street: String) throws {
        let path = cluster.base.appendingPathComponent("backup-\(street).sqlite").path
        // The lease first: a lease no newer than the database it sits beside is a consistent pair.
        let lease = cluster.databasePath(street) + "-actor"
        if FileManager.default.fileExists(atPath: lease) {
            try? FileManager.default.removeItem(atPath: path + "-actor")
            try FileManager.default.copyItem(atPath: lease, toPath: path + "-actor")
        }
        let db = try cluster.database(street)
        try db.execute("VACUUM INTO '\(path)'")
        let epoch = try db.scalarText("SELECT value FROM _rs_meta WHERE name = 'epoch'") ?? "?"
        snapshot = (street, path, step)
        fault("backup of street \(street) taken online (VACUUM INTO), epoch \(epoch)")
    }

    /// Restores the street from its backup: SIGKILL, replace the database (in place or as a new
    /// file), keep the lease; on restart it must take a new epoch.
    func restore() throws {
        guard let snap = snapshot else { return }
        let street = snap.street
        cluster.stop(street, signal: SIGKILL)
        restartAt[street] = nil
        // The street's last writes before its disk fails never leave it.
        for _ in 0..<rng.int(0...2) {
            let mine = recordOrder.filter { cluster.node(street).holds(scope: records[$0]!) && !isDeletedInOracle($0) }
            guard !mine.isEmpty else { break }
            let key = rng.pick(mine)
            try update(at: street, record: (key, records[key]!), groups: ["identity", "contact", "status"])
        }
        usleep(300_000)   // let a parent finish applying a batch it was given before the kill
        let oldEpoch = try NodeState.read(try cluster.database(street), node: cluster.node(street)).epoch
        // The write generation (bumped by every transaction that stores versions): a backup behind
        // it lacks versions the street had stored, so peers may have seen counters it lacks.
        let generationNow = Int(try cluster.database(street).scalarText("SELECT value FROM _rs_meta WHERE name = 'generation'") ?? "0") ?? 0
        // Versions this street wrote that its backup lacks and that no other node holds are gone
        // for good: an operator restoring a backup loses them. Everything else must survive.
        let backup = try cluster.database(street, path: snap.path)
        let generationThen = Int(try backup.scalarText("SELECT value FROM _rs_meta WHERE name = 'generation'") ?? "0") ?? 0
        var inBackup = Set<String>()
        try StoredVersion.all(backup) { v, _ in inBackup.insert(v.dot) }
        var elsewhere = Set<String>()
        for code in codes where code != street {
            try StoredVersion.all(try cluster.database(code)) { v, _ in elsewhere.insert(v.dot) }
        }
        let candidates = oracle.keys.filter { writer[$0] == street && !inBackup.contains($0) }
        let lost = candidates.filter { !elsewhere.contains($0) }
        lostAllowed.formUnion(lost)
        let withLease = options.restoreWithLease
        // With its lease the street cannot know at start-up: what its lost future left at its
        // neighbours is what tells it, at its first exchange with them.
        let evidence = withLease ? try leaseEvidence(street, backup: backup) : []
        let inPlace = withLease || rng.chance(0.5)
        let target = cluster.databasePath(street)
        if withLease {
            let lease = try Data(contentsOf: URL(fileURLWithPath: snap.path + "-actor"))
            try lease.write(to: URL(fileURLWithPath: target + "-actor"))
        }
        for suffix in ["-wal", "-shm"] { unlink(target + suffix) }
        let data = try Data(contentsOf: URL(fileURLWithPath: snap.path))
        if inPlace {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
            try h.truncate(atOffset: 0)
            try h.write(contentsOf: data)
            try h.close()
        } else {
            let temp = target + ".restore"
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, target) == 0 else { throw ChaosError("rename \(temp) failed") }
        }
        try cluster.start(street)
        var newEpoch = try NodeState.read(try cluster.database(street), node: cluster.node(street)).epoch
        var learned = ""
        if withLease && !evidence.isEmpty {
            // Its first rounds with its parent and its children (1 s apart) must find out.
            let deadline = Date().addingTimeInterval(max(20, 10 * options.interval))
            while newEpoch <= oldEpoch && Date() < deadline {
                usleep(200_000)
                newEpoch = try NodeState.read(try cluster.database(street), node: cluster.node(street)).epoch
            }
            learned = newEpoch > oldEpoch ? "; learned at its first exchanges (\(evidence.joined(separator: "; ")))" : ""
        }
        restored = true
        check(.restoreEpoch)
        fault("street \(street) restored from its backup of step \(snap.step) (\(withLease ? "database copied back in place together with its lease, as a VM snapshot or directory backup would" : inPlace ? "copied over the file in place, same inode" : "replaced by a new file")); epoch \(oldEpoch) → \(newEpoch)\(learned); \(candidates.count) versions it wrote after the backup, \(lost.count) of them held nowhere else (lost with the restore)")
        if withLease {
            if evidence.isEmpty {
                fault("the lost future of \(street) left nothing at any neighbour (no write held elsewhere, no cursor beyond its backup's): keeping the epoch is safe, and it kept \(newEpoch)")
            } else if newEpoch <= oldEpoch {
                violation(.restoreEpoch, "street \(street), rolled back together with its lease, kept epoch \(newEpoch) \(Int(max(20, 10 * options.interval))) s after restarting although its neighbours hold its lost future: \(evidence.joined(separator: "; "))")
            }
        } else if generationThen < generationNow && newEpoch <= oldEpoch {
            violation(.restoreEpoch, "street \(street) restored from an older copy (write generation \(generationThen), it had reached \(generationNow)) kept epoch \(newEpoch): counters could be reused")
        } else if generationThen >= generationNow {
            fault("the backup of \(street) was not behind (write generation \(generationThen) both times: no version stored since), so keeping the epoch is allowed")
        }
        report.lostByRestore = lost.count
        count("restore")
        // Write at once with the restored database: these counters must not collide with lost ones.
        let mine = recordOrder.filter { cluster.node(street).holds(scope: records[$0]!) && !isDeletedInOracle($0) }
        if !mine.isEmpty {
            let key = rng.pick(mine)
            try update(at: street, record: (key, records[key]!), groups: ["identity", "contact", "status"])
        }
    }

    /// Duplicated requests: a child's own versions pushed twice to its parent; a pull replayed with
    /// a cursor the child sent earlier; a forged version outside the child's subtree (must be 403).
    func replay() throws {
        let child = rng.pick(codes.filter { cluster.node($0).parent != nil })
        let parent = cluster.node(child).parent!
        let headers = ["X-Rootsync-Node": child, "Authorization": "Bearer \(try cluster.token(child))",
                       "X-Rootsync-Protocol": "1", "Content-Type": "application/json"]
        let db = try cluster.database(child)
        let kind = rng.int(0..<3)
        if kind == 2 {
            // Pull with an old cursor of this child (or its current one), twice.
            let current = try db.scalarText("SELECT value FROM _rs_meta WHERE name = 'sync.pull_cursor'") ?? "null"
            capturedCursors.append((child, current))
            let mine = capturedCursors.filter { $0.child == child }
            let cursor = rng.pick(mine).cursor
            for _ in 0..<2 {
                let r = try cluster.runner.curl("POST", cluster.url(parent) + "/v1/sync/pull", headers: headers, body: "{\"cursor\":\(cursor),\"limit\":200}")
                if r.status == 0 { count("replay pull (parent down)"); return }
                check(.idempotence)
                if r.status != 200 { violation(.idempotence, "replayed pull of \(child) at \(parent) with cursor \(cursor) answered \(r.status): \(r.body.prefix(200))") }
            }
            count("replay pull")
            fault("pull of \(child) replayed twice with a \(cursor == current ? "current" : "stale") cursor")
            return
        }
        // A replay is of what the parent already received: versions it has not may name counters
        // it does not hold yet (the child sends those first), and a parent refuses such a vector.
        var parentHas: [String: Int64] = [:]
        try cluster.database(parent).forEach("SELECT a.name, h.seq FROM _rs_have h JOIN _rs_actor a ON a.id = h.actor WHERE a.name LIKE ?",
                                             child + ":%") { parentHas[$0.string(0)] = $0.int64(1) }
        let own = try VersionFile(db).rows(where: "v.link = 0 AND a.name LIKE ? AND r.resource = 'person'", child + ":%")
            .filter { $0.seq <= parentHas[$0.actor] ?? 0 || kind == 1 }
            .sorted { ($0.actor, $0.seq) < ($1.actor, $1.seq) }.prefix(1000).map { row -> JSONValue in
            var o = JSONObject()
            o.append("resource", "person")
            o.append("key", .string(row.key))
            o.append("group", .string(row.group))
            o.append("actor", .string(row.actor))
            o.append("seq", .int(row.seq))
            o.append("vv", (try? JSONParser.parse(row.vv)) ?? .null)
            o.append("hlc", .int(row.hlc))
            o.append("scope", .string(row.scope))
            o.append("values", (try? JSONParser.parse(row.values)) ?? .null)
            return .object(o)
        }
        guard !own.isEmpty else { count("replay (nothing to send)"); return }
        if kind == 1 {
            // A forged version: a real one of this child moved to a scope outside its subtree.
            guard let last = own.last?.objectValue else { return }
            let outside = communities.first { !cluster.node(child).holds(scope: $0) }!
            let seq = (last["seq"]?.int64Value ?? 1) + 1_000_000
            var forged = JSONObject()
            for (k, v) in last {
                switch k {
                case "scope": forged.append(k, .string(outside))
                case "seq": forged.append(k, .int(seq))
                case "vv": forged.append(k, .object(JSONObject([(last["actor"]!.stringValue!, .int(seq))])))
                default: forged.append(k, v)
                }
            }
            let body: JSONValue = ["versions": [.object(forged)]]
            let r = try cluster.runner.curl("POST", cluster.url(parent) + "/v1/sync/push", headers: headers, body: body.text)
            if r.status == 0 { count("forged push (parent down)"); return }
            check(.jurisdiction)
            count("forged push")
            if r.status != 403 { violation(.jurisdiction, "a push by \(child) of a version with scope \(outside) outside its subtree answered \(r.status), not 403: \(r.body.prefix(200))") }
            return
        }
        let body: JSONValue = ["versions": .array(own)]
        var answers: [(Int64, Int64)] = []
        for _ in 0..<2 {
            let r = try cluster.runner.curl("POST", cluster.url(parent) + "/v1/sync/push", headers: headers, body: body.text)
            if r.status == 0 { count("replay push (parent down)"); return }
            check(.idempotence)
            guard r.status == 200, let o = try? JSONParser.parse(r.body) else {
                violation(.idempotence, "replayed push of \(own.count) versions of \(child) to \(parent) answered \(r.status): \(r.body.prefix(200))")
                return
            }
            answers.append((o["applied"]?.int64Value ?? -1, o["skipped"]?.int64Value ?? -1))
        }
        count("replay push")
        fault("push of \(child)'s \(own.count) own versions replayed twice to \(parent): applied \(answers[0].0)/skipped \(answers[0].1), then applied \(answers[1].0)/skipped \(answers[1].1)")
        if answers[1].0 != 0 || answers[1].1 != Int64(own.count) {
            violation(.idempotence, "the same push of \(own.count) versions by \(child), sent a second time, applied \(answers[1].0) and skipped \(answers[1].1)")
        }
    }

    /// A write outside the node's jurisdiction must be refused and leave nothing behind.
    func probeJurisdiction() throws {
        let node = rng.pick(codes.filter { DivisionCode.level(ofShape: $0) != .city })
        guard let outside = communities.first(where: { !cluster.node(node).holds(scope: $0) }) else { return }
        let key = newKey(community: outside)
        let o: JSONValue = ["id_number": .string(key), "name": "越权", "community_code": .string(outside)]
        let r = try cluster.cli(["put", "person", "--dir", cluster.dir(node), "--data", o.text, "--json"])
        let held = try cluster.database(node).scalarInt("SELECT COUNT(*) FROM _rs_versions WHERE key = ?", key) ?? 0
        check(.jurisdiction)
        count("jurisdiction probe")
        if r.code == 0 || held > 0 {
            violation(.jurisdiction, "\(node) accepted a record of community \(outside) (exit \(r.code), \(held) versions stored)")
        }
    }

    // MARK: Harsher faults

    /// The root purges stable tombstones with no retention, so that the run sees purges.
    func purgeAtOnce() throws {
        guard let root = cluster.nodes.first(where: { $0.parent == nil }) else { return }
        let path = (cluster.dir(root.code) as NSString).appendingPathComponent("node.json")
        guard var o = try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue else {
            throw ChaosError("\(path) is not a JSON object")
        }
        o["tombstone_retention_days"] = .int(0)
        try Data(JSONValue.object(o).text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Points the street's `parent_url` at a slow, lossy proxy in front of its parent, for the
    /// whole run (the agents are not started yet).
    func routeThroughLossyLink(_ code: String) throws {
        guard let parent = cluster.node(code).parent, let upstream = cluster.ports[parent] else { return }
        let link = try LossyLink(upstream: upstream, seed: options.seed)
        let path = (cluster.dir(code) as NSString).appendingPathComponent("node.json")
        guard var o = try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue else {
            throw ChaosError("\(path) is not a JSON object")
        }
        o["parent_url"] = .string("http://127.0.0.1:\(link.port)")
        try Data(JSONValue.object(o).text.utf8).write(to: URL(fileURLWithPath: path))
        lossy = link
        fault("\(code) reaches \(parent) through a slow, lossy proxy (0–200 ms a chunk; of the chunks coming back one in twenty is dropped with the connection, one in twenty cut in half)")
    }

    /// The street's tmpfs is filled to the last byte. A write there now fails cleanly (exit 1, a
    /// message saying the disk is full in both languages, nothing stored) or, while SQLite still
    /// has room inside its files, succeeds like any other; its agent's rounds fail and retry.
    func fillDisk() throws {
        guard let disk else { return }
        try disk.fill()
        count("disk full")
        fault("\(diskNode)'s disk filled up (tmpfs, every free byte taken)")
        let before = try cluster.database(diskNode).scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_version") ?? 0
        lastRefusal = nil
        // A complete new record: the disk is the only reason it could be refused (an update of a
        // record the street has not received yet would be refused as incomplete).
        let community = rng.pick(communities.filter { cluster.node(diskNode).holds(scope: $0) })
        let key = newKey(community: community)
        let o: JSONValue = ["id_number": .string(key), "name": .string(rng.pick(Self.names)), "community_code": .string(community)]
        if try write(diskNode, key, ["put", "person", "--dir", cluster.dir(diskNode), "--data", o.text, "--json"], action: "create") {
            records[key] = community
            recordOrder.append(key)
        }
        check(.diskFull)
        guard let r = lastRefusal else { fault("a write at \(diskNode) with its disk full still succeeded (room inside SQLite's files)"); return }
        let after = try cluster.database(diskNode).scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_version") ?? 0
        let message = r.err.lowercased()
        let bilingual = r.err.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
        fault("a write at \(diskNode) with its disk full: exit \(r.code): \(r.err.split(separator: "\n").first ?? "")")
        if r.code != 1 || !message.contains("the disk is full") || !bilingual || after != before {
            violation(.diskFull, "a write at \(diskNode) with its disk full exited \(r.code) (versions \(before) → \(after)): \(r.err.prefix(300))")
        }
    }

    /// libfaketime, which the harness preloads into a node's processes to move its clock
    /// (Scripts/install-deps installs it); nil when it is not there.
    static let fakeTime: String? = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
                                    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"]
        .first { FileManager.default.fileExists(atPath: $0) }

    /// A community's clock jumps three hours ahead (its agent restarted under libfaketime, and
    /// every later write there too). Its parent must refuse what it writes from then on with a
    /// clear error, version by version; it keeps receiving everything; no other clock moves.
    func skewClock(_ code: String) throws {
        guard let lib = Self.fakeTime else {
            fault("clock skew skipped: libfaketime is not installed (Scripts/install-deps installs it)")
            return
        }
        cluster.stop(code, signal: SIGKILL)
        cluster.environment[code] = ["LD_PRELOAD": lib, "FAKETIME": "+3h", "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
        try cluster.start(code)
        skewed = (code, step)
        count("clock skew")
        fault("\(code)'s clock set 3 hours ahead (libfaketime) for the rest of the run; \(slightlyBehind) runs 4 minutes behind throughout")
    }

    /// The hostile community sends its parent, with its real credential, one push whose claims
    /// lie: the kinds docs/SECURITY.md lists. Each must be refused (4xx, never 401: it is
    /// authenticated) and nothing of it may land anywhere.
    func hostilePush() throws {
        let child = hostile
        let parent = cluster.node(child).parent!
        count("hostile push")
        guard cluster.isRunning(parent) else { count("hostile push (parent down)"); return }
        let db = try cluster.database(child)
        // A real version it holds (its values pass validation), claimed under its own writer.
        guard let base = try VersionFile(db).rows(where: "r.resource = 'person'").last(where: { $0.group != "_exists" && $0.group != "tags" }),
              let me = Int(try db.scalarText("SELECT value FROM _rs_meta WHERE name = 'epoch'") ?? "") else {
            count("hostile push (nothing held to forge from)")
            return
        }
        var o = JSONObject()
        o.append("resource", "person")
        o.append("key", .string(base.key))
        o.append("group", .string(base.group))
        o.append("hlc", .int(base.hlc))
        o.append("scope", .string(base.scope))
        o.append("values", (try? JSONParser.parse(base.values)) ?? .null)
        var actor = "\(child):\(me)"
        var seq = Int64(1_000_000 + step)
        var vv: [(String, JSONValue)] = []
        var through: JSONValue?
        let sibling = communities.first { $0 != child && cluster.node($0).parent == parent } ?? communities.first { $0 != child }!
        let kinds = ["a scope outside its subtree", "a sibling's record claimed as its own", "a poisoned vector", "an overflowing range",
                     "a counter beyond 2^53", "a foreign epoch of its own code", "another community's writer"]
        var kind = rng.int(0..<kinds.count)
        // A record of the sibling that the parent holds (its scope there is the sibling's).
        let parentDB = try cluster.database(parent)
        let siblingRecord = try recordOrder.filter { records[$0] == sibling }.first {
            try parentDB.scalarInt("SELECT 1 FROM _rs_record WHERE resource = 'person' AND key = ?", $0) != nil
        }
        if kind == 1 && siblingRecord == nil { kind = 0 }
        switch kind {
        case 0: o["scope"] = .string(communities.first { !cluster.node(child).holds(scope: $0) }!)
        case 1:
            o["key"] = .string(siblingRecord!)
            o["group"] = "contact"
            o["values"] = ["phone": .string(phone())]
        case 2: vv.append(("150600:1", .int(9_000_000)))
        case 3: through = .object(JSONObject([(actor, .array([.int(0), .int(Int64.max)]))]))
        case 4: seq = 9_007_199_254_740_993
        case 5:
            actor = "\(child):\(me + 7)"
            seq = 1
        default:
            actor = "\(sibling):1"
        }
        o.append("actor", .string(actor))
        o.append("seq", .int(seq))
        o.append("vv", .object(JSONObject([(actor, .int(seq))] + vv)))
        var body = JSONObject([("versions", .array([.object(o)]))])
        if let through { body.append("through", through) }
        forged.insert("\(actor)#\(seq)")
        let headers = ["X-Rootsync-Node": child, "Authorization": "Bearer \(try cluster.token(child))",
                       "X-Rootsync-Protocol": "1", "Content-Type": "application/json"]
        let r = try cluster.runner.curl("POST", cluster.url(parent) + "/v1/sync/push", headers: headers, body: JSONValue.object(body).text)
        if r.status == 0 { count("hostile push (parent down)"); return }
        check(.hostilePushes)
        fault("hostile \(child) pushed \(kinds[kind]) (\(actor)#\(seq)) to \(parent): \(r.status)")
        if !(400..<500).contains(r.status) || r.status == 401 {
            violation(.hostilePushes, "\(parent) answered \(r.status) to a push by \(child) with \(kinds[kind]) (\(actor)#\(seq)): \(r.body.prefix(200))")
        }
    }

    /// A second `rootsync serve` on a replica whose agent runs: it must exit at once naming the
    /// first one's PID, in both languages, and the first one keeps running.
    func secondAgent() throws {
        let running = codes.filter { cluster.isRunning($0) }
        guard !running.isEmpty else { return }
        let code = rng.pick(running)
        guard let pid = cluster.pid(code) else { return }
        count("second agent")
        check(.oneAgent)
        let r: ProgramResult
        do {
            r = try cluster.cli(["serve", "--dir", cluster.dir(code), "--interval", String(options.interval)], timeout: 20,
                                environment: cluster.environment[code] ?? [:])
        } catch {
            violation(.oneAgent, "a second agent on \(code)'s replica did not stop within 20 s: \(error)")
            return
        }
        fault("a second agent started on \(code)'s replica: exit \(r.code)")
        if r.code != 1 || !r.err.contains("PID \(pid)") || !r.err.contains("another rootsync agent") || !r.err.contains("另一个 rootsync 代理") {
            violation(.oneAgent, "a second agent on \(code)'s replica (first: PID \(pid)) exited \(r.code): \(r.err.prefix(300))")
        }
        if !cluster.isRunning(code) { violation(.oneAgent, "\(code)'s agent (PID \(pid)) stopped when a second one was started") }
    }

    /// What the restored street's lost future left at its neighbours, as the rollback checks see
    /// it: its writes after the backup held elsewhere, a child's cursor beyond the positions the
    /// backup had handed it, its parent having seen a newer cursor of it. Empty: nothing there
    /// can tell, and nothing there depends on what it lost, so keeping the epoch is safe.
    func leaseEvidence(_ street: String, backup: Database) throws -> [String] {
        var evidence: [String] = []
        let epoch = try backup.scalarText("SELECT value FROM _rs_meta WHERE name = 'epoch'") ?? "1"
        let seq = Int64(try backup.scalarText("SELECT value FROM _rs_meta WHERE name = 'seq'") ?? "0") ?? 0
        let databaseID = try backup.scalarText("SELECT value FROM _rs_meta WHERE name = 'database_id'") ?? ""
        for code in codes where code != street {
            let n = try cluster.database(code).scalarInt("""
                SELECT count(*) FROM _rs_versions WHERE actor = ? AND seq + n - 1 > ?
                """, "\(street):\(epoch)", seq) ?? 0
            if n > 0 { evidence.append("\(code) holds writes of \(street):\(epoch) above #\(seq)") }
        }
        for child in cluster.nodes.filter({ $0.parent == street }).map(\.code) {
            guard let text = try cluster.database(child).scalarText("SELECT value FROM _rs_meta WHERE name = 'sync.pull_cursor'"),
                  let c = try? JSONParser.parse(text), c["database"]?.stringValue == databaseID,
                  let position = c["position"]?.int64Value else { continue }
            let issued = try backup.first("SELECT issued_route, issued_feed FROM _rs_link WHERE node = ?", child,
                                          map: { ($0.int64(0), $0.int64(1)) }) ?? (0, 0)
            if position > (c["mode"]?.stringValue == "route" ? issued.0 : issued.1) || (c["route_start"]?.int64Value ?? 0) > issued.0 {
                evidence.append("\(child)'s cursor names position \(position), beyond what the backup had handed it")
            }
        }
        if let parent = cluster.node(street).parent,
           let text = try backup.scalarText("SELECT value FROM _rs_meta WHERE name = 'sync.pull_cursor'"),
           let c = try? JSONParser.parse(text), c["mode"]?.stringValue == "route", let position = c["position"]?.int64Value {
            let parentDB = try cluster.database(parent)
            let acked = try parentDB.scalarInt("SELECT acked_route FROM _rs_link WHERE node = ?", street) ?? 0
            let sameDatabase = c["database"]?.stringValue == (try parentDB.scalarText("SELECT value FROM _rs_meta WHERE name = 'database_id'"))
            if sameDatabase && Int64(acked) > position { evidence.append("\(parent) saw a newer cursor of \(street) (\(acked) > \(position))") }
        }
        return evidence
    }

    /// After healing: the skewed community's refused versions stay with it, set aside with the
    /// reason; no other node holds one, and no other node's clock or versions are ahead.
    func checkClocks() throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let bound = nowMs + 10 * 60 * 1000
        for n in cluster.nodes where n.code != skewed?.code {
            check(.clockBounds)
            let db = try cluster.database(n.code)
            let hlc = Int64(try db.scalarText("SELECT value FROM _rs_meta WHERE name = 'hlc'") ?? "0") ?? 0
            if hlc >> 16 > bound { violation(.clockBounds, "\(n.code)'s clock was moved \((hlc >> 16 - nowMs) / 1000) s ahead") }
            var ahead: [String] = []
            try StoredVersion.all(db) { v, _ in if v.hlc >> 16 > bound || localOnly.contains(v.dot) { ahead.append(v.dot) } }
            if !ahead.isEmpty { violation(.clockBounds, "\(n.code) holds \(ahead.count) versions timestamped hours ahead: \(ahead.sorted().prefix(4))") }
        }
        guard let skewed else { return }
        check(.clockBounds)
        var aside: [String: String] = [:]
        try cluster.database(skewed.code).forEach("""
            SELECT a.name, s.seq, s.reason FROM _rs_set_aside s JOIN _rs_actor a ON a.id = s.actor
            """) { aside["\($0.string(0))#\($0.int64(1))"] = $0.string(2) }
        let missing = localOnly.filter { aside[$0] == nil && !lostAllowed.contains($0) }
        if !missing.isEmpty { violation(.clockBounds, "\(skewed.code) wrote \(missing.count) versions 3 hours ahead that are not set aside: \(missing.sorted().prefix(4))") }
        if let unclear = localOnly.compactMap({ aside[$0] }).first(where: { !$0.contains("ahead of this node's clock") }) {
            violation(.clockBounds, "\(skewed.code)'s refused version was set aside for another reason: \(unclear)")
        }
        if !localOnly.isEmpty { fault("\(skewed.code) wrote \(localOnly.count) versions with its clock ahead; all refused by its parent and set aside there") }
    }

    /// After healing: no forged version anywhere, and no have-vector moved by a forged range.
    func checkForgeries() throws {
        guard !forged.isEmpty else { return }
        let top = oracle.values.filter { $0.actor.hasPrefix(hostile + ":") }.map(\.seq).max() ?? 0
        for n in cluster.nodes {
            check(.hostilePushes)
            let db = try cluster.database(n.code)
            var landed: [String] = []
            try StoredVersion.all(db) { v, _ in if forged.contains(v.dot) { landed.append(v.dot) } }
            if !landed.isEmpty { violation(.hostilePushes, "\(n.code) holds forged versions \(landed.sorted().prefix(4))") }
            let have = try db.scalarInt("""
                SELECT max(h.seq) FROM _rs_have h JOIN _rs_actor a ON a.id = h.actor WHERE a.name LIKE ?
                """, hostile + ":%") ?? 0
            if Int64(have) > top { violation(.hostilePushes, "\(n.code)'s have-vector for \(hostile) reached \(have), beyond its last real counter \(top)") }
        }
    }

    // MARK: Healing

    func expectedDots(for node: HierarchyNode) -> Set<String> {
        Set(oracle.filter { !lostAllowed.contains($0.key) && !isPurged($0.value) && node.holds(scope: $0.value.scope)
            && (node.code == skewed?.code || !localOnly.contains($0.key)) }.keys)
    }

    /// A version a purge notice covers: gone everywhere once the notice has spread.
    func isPurged(_ v: StoredVersion) -> Bool { (purged[v.key]?[v.actor] ?? 0) >= v.seq }

    /// Gathers the purge notices every node holds (a notice only ever grows what it covers).
    func collectPurges() throws {
        for n in cluster.nodes {
            for p in try VersionFile(try cluster.database(n.code)).purges() where p.resource == "person" {
                for (actor, seq) in p.covered.entries where seq > (purged[p.key]?[actor.description] ?? 0) {
                    purged[p.key, default: [:]][actor.description] = seq
                }
            }
        }
    }

    /// Tombstones are purged only when causally stable, so a purge never takes anything that a
    /// node wrote without seeing the delete: every version left of a purged record has seen one
    /// of its deletes (a re-creation), none it covers is held anywhere, and a record with
    /// nothing left is shown nowhere.
    func verifyPurges(_ states: [String: NodeState]) {
        for (key, covered) in purged.sorted(by: { $0.key < $1.key }) {
            let all = oracle.values.filter { $0.key == key && !lostAllowed.contains($0.dot) }
            let deletes = all.filter { $0.isDelete && (covered[$0.actor] ?? 0) >= $0.seq }
            check(.purgedStayGone)
            if deletes.isEmpty { violation(.purgedStayGone, "\(key) was purged, but the purge covers none of its deletes (covered \(covered))") }
            for v in all where !isPurged(v) && !deletes.contains(where: { d in (v.vv[d.actor] ?? 0) >= d.seq }) {
                violation(.purgedStayGone, "\(key) was purged while \(v.group) \(v.dot) by \(writer[v.dot] ?? "?"), written without seeing its delete, was still to come: the purge was not stable")
            }
            let left = all.filter { !isPurged($0) }
            for n in cluster.nodes {
                guard let s = states[n.code] else { continue }
                check(.purgedStayGone)
                let back = s.versions.values.filter { $0.key == key && isPurged($0) }.map(\.dot).sorted()
                if !back.isEmpty { violation(.purgedStayGone, "\(n.code) holds \(back.prefix(4)) of purged \(key) again") }
                if left.isEmpty, s.rows[key] != nil || s.records[key]?.visible == true {
                    violation(.purgedStayGone, "\(n.code) shows \(key), purged with nothing written since")
                }
            }
        }
    }

    func heal() throws {
        restartAt.removeAll()
        disk?.free()
        for code in codes where !cluster.isRunning(code) { try cluster.start(code) }
        let deadline = Date().addingTimeInterval(options.healTimeout)
        var lastPrint = ""
        var stableSince: Date?
        check(.quiet)
        while true {
            try collectPurges()
            var print = ""
            var complete = true
            for n in cluster.nodes {
                let db = try cluster.database(n.code)
                var held = Set<String>()
                try StoredVersion.all(db) { v, _ in held.insert(v.dot) }
                let fp = try db.scalarText("SELECT COUNT(*) || '/' || COALESCE(MAX(id), 0) || '/' || (SELECT COUNT(*) FROM _rs_record) || '/' || (SELECT COALESCE(group_concat(value), '') FROM _rs_meta WHERE name = 'sync.pull_cursor') || '/' || (SELECT COUNT(*) FROM _rs_purge) FROM _rs_version") ?? ""
                print += n.code + ":" + fp + ";"
                if !expectedDots(for: n).isSubset(of: held) { complete = false }
            }
            if complete && print == lastPrint {
                if let s = stableSince, Date().timeIntervalSince(s) >= 2 * options.interval + 0.5 { break }
                if stableSince == nil { stableSince = Date() }
            } else {
                stableSince = nil
            }
            lastPrint = print
            if Date() >= deadline {
                violation(.quiet, "after \(Int(options.healTimeout)) s with every agent running the hierarchy was still \(complete ? "changing" : "missing accepted versions") (see no lost write below)")
                break
            }
            usleep(400_000)
        }
        cluster.stopAll(signal: SIGTERM)
    }

    func sabotage() throws {
        for damage in options.sabotage {
            // The first node, leaves first, where the damage changes something.
            var done = false
            for node in codes.reversed() where !done {
                var dbOptions = Database.Options()
                dbOptions.create = false
                let db = try Database(path: cluster.databasePath(node), options: dbOptions)
                switch damage {
                case .dropVersion:
                    _ = try db.run("DELETE FROM _rs_version WHERE id = (SELECT MAX(id) FROM _rs_versions WHERE resource = 'person')")
                case .alterRow:
                    _ = try db.run("UPDATE person SET phone = '13000000007' WHERE id_number = (SELECT MIN(id_number) FROM person) AND phone IS NOT '13000000007'")
                case .falseConflict:
                    // A group marked in conflict that is not: on a record with no conflict, or
                    // beside a real one (a short run may hold only records in conflict).
                    _ = try db.run("""
                        UPDATE _rs_record SET conflicts = CASE WHEN conflicts = '' THEN 'household' ELSE conflicts || ',household' END
                        WHERE resource = 'person' AND key = (SELECT MIN(key) FROM _rs_record WHERE resource = 'person' AND visible = 1
                            AND instr(',' || conflicts || ',', ',household,') = 0)
                        """)
                }
                if db.changes > 0 {
                    done = true
                    fault("SABOTAGE (harness self-test): \(damage.rawValue) at \(node)")
                }
            }
            if !done { fault("SABOTAGE (harness self-test): \(damage.rawValue) found nothing to damage") }
        }
    }

    // MARK: The invariants

    func verify() throws {
        var states: [String: NodeState] = [:]
        for n in cluster.nodes { states[n.code] = try NodeState.read(try cluster.database(n.code), node: n) }

        // Dot uniqueness: one (actor, seq) names one version on every node, the one the oracle saw.
        var seenAnywhere: [String: (String, StoredVersion)] = [:]
        for n in cluster.nodes {
            for (dot, v) in states[n.code]!.versions {
                check(.dotUniqueness)
                if reused.contains(dot) { continue }
                if let o = oracle[dot], !o.sameContent(v) {
                    violation(.dotUniqueness, "\(n.code) holds \(dot) of \(v.key) with content that differs from what its writer \(writer[dot]!) wrote (group \(v.group) vs \(o.group), values \(v.values) vs \(o.values))")
                } else if oracle[dot] == nil {
                    violation(.dotUniqueness, "\(n.code) holds \(dot) (\(v.group) of \(v.key)) that no accepted write produced")
                }
                if let (other, w) = seenAnywhere[dot], !w.sameContent(v) {
                    violation(.dotUniqueness, "\(dot) names different versions at \(other) and \(n.code)")
                }
                seenAnywhere[dot] = (n.code, v)
            }
        }

        // Jurisdiction: nothing outside a node's subtree.
        for n in cluster.nodes {
            check(.jurisdiction)
            for s in states[n.code]!.outsideScopes.prefix(5) { violation(.jurisdiction, "\(n.code): \(s)") }
        }

        // The surviving history: every accepted version, minus those the restore destroyed
        // (unless some node still holds one, in which case it must be everywhere).
        try collectPurges()
        verifyPurges(states)
        report.purgedRecords = purged.count
        let survivors = oracle.filter { (!lostAllowed.contains($0.key) || seenAnywhere[$0.key] != nil) && !isPurged($0.value) }
        var byKey: [String: [StoredVersion]] = [:]
        for v in survivors.values { byKey[v.key, default: []].append(v) }

        report.oracleVersions = oracle.count
        report.records = byKey.count
        for key in byKey.keys.sorted() {
            let all = byKey[key]!
            // What every node but the skewed one must show (its refused versions never left it).
            let shared = all.filter { !localOnly.contains($0.dot) }
            let sharedExpected = MergeRules.expected(shared)
            if !sharedExpected.conflicts.isEmpty { report.openConflicts += 1 }
            if sharedExpected.deleted && !sharedExpected.visible { report.deletedRecords += 1 }
            let scope = records[key] ?? all[0].scope
            var firstHolder: (String, String)?
            for n in cluster.nodes where n.holds(scope: scope) {
                let s = states[n.code]!
                let ownView = n.code == skewed?.code && shared.count != all.count
                let versions = ownView ? all : shared
                let expected = ownView ? MergeRules.expected(all) : sharedExpected
                let held = s.versions.values.filter { $0.key == key }
                let heldDots = Set(held.map(\.dot))
                let expectedDots = Set(versions.map(\.dot))
                check(.noLostWrite)
                let missing = expectedDots.subtracting(heldDots)
                if !missing.isEmpty {
                    violation(.noLostWrite, "\(n.code) lacks \(missing.count) accepted versions of \(key): \(missing.sorted().prefix(4).map { d in "\(oracle[d]!.group) \(d) by \(writer[d]!)" }.joined(separator: ", "))")
                }
                let currentHere = s.currentDots.intersection(heldDots)
                check(.convergence)
                if missing.isEmpty && currentHere != expected.current {
                    violation(.convergence, "\(n.code): current versions of \(key) are \(currentHere.sorted()), the merge rules say \(expected.current.sorted())")
                }
                // Conflicts: every concurrent pair with different values recorded, nothing else.
                let rec = s.records[key]
                let conflicts = rec?.conflicts ?? []
                check(.noSilentOverwrite); check(.noFalseConflict)
                for g in expected.conflicts where !conflicts.contains(g) {
                    violation(.noSilentOverwrite, "\(n.code): \(key) group \(g) has concurrent versions with different values (\(versions.filter { $0.group == g && expected.current.contains($0.dot) }.map(\.dot).sorted())) but no recorded conflict")
                }
                for g in conflicts where !expected.conflicts.contains(g) {
                    violation(.noFalseConflict, "\(n.code): \(key) group \(g) is marked in conflict but its writes were sequential (current \(versions.filter { $0.group == g && expected.current.contains($0.dot) }.map(\.dot).sorted()))")
                }
                // Existence and the visible row.
                let row = s.rows[key]
                check(.deletesPropagate)
                if !expected.visible && expected.deleted {
                    if row != nil || rec?.visible == true {
                        violation(.deletesPropagate, "\(n.code) still shows \(key), deleted by \(versions.filter(\.isDelete).map(\.dot).sorted()) with no concurrent update")
                    }
                } else if expected.visible && (row == nil || rec?.visible != true) {
                    violation(expected.deleted ? .deletesPropagate : .noLostWrite, "\(n.code) does not show \(key), which must be visible\(expected.deleted ? " (a delete concurrent with an update keeps it visible as a conflict)" : "")")
                }
                if expected.visible, let row {
                    check(.sameWinner)
                    for f in PersonCatalogue.fields {
                        let want = expected.values[f] ?? (f == "tags" ? "" : nil)
                        let have = row[f] ?? nil
                        if want != have {
                            violation(.sameWinner, "\(n.code): \(key).\(f) shows \(have ?? "null"), the winner by the rules is \(want ?? "null")")
                        }
                    }
                }
                // Convergence proper: every holder agrees with the first one, oracle aside (the skewed
                // node's own view of a record it holds refused versions of is checked above only).
                if ownView { continue }
                let signature = "\(held.map(\.dot).sorted())|\(currentHere.sorted())|\(rec.map { "\($0.visible)\($0.deleted)\($0.conflicts)" } ?? "-")|\(row.map { r in PersonCatalogue.fields.map { f in (r[f] ?? nil) ?? "∅" } } ?? [])"
                if let (first, sig) = firstHolder {
                    check(.convergence)
                    if sig != signature { violation(.convergence, "\(n.code) and \(first) disagree about \(key)") }
                } else {
                    firstHolder = (n.code, signature)
                }
            }
        }
    }
}
