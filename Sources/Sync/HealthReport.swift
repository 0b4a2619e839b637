import JSON
import Standards

/// What a child sends up after a round (`POST /v1/sync/health`): its own health first, then what
/// it holds of every node below it, as its children reported. Bounded: Ordos has about 1,400
/// nodes in all, so a report of more than `maxNodes` entries is refused.
public struct HealthReport: Sendable, Equatable {
    public static let maxNodes = 5_000

    public var nodes: [NodeHealth]

    public init(nodes: [NodeHealth]) { self.nodes = nodes }

    public var json: JSONValue { ["nodes": .array(nodes.map(\.json))] }

    public init(json: JSONValue) throws {
        guard let items = json["nodes"]?.arrayValue else { throw WireError("a health report is {\"nodes\": [...]}") }
        guard items.count <= Self.maxNodes else { throw WireError("a health report holds at most \(Self.maxNodes) nodes, not \(items.count)") }
        nodes = try items.map(NodeHealth.init(json:))
    }

    /// The health a parent keeps of its subtree after `child` reported `self` at `now`: every
    /// entry of the child's subtree is replaced by the report (a node the child no longer reports
    /// is dropped), the child's own entry is marked heard now, the rest keep when their own parent
    /// heard them. Refused when the report does not start with the child itself, names a node
    /// outside the child's subtree, or names one twice.
    public func merged(into kept: [NodeHealth], from child: String, at now: Int64) throws -> [NodeHealth] {
        guard let first = nodes.first, first.node == child else {
            throw WireError("a health report from \(child) must start with \(child)'s own health")
        }
        let prefix = DivisionCode.subtreePrefix(child)
        var seen = Set<String>()
        for n in nodes {
            guard n.node.hasPrefix(prefix) else {
                throw WireError("a health report from \(child) names \(n.node), which is not in its subtree")
            }
            guard seen.insert(n.node).inserted else { throw WireError("a health report names \(n.node) twice") }
        }
        // Every code is of a known shape (NodeHealth checks), so the prefix alone says it.
        func inSubtree(_ code: String) -> Bool { code.hasPrefix(prefix) }
        var out = kept.filter { !inSubtree($0.node) }
        for var n in nodes {
            if n.node == child { n.heardMilliseconds = now }
            out.append(n)
        }
        return out.sorted { $0.node < $1.node }
    }
}
