// Issue 14: subtree health rolled up to the city, on the 15-node demo topology with real agents.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Testing

@Suite("Subtree health (real agents)", .serialized)
struct SubtreeTreeTests {
    /// Topology/demo.json's nodes, as (code, parent).
    static var demo: [(String, String?)] {
        get throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Topology/demo.json")
            let json = try JSONParser.parse(bytes: Array(try Data(contentsOf: url)))
            return (json["nodes"]?.arrayValue ?? []).map { ($0["code"]?.stringValue ?? "", $0["parent"]?.stringValue) }
        }
    }

    func tree(_ h: Hierarchy, _ code: String, _ extra: [String] = []) throws -> JSONValue {
        let r = try rootsync(["status", "--tree", "--dir", h.dir(code), "--json"] + extra)
        guard r.code == 0 else { throw HarnessError("status --tree at \(code) failed (\(r.code)): \(r.err)") }
        return try r.json()
    }

    @Test("the city knows all 15 demo nodes within a few rounds (status --tree and GET /v1/status/tree); a community whose agent died is marked stale")
    func demoTree() throws {
        let spec = try Self.demo
        #expect(spec.count == 15)
        let h = try Hierarchy(spec)
        defer { h.shutdown() }
        let city = "150600", gone = "150603002002"
        // Before any round: the topology's nodes are listed as never heard from.
        let before = try tree(h, city)
        #expect(before["nodes_known"]?.int64Value == 1 && before["nodes_stale"]?.int64Value == 14, "\(before)")
        try h.startAll()
        var last: JSONValue = .null
        let known = waitUntil(120, interval: 1) {
            last = (try? tree(h, city)) ?? .null
            return last["nodes_known"]?.int64Value == 15 && last["nodes_stale"]?.int64Value == 0
        }
        #expect(known, "\(last)\n\(h.logs([city, "150603", "150603002"]))")
        let nodes = last["nodes"]?.arrayValue ?? []
        #expect(Set(nodes.compactMap { $0["node"]?.stringValue }) == Set(spec.map(\.0)))
        #expect(nodes.allSatisfy { $0["heard"]?.stringValue?.hasSuffix("+08:00") == true && $0["agent_version"]?.stringValue != nil }, "\(last)")
        let text = try rootsync(["status", "--tree", "--dir", h.dir(city)])
        #expect(text.code == 0 && text.out.contains("15 nodes known, 0 not heard from for more than 300 s"), "\(text.out)")
        for (code, _) in spec { #expect(text.out.contains(code), "\(code): \(text.out)") }
        let api = try curl("GET", "\(h.url(city))/v1/status/tree?stale_after=300", timeout: 10)
        #expect(api.status == 200 && api.json?["nodes_known"]?.int64Value == 15, "\(api.body)")
        #expect(try curl("GET", "\(h.url(city))/v1/status/tree?stale_after=0", timeout: 10).status == 400)
        // A district sees its own subtree only.
        #expect(try tree(h, "150603")["nodes_known"]?.int64Value == 7)

        // One community's agent dies: the city keeps its last report, and its age grows.
        h.stop(gone, signal: SIGKILL)
        func age(_ tree: JSONValue, _ code: String) -> Int64? {
            tree["nodes"]?.arrayValue?.first { $0["node"]?.stringValue == code }?["heard_seconds_ago"]?.int64Value
        }
        let aged = waitUntil(120, interval: 1) { (age((try? tree(h, city)) ?? .null, gone) ?? 0) >= 25 }
        #expect(aged, "\(h.logs(["150603002"]))")
        let stale = try tree(h, city, ["--stale-after", "20"])
        let entry = stale["nodes"]?.arrayValue?.first { $0["node"]?.stringValue == gone }
        #expect(entry?["stale"] == .bool(true), "\(stale)")
        #expect(try rootsync(["status", "--tree", "--stale-after", "20", "--dir", h.dir(city)]).out.contains("⚠ \(gone)"))
    }
}
