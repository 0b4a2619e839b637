import TestSupport

/// The hierarchies the harness runs, with codes from the demo topology (Topology/demo.json).
public enum ChaosTopology: Int, CaseIterable, Sendable {
    /// 1 city, 2 districts, 2 streets, 4 communities: each district one street, each street two communities.
    case nine = 9
    /// The demo's 15: 1 city, 2 districts, 4 streets, 8 communities (two of each below each).
    case fifteen = 15

    public var nodes: [HierarchyNode] {
        let districts = ["150602", "150603"]
        let streets = self == .nine ? ["150602001", "150603002"] : ["150602001", "150602002", "150603001", "150603002"]
        var nodes = [HierarchyNode(code: "150600", parent: nil)]
        nodes += districts.map { HierarchyNode(code: $0, parent: "150600") }
        nodes += streets.map { HierarchyNode(code: $0, parent: String($0.prefix(6))) }
        for community in ["001", "002"] {
            nodes += streets.map { HierarchyNode(code: $0 + community, parent: $0) }
        }
        return nodes.sorted { ($0.code.count, $0.code) < ($1.code.count, $1.code) }
    }
}
