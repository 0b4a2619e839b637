import Foundation
import JSON
import Replica
import Sync

/// A node's own health and the subtree it knows, for `status --tree` and `GET /v1/status/tree`;
/// also what the agent reports to its parent.
public enum SubtreeView {
    /// Nodes not heard from for longer than this (seconds) are marked stale, unless told otherwise.
    public static let defaultStaleAfter = 300

    /// This node's health now, from its replica (and, for the last round, from the agent's memory).
    public static func own(_ r: Replica, lastRoundMilliseconds: Int64? = nil, now: Int64) throws -> NodeHealth {
        let problems = try r.problemCounts()
        var parentSuccess = lastRoundMilliseconds
        var worst = 0
        for l in try r.linkStates() {
            if l.role == "parent" {
                parentSuccess = [parentSuccess, l.lastPushMilliseconds, l.lastPullMilliseconds].compactMap { $0 }.max()
            } else {
                worst = max(worst, l.routesPending)
            }
        }
        var health = NodeHealth(node: r.node.code, reportedMilliseconds: now, catalogueVersion: r.catalogue.version,
                                agentVersion: AgentVersion.current, epoch: r.epoch, records: try r.recordCounts().values.reduce(0, +),
                                openConflicts: problems.openConflicts, invalidWrites: problems.invalidWrites,
                                waitingUp: r.node.parent == nil ? 0 : try StatusReport.waitingToPush(r), worstChildBacklog: worst,
                                lastParentSuccessMilliseconds: parentSuccess)
        // What this node must act on and has let pass its deadline (a calendar that cannot be
        // read is shown by status and metrics; the tree then counts nothing for it).
        if let overdue = try? ShareContext.load(r).overdue(r) {
            health.overdueRequests = overdue.requestsOverdueHere.count
            health.overdueDisputes = overdue.disputesOverdueHere.count
        }
        return health
    }

    /// The report for the parent: this node first, then what its children reported.
    public static func report(own: NodeHealth, below: [NodeHealth]) -> HealthReport {
        HealthReport(nodes: [own] + below.filter { $0.node != own.node })
    }

    /// The tree as JSON: this node, then every node below in code order, each with its times in
    /// the node's zone, how long ago it was heard, and whether that is longer than `staleAfter`.
    /// Nodes of the topology never heard from are listed too, with `heard` null and stale.
    public static func json(own: NodeHealth, below: [NodeHealth], expected: [String] = [], names: [String: String] = [:],
                            now: Int64, staleAfter: Int, time: NodeTime) -> JSONValue {
        var entries: [JSONValue] = [entry(own, self: true, names: names, now: now, staleAfter: staleAfter, time: time)]
        var known = Set([own.node])
        for n in below where known.insert(n.node).inserted {
            entries.append(entry(n, self: false, names: names, now: now, staleAfter: staleAfter, time: time))
        }
        var missing: [String] = []
        for code in expected.sorted() where !known.contains(code) { missing.append(code) }
        for code in missing {
            var o = JSONObject()
            o.append("node", .string(code))
            if let name = names[code] { o.append("name", .string(name)) }
            o.append("heard", .null)
            o.append("stale", .bool(true))
            o.append("never_heard", .bool(true))
            entries.append(.object(o))
        }
        let stale = entries.filter { $0["stale"] == .bool(true) }.count
        // The subtree's overdue sharing work, rolled up: each node counts what it must act on, so
        // every overdue request or dispute is counted once.
        var seen = Set<String>()
        let all = ([own] + below).filter { seen.insert($0.node).inserted }
        return ["node": .string(own.node), "stale_after_seconds": .int(staleAfter), "nodes_known": .int(entries.count - missing.count),
                "nodes_stale": .int(stale), "overdue_requests": .int(all.reduce(0) { $0 + $1.overdueRequests }),
                "overdue_disputes": .int(all.reduce(0) { $0 + $1.overdueDisputes }), "nodes": .array(entries)]
    }

    static func entry(_ n: NodeHealth, self isSelf: Bool, names: [String: String], now: Int64, staleAfter: Int, time: NodeTime) -> JSONValue {
        var o = JSONObject()
        o.append("node", .string(n.node))
        if let name = names[n.node] { o.append("name", .string(name)) }
        o.append("level", n.level.map { .string($0.rawValue) } ?? .null)
        let heard = isSelf ? now : n.heardMilliseconds
        o.append("heard", heard.map { .string(time.rfc3339(milliseconds: $0)) } ?? .null)
        let age = heard.map { max(now - $0, 0) / 1000 }
        o.append("heard_seconds_ago", age.map { .int($0) } ?? .null)
        o.append("stale", .bool(!isSelf && (age.map { $0 > Int64(staleAfter) } ?? true)))
        o.append("reported", .string(time.rfc3339(milliseconds: n.reportedMilliseconds)))
        o.append("parent_success", n.lastParentSuccessMilliseconds.map { .string(time.rfc3339(milliseconds: $0)) } ?? .null)
        o.append("catalogue_version", .int(n.catalogueVersion))
        o.append("agent_version", .string(n.agentVersion))
        o.append("epoch", .int(n.epoch))
        o.append("records", .int(n.records))
        o.append("open_conflicts", .int(n.openConflicts))
        o.append("invalid_writes", .int(n.invalidWrites))
        o.append("waiting_up", .int(n.waitingUp))
        o.append("worst_child_backlog", .int(n.worstChildBacklog))
        o.append("overdue_requests", .int(n.overdueRequests))
        o.append("overdue_disputes", .int(n.overdueDisputes))
        return .object(o)
    }
}
