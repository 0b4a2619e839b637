import Foundation
import JSON
import SQLite
import Testing
import Transport
@testable import Node
@testable import Replica

/// The web app's 无效, record, 目录 and 运行状态 endpoints, in process.
@Suite("Web pages: invalid, record, catalogue, status (in-process)", .serialized)
struct WebPagesTests {
    static let community = WebAppTests.community

    @Test("invalid direct writes are listed with their reasons (masked for a clerk, who may not fix them); a reviewer's save clears them")
    func invalid() throws {
        let (tree, server) = try WebAppTests().setUp()
        let r = tree[Self.community]
        let id = Tree.id(71)
        try r.put("person", JSONObject([("id_number", .string(id)), ("name", "孙七"), ("community_code", .string(Self.community))]))
        let other = try Database(path: tree.path(Self.community))
        try other.execute("UPDATE person SET sex = '7', birth_date = '1980/1/1' WHERE id_number = '\(id)'")
        _ = try r.captureExternalWrites()

        let clerk = WebClient(server)
        clerk.signIn("王芳", WebAppTests.clerkPassword)
        let seen = clerk.send("GET", "/app/api/invalid").json
        #expect(seen["count"] == 1 && seen["may_fix"] == false, "\(seen)")
        #expect(seen["writes"]?.arrayValue?.first?["key"]?.stringValue == FieldMasking.mask(id))
        #expect(seen["writes"]?.arrayValue?.first?["problems"]?.arrayValue?.map { $0["field"] } == ["sex"], "\(seen)")
        #expect(seen["writes"]?.arrayValue?.first?["time"]?.stringValue?.hasSuffix("+08:00") == true)

        let reviewer = WebClient(server)
        reviewer.signIn("李审核", WebAppTests.reviewerPassword)
        let list = reviewer.send("GET", "/app/api/invalid").json
        let values = try #require(list["writes"]?.arrayValue?.first?["values"]?.objectValue)
        #expect(values["id_number"]?.stringValue == id && values["sex"] == "7")
        // The form sends the row back corrected.
        var fixed = values
        fixed["sex"] = .string("男")
        fixed["birth_date"] = nil
        fixed["tags"] = nil
        let saved = reviewer.send("POST", "/app/api/records/person", json: ["values": .object(fixed)])
        #expect(saved.status == 200, "\(saved.json)")
        #expect(reviewer.send("GET", "/app/api/invalid").json["count"] == 0)
        #expect(try r.get("person", key: id)?["sex"] == "1")
    }

    @Test("a record page: every field group with who last changed it, from where and when, and its history newest first; masked for a clerk")
    func record() throws {
        let (tree, server) = try WebAppTests().setUp()
        let r = tree[Self.community]
        let id = Tree.id(72)
        try r.put("person", JSONObject([("id_number", .string(id)), ("name", "周八"), ("community_code", .string(Self.community)), ("phone", "13900000072")]))
        try r.put("person", JSONObject([("id_number", .string(id)), ("phone", "13900000073")]))
        let reviewer = WebClient(server)
        reviewer.signIn("李审核", WebAppTests.reviewerPassword)
        let page = reviewer.send("GET", "/app/api/record?resource=person&key=\(id)")
        #expect(page.status == 200, "\(page.json)")
        let groups = try #require(page.json["groups"]?.arrayValue)
        let resource = try r.resource("person")
        #expect(groups.map { $0["name"]?.stringValue ?? "" } == resource.groups.map(\.name))
        let contact = try #require(groups.first { group in group["fields"]?.arrayValue?.contains("phone") == true })
        #expect(contact["last"]?["writer"]?.stringValue == Self.community && contact["last"]?["received_from"] == "")
        #expect(contact["last"]?["time"]?.stringValue?.hasSuffix("+08:00") == true)
        let history = try #require(page.json["history"]?.arrayValue)
        let phoneChange = try #require(history.first { $0["fields"]?.arrayValue?.contains { $0["field"] == "phone" } == true })
        #expect(phoneChange["fields"]?.arrayValue?.first { $0["field"] == "phone" }?["before"] == "13900000072")
        #expect(page.json["values"]?["phone"] == "13900000073")

        let clerk = WebClient(server)
        clerk.signIn("王芳", WebAppTests.clerkPassword)
        let masked = clerk.send("GET", "/app/api/record?resource=person&key=\(id)").json
        #expect(masked["values"]?["phone"]?.stringValue == FieldMasking.mask("13900000073"))
        #expect(masked["key"]?.stringValue == FieldMasking.mask(id))
        #expect(!masked.text.contains("13900000072"), "the history leaks the whole phone to a clerk")
        #expect(clerk.send("GET", "/app/api/record?resource=person&key=\(Tree.id(99))").status == 404)
        #expect(clerk.send("GET", "/app/api/record?resource=person").status == 400)
    }

