import Foundation
import JSON
import SQLite
import Standards
import Testing
import TestSupport

/// The catalogue workflow with real agents: drafts at a community travel up, reviews happen at
/// the district and the city (CLI and local HTTP API), publication reaches every node, the
/// schema follows, and data needing the new catalogue reaches a node that was offline.
@Suite("Catalogue workflow (multi-process)", .serialized)
struct CatalogueWorkflowIntegrationTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples/catalogue").path

    func version(_ h: Hierarchy, _ code: String) throws -> Int {
        Int(try rootsync(["catalogue", "list", "--dir", h.dir(code), "--json"]).json()["version"]?.int64Value ?? 0)
    }

    func draft(_ h: Hierarchy, _ code: String, _ id: String) throws -> JSONValue? {
        let r = try rootsync(["catalogue", "history", id, "--dir", h.dir(code), "--json"])
        return r.code == 0 ? try r.json() : nil
    }

    func status(_ h: Hierarchy, _ code: String, _ id: String) throws -> String? { try draft(h, code, id)?["status"]?.stringValue }

    func schema(_ h: Hierarchy, _ code: String) throws -> String {
        try rootsync(["catalogue", "show", "person", "--dir", h.dir(code), "--json"]).out + (try h.database(code).scalarText("SELECT group_concat(sql) FROM sqlite_master") ?? "")
    }

    @Test("draft at a community, reviews at the district and the city, publication everywhere, data in the new column")
    func workflow() throws {
        let h = try Hierarchy([("150600", nil), ("150603", "150600"), ("150602", "150600"), ("150603002", "150603"),
                               ("150603002001", "150603002"), ("150602001", "150602"), ("150602001001", "150602001")], interval: 0.5)
        defer { h.shutdown() }
        try h.startAll()
        let community = "150603002001"
        for file in ["add-wechat.json", "add-house-use-code.json", "add-visit-log.json"] {
            let r = try rootsync(["catalogue", "draft", "\(Self.examples)/\(file)", "--dir", h.dir(community), "--operator", "王芳"])
            #expect(r.code == 0, "\(file): \(r.err)")
        }
        // Bad input: not JSON, and a change that does not apply. Nothing is stored, nothing changes.
        let before = try schema(h, community)
        let badFile = h.base.appendingPathComponent("bad.json").path
        try Data("{\"title\": \"x\", \"changes\": [{\"op\": \"add_item\", \"resource\": \"person\", \"group\": \"contact\", \"item\": {\"name\": \"phone\", \"format\": \"C..5\"}}]}".utf8)
            .write(to: URL(fileURLWithPath: badFile))
        let bad = try rootsync(["catalogue", "draft", badFile, "--dir", h.dir(community), "--operator", "王芳"])
        #expect(bad.code == 1 && bad.err.contains("already has a data item phone"), "\(bad.err)")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: badFile))
        #expect(try rootsync(["catalogue", "draft", badFile, "--dir", h.dir(community), "--operator", "王芳"]).code == 1)
        #expect(try rootsync(["catalogue", "drafts", "--dir", h.dir(community), "--json"]).lines.count == 3)
        #expect(try schema(h, community) == before)

        // The drafts reach the district.
        #expect(try waitUntil(30) { try status(h, "150603", "\(community)-3") == "pending" })
        for (who, role) in [("李科长", "section_reviewer"), ("张部长", "部门审核员")] {
            #expect(try rootsync(["catalogue", "grant", "--dir", h.dir("150603"), "--operator", who, "--role", role]).code == 0)
        }
        #expect(try rootsync(["catalogue", "grant", "--dir", h.dir("150600"), "--operator", "赵主任", "--role", "authority_reviewer"]).code == 0)
        // Without the role, or at the wrong node: refused.
        let wrong = try rootsync(["catalogue", "review", "\(community)-1", "--approve", "--dir", h.dir("150602"), "--operator", "李科长"])
        #expect(wrong.code == 3 && wrong.err.contains("draft \(community)-1 not found"), "\(wrong.err)")  // the other district never sees it
        // Reviews through the CLI and through the local HTTP API.
        for id in ["\(community)-1", "\(community)-3"] {
            let r = try rootsync(["catalogue", "review", id, "--approve", "--dir", h.dir("150603"), "--operator", "李科长"])
            #expect(r.code == 0, "\(r.err)")
            let api = try curl("POST", "\(h.url("150603"))/v1/catalogue/drafts/\(id)/review",
                               headers: ["Content-Type": "application/json"], body: "{\"operator\": \"张部长\", \"decision\": \"approve\", \"comment\": \"同意\"}")
            #expect(api.status == 200, "\(api.body)")
            #expect(api.json?["next_step"]?.stringValue == "authority")
        }
        let reject = try rootsync(["catalogue", "review", "\(community)-2", "--reject", "--comment", "群租按出租登记并加标签即可",
                                   "--dir", h.dir("150603"), "--operator", "李科长"])
        #expect(reject.code == 0, "\(reject.err)")

        // One community goes offline before publication: it must catch up later.
        h.stop("150602001001")
        #expect(try waitUntil(30) { try draft(h, "150600", "\(community)-3")?["next_step"]?.stringValue == "authority" })
        for id in ["\(community)-1", "\(community)-3"] {
            let r = try rootsync(["catalogue", "review", id, "--approve", "--comment", "同意发布", "--dir", h.dir("150600"), "--operator", "赵主任"])
            #expect(r.code == 0, "\(r.err)")
        }
        #expect(try version(h, "150600") == 3)
        let online = h.codes.filter { $0 != "150602001001" }
        let published = try waitUntil(30) { try online.allSatisfy { try version(h, $0) == 3 } }
        let versions = try h.codes.map { "\($0)=\(try version(h, $0))" }
        #expect(published, "catalogue versions: \(versions)")
        for code in online {
            #expect(try h.database(code).scalarInt("SELECT count(*) FROM pragma_table_info('person') WHERE name = 'wechat'") == 1, "wechat column at \(code)")
            #expect(try h.database(code).scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'visit_log'") == 1, "visit_log table at \(code)")
        }
        // The rejection came back to the author with its comment; the publication too.
        #expect(try waitUntil(20) { try status(h, community, "\(community)-2") == "rejected" })
        #expect(try draft(h, community, "\(community)-2")?["comment"]?.stringValue == "群租按出租登记并加标签即可")
        #expect(try waitUntil(20) { try status(h, community, "\(community)-1") == "published" })

        // The new column carries data up.
        let id1 = CitizenID.complete("15060319900101001")!
        #expect(try h.put(community, "person", person(id1, name: "张三", community: community, extra: [("wechat", "zhangsan88")])).code == 0)
        // 不予共享: written at the community, never at any parent.
        let visit: JSONValue = ["visit_id": "V1", "community_code": .string(community), "notes": "独居老人"]
        #expect(try h.put(community, "visit_log", visit).code == 0)
        #expect(try h.waitFor("150600", "person", id1) { $0["wechat"]?.stringValue == "zhangsan88" } != nil)

        // The city writes data needing the new catalogue for the offline community; it catches up.
        let id2 = CitizenID.complete("15060219900101002")!
        #expect(try h.put("150600", "person", person(id2, name: "李四", community: "150602001001", extra: [("wechat", "lisi")])).code == 0)
        try h.start(["150602001001"])
        #expect(try h.waitFor("150602001001", "person", id2, timeout: 30) { $0["wechat"]?.stringValue == "lisi" } != nil)
        #expect(try version(h, "150602001001") == 3)

        for code in ["150603002", "150603", "150600"] {
            #expect(try h.getExitCode(code, "visit_log", "V1") == 3, "visit_log V1 leaked to \(code)")
            #expect(try h.database(code).scalarInt("SELECT count(*) FROM _rs_versions WHERE resource = 'visit_log'") == 0)
        }
        #expect(try h.get(community, "visit_log", "V1") != nil)
    }
}
