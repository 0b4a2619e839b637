import JSON
import Testing
@testable import Sync

/// The subtree health a child sends up: checked field by field, merged into what the parent
/// keeps so that the child's subtree is replaced whole and nothing outside it is touched.
@Suite("Subtree health reports")
struct HealthReportTests {
    static func health(_ node: String, reported: Int64 = 1_000, heard: Int64? = nil, conflicts: Int = 0) -> NodeHealth {
        NodeHealth(node: node, reportedMilliseconds: reported, heardMilliseconds: heard, catalogueVersion: 1, agentVersion: "0.1.0",
                   epoch: 1, records: 10, openConflicts: conflicts, invalidWrites: 0, waitingUp: 0, worstChildBacklog: 0,
                   lastParentSuccessMilliseconds: reported)
    }

    @Test("an entry survives its JSON; bad fields are refused naming them")
    func entries() throws {
        let h = Self.health("150603002001", heard: 2_000, conflicts: 3)
        #expect(try NodeHealth(json: h.json) == h)
        #expect(try HealthReport(json: HealthReport(nodes: [h]).json) == HealthReport(nodes: [h]))
        func refused(_ change: (inout JSONObject) -> Void, _ text: String) {
            var o = h.json.objectValue!
            change(&o)
            #expect(throws: WireError.self) { try NodeHealth(json: .object(o)) }
            do { _ = try NodeHealth(json: .object(o)) } catch { #expect("\(error)".contains(text), "\(error)") }
        }
        refused({ $0["node"] = "15060300200" }, "node")
        refused({ $0["node"] = "abc" }, "node")
        refused({ $0["open_conflicts"] = .int(-1) }, "open_conflicts")
        refused({ $0["records"] = "many" }, "records")
        refused({ $0["agent_version"] = .string(String(repeating: "9", count: 33)) }, "agent_version")
        refused({ $0["agent_version"] = "0.1 beta" }, "agent_version")
        refused({ $0["reported_ms"] = .null }, "reported_ms")
        refused({ $0["heard_ms"] = .int(-5) }, "heard_ms")
        let tooMany = JSONValue.object(["nodes": .array(Array(repeating: h.json, count: HealthReport.maxNodes + 1))])
        #expect(throws: WireError.self) { try HealthReport(json: tooMany) }
    }

    @Test("a child's report replaces its whole subtree (a node it no longer reports is dropped), marks the child heard now, keeps its siblings' subtrees")
    func merging() throws {
        let kept = [Self.health("150603001", heard: 10), Self.health("150603001001", heard: 9),
                    Self.health("150603002", heard: 10), Self.health("150603002001", heard: 8), Self.health("150603002002", heard: 8)]
        let report = HealthReport(nodes: [Self.health("150603002", reported: 50), Self.health("150603002001", reported: 40, heard: 45)])
        let merged = try report.merged(into: kept, from: "150603002", at: 100)
        #expect(merged.map(\.node) == ["150603001", "150603001001", "150603002", "150603002001"])
        #expect(merged.first { $0.node == "150603002" }?.heardMilliseconds == 100)
        #expect(merged.first { $0.node == "150603002001" }?.heardMilliseconds == 45, "a grandchild keeps when its own parent heard it")
        #expect(merged.first { $0.node == "150603001001" }?.heardMilliseconds == 9)
    }

    @Test("a report must start with the child itself and name only nodes of its subtree, each once")
    func refusals() {
        let child = "150603002"
        for (nodes, why) in [([Self.health("150603002001")], "own health"),
                             ([Self.health(child), Self.health("150603001001")], "not in its subtree"),
                             ([Self.health(child), Self.health("150603")], "not in its subtree"),
                             ([Self.health(child), Self.health("150602002001")], "not in its subtree"),
                             ([Self.health(child), Self.health("150603002001"), Self.health("150603002001")], "twice"),
                             ([], "own health")] {
            do {
                _ = try HealthReport(nodes: nodes).merged(into: [], from: child, at: 1)
                Issue.record("accepted: \(nodes.map(\.node))")
            } catch {
                #expect("\(error)".contains(why), "\(error)")
            }
        }
    }
}