    @Test("the catalogue: resources, items, code sets with short labels; a draft made in the web app is reviewed at the district by an operator holding the role")
    func catalogue() throws {
        let tree = try Tree(["150600", "150603", "150603002", Self.community])
        let pool = try ReplicaPool(path: tree.path(Self.community), divisions: .bundled)
        try tree[Self.community].addOperator(name: "王芳", role: .clerk, password: OperatorPasswords.make(WebAppTests.clerkPassword, iterations: 1000))
        let server = NodeServer(pool: pool, node: Self.community, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet))
        let c = WebClient(server)
        c.signIn("王芳", WebAppTests.clerkPassword)
        let cat = c.send("GET", "/app/api/catalogue").json
        #expect(cat["resources"]?.arrayValue?.map { $0["name"] }.contains("person") == true)
        let sex = cat["code_sets"]?.arrayValue?.first { $0["id"] == "GB/T 2261.1" }
        #expect(sex?["entries"]?.arrayValue?.count == 4)
        let political = cat["code_sets"]?.arrayValue?.first { $0["id"] == "GB/T 4762" }
        #expect(political?["entries"]?.arrayValue?.first?["short"] == "中共党员")
        #expect(cat["my_roles"] == .array([]) && cat["reviewable"] == .array([]))

        let draft: JSONValue = ["title": "人口增加微信号", "reason": "联系居民",
                                "changes": [["op": "add_item", "resource": "person", "group": "contact",
                                             "item": ["name": "wechat", "label": "微信号", "format": "C..50"]]]]
        let made = c.send("POST", "/app/api/catalogue/drafts", json: ["draft": draft])
        #expect(made.status == 201, "\(made.json)")
        let id = try #require(made.json["id"]?.stringValue)
        #expect(c.send("POST", "/app/api/catalogue/drafts", json: ["draft": ["title": "x"]]).status == 400)
        #expect(c.send("GET", "/app/api/catalogue").json["drafts"]?.arrayValue?.first?["id"]?.stringValue == id)
        // At the community no step is due: the review is refused, naming the node that does it.
        let early = c.send("POST", "/app/api/catalogue/review", json: ["draft": .string(id), "decision": "approve"])
        #expect(early.status != 200 && early.json["message_zh"]?.stringValue?.contains("150603") == true, "\(early.json)")

        for child in ["150603002001", "150603002", "150603"] { _ = try tree.sync(child) }
        let district = tree["150603"]
        try district.addOperator(name: "科员", role: .reviewer, password: OperatorPasswords.make(WebAppTests.reviewerPassword, iterations: 1000))
        _ = try district.grant(role: "section_reviewer", to: "科员", by: "test")
        let districtServer = NodeServer(pool: try ReplicaPool(path: tree.path("150603"), divisions: .bundled), node: "150603",
                                        routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet))
        let d = WebClient(districtServer)
        d.signIn("科员", WebAppTests.reviewerPassword)
        let there = d.send("GET", "/app/api/catalogue").json
        #expect(there["reviewable"] == .array([.string(id)]), "\(there["drafts"] ?? .null)")
        let reviewed = d.send("POST", "/app/api/catalogue/review", json: ["draft": .string(id), "decision": "approve", "comment": ""])
        #expect(reviewed.status == 200, "\(reviewed.json)")
        #expect(reviewed.json["next_step"] == "department")
        #expect(try district.auditEntries(limit: 5).contains { $0.user == "科员" })
    }

    @Test("status: the node's links and counts and the subtree tree, times in the node's zone")
    func status() throws {
        let (_, server) = try WebAppTests().setUp()
        let c = WebClient(server)
        c.signIn("王芳", WebAppTests.clerkPassword)
        let s = c.send("GET", "/app/api/status")
        #expect(s.status == 200, "\(s.json)")
        #expect(s.json["status"]?["node"]?.stringValue == Self.community)
        #expect(s.json["status"]?["links"]?.arrayValue?.first?["node"] == "150603002")
        #expect(s.json["tree"]?["nodes"]?.arrayValue?.first?["node"]?.stringValue == Self.community)
        #expect(s.json["time_zone"] == "Asia/Shanghai" && s.json["now"]?.stringValue?.hasSuffix("+08:00") == true)
        #expect(WebClient(server).send("GET", "/app/api/status").status == 401)
    }
}
