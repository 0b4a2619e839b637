import JSON
import Standards

/// One node's health as it travels up the tree (`POST /v1/sync/health`): what an operator at the
/// district or the city needs to see of every node below, in a few hundred bytes. Times are Unix
/// milliseconds; `heard` is set by the node's parent when the node itself reports, and passed on
/// unchanged by every node above.
public struct NodeHealth: Sendable, Equatable {
    public var node: String
    /// The node's own clock when it made the report.
    public var reportedMilliseconds: Int64
    /// When its parent last had a report from it (nil until one arrived there).
    public var heardMilliseconds: Int64?
    public var catalogueVersion: Int
    public var agentVersion: String
    public var epoch: Int
    public var records: Int
    public var openConflicts: Int
    public var invalidWrites: Int
    /// Versions written at or below the node that its parent did not hold at its last round.
    public var waitingUp: Int
    /// The largest number of versions queued at the node for one of its children.
    public var worstChildBacklog: Int
    /// When the node last completed a round with its parent.
    public var lastParentSuccessMilliseconds: Int64?
    /// Sharing: data requests this node must decide that are past their 5 working days, and
    /// quality checks it must answer past their 3 (0 from agents before sharing existed).
    public var overdueRequests: Int = 0
    public var overdueDisputes: Int = 0

    public init(node: String, reportedMilliseconds: Int64, heardMilliseconds: Int64? = nil, catalogueVersion: Int, agentVersion: String,
                epoch: Int, records: Int, openConflicts: Int, invalidWrites: Int, waitingUp: Int, worstChildBacklog: Int,
                lastParentSuccessMilliseconds: Int64?) {
        self.node = node
        self.reportedMilliseconds = reportedMilliseconds
        self.heardMilliseconds = heardMilliseconds
        self.catalogueVersion = catalogueVersion
        self.agentVersion = agentVersion
        self.epoch = epoch
        self.records = records
        self.openConflicts = openConflicts
        self.invalidWrites = invalidWrites
        self.waitingUp = waitingUp
        self.worstChildBacklog = worstChildBacklog
        self.lastParentSuccessMilliseconds = lastParentSuccessMilliseconds
    }

    /// The level its code's shape gives.
    public var level: DivisionLevel? { DivisionCode.level(ofShape: node) }

    public var json: JSONValue {
        var o = JSONObject()
        o.append("node", .string(node))
        o.append("reported_ms", .int(reportedMilliseconds))
        o.append("heard_ms", heardMilliseconds.map { .int($0) } ?? .null)
        o.append("catalogue_version", .int(catalogueVersion))
        o.append("agent_version", .string(agentVersion))
        o.append("epoch", .int(epoch))
        o.append("records", .int(records))
        o.append("open_conflicts", .int(openConflicts))
        o.append("invalid_writes", .int(invalidWrites))
        o.append("waiting_up", .int(waitingUp))
        o.append("worst_child_backlog", .int(worstChildBacklog))
        o.append("parent_success_ms", lastParentSuccessMilliseconds.map { .int($0) } ?? .null)
        o.append("overdue_requests", .int(overdueRequests))
        o.append("overdue_disputes", .int(overdueDisputes))
        return .object(o)
    }

    /// Reads one entry, checking every field: a code of a known shape, counts that are whole and
    /// not negative, times within what an int64 of milliseconds holds, a short printable version.
    public init(json: JSONValue) throws {
        func count(_ key: String) throws -> Int {
            guard let n = json[key]?.int64Value, n >= 0, n <= Int64(Int32.max) * 1024 else {
                throw WireError("health entry: \(key) must be a whole number ≥ 0")
            }
            return Int(n)
        }
        func time(_ key: String, optional: Bool) throws -> Int64? {
            guard let v = json[key], !v.isNull else {
                if optional { return nil }
                throw WireError("health entry: \(key) is required")
            }
            guard let ms = v.int64Value, ms >= 0, ms < 253_402_300_800_000 else { throw WireError("health entry: \(key) must be Unix milliseconds") }
            return ms
        }
        guard let node = json["node"]?.stringValue, node.utf8.count <= 12, node.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              DivisionCode.level(ofShape: node) != nil else {
            throw WireError("health entry: node must be a division code")
        }
        guard let agent = json["agent_version"]?.stringValue, !agent.isEmpty, agent.utf8.count <= 32,
              agent.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw WireError("health entry: agent_version must be 1 to 32 printable characters")
        }
        self.init(node: node, reportedMilliseconds: try time("reported_ms", optional: false)!, heardMilliseconds: try time("heard_ms", optional: true),
                  catalogueVersion: try count("catalogue_version"), agentVersion: agent, epoch: try count("epoch"), records: try count("records"),
                  openConflicts: try count("open_conflicts"), invalidWrites: try count("invalid_writes"), waitingUp: try count("waiting_up"),
                  worstChildBacklog: try count("worst_child_backlog"),
                  lastParentSuccessMilliseconds: try time("parent_success_ms", optional: true))
        overdueRequests = json["overdue_requests"] == nil ? 0 : try count("overdue_requests")
        overdueDisputes = json["overdue_disputes"] == nil ? 0 : try count("overdue_disputes")
    }
}
