import Foundation
import Standards
import Testing
@testable import Sync

/// The topology files shipped in Topology/ stay valid.
@Suite("Shipped topologies")
struct ShippedTopologyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func ordosHasAllDistrictsAndTheStreetsOfTwo() throws {
        let t = try Topology.load(path: Self.root.appendingPathComponent("Topology/ordos.json").path, divisions: DivisionTable.bundled)
        #expect(t.nodes.filter { $0.level == .district }.count == 9)
        let streets = t.nodes.filter { $0.level == .street }
        #expect(Set(streets.compactMap(\.parent)) == ["150602", "150603"])
        #expect(streets.contains { $0.code == "150603002" && $0.name == "青春山街道" })
        #expect(t.nodes.filter { $0.level == .community }.count == streets.count * 2)
    }

    @Test func demoHasFifteenNodes() throws {
        let t = try Topology.load(path: Self.root.appendingPathComponent("Topology/demo.json").path, divisions: DivisionTable.bundled)
        #expect(t.nodes.count == 15)
        #expect(t.description.contains("illustrative"))
    }
}
