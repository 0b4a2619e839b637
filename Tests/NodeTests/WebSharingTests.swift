import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// 共享 in the web app (requests decided, revoked and rated; quality checks raised from a record
/// page and answered), a clerk's record page through an opaque reference, and catalogue drafts
/// of other kinds than a new item, in process against the city's replica.
@Suite("Web app: sharing, clerk record pages, drafts (in-process)", .serialized)
struct WebSharingTests {
    static let city = "150600"
    static let community = "150603002001"
    static let adminPassword = "admin-password-1"

    /// The city's replica with a data administrator (administrator + data_admin), a clerk and a
    /// reviewer without data_admin, a consumer, and its server.
    func setUp() throws -> (Tree, Replica, NodeServer) {
        let tree = try Tree(["150600", "150603", "150603002", Self.community])
        let r = tree[Self.city]
        try r.addOperator(name: "李主任", role: .administrator, password: OperatorPasswords.make(Self.adminPassword, iterations: 1000))
        try r.addOperator(name: "王芳", role: .clerk, password: OperatorPasswords.make(WebAppTests.clerkPassword, iterations: 1000))
        try r.addOperator(name: "李审核", role: .reviewer, password: OperatorPasswords.make(WebAppTests.reviewerPassword, iterations: 1000))
        _ = try r.grant(role: "data_admin", to: "李主任", by: "test")
        try r.addConsumer(name: "民政局婚姻登记系统", credentialHash: String(repeating: "a", count: 64))
        let pool = try ReplicaPool(path: tree.path(Self.city), divisions: .bundled)
        return (tree, r, NodeServer(pool: pool, node: Self.city, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet)))
    }

    func request(_ r: Replica) throws -> String {
        let c = try ShareContext.load(r)
        return try r.requestShare(consumer: "民政局婚姻登记系统", resource: "person", items: ["id_number", "name"], jurisdiction: "150603",
                                  purpose: .workReference, until: c.today, operator: "王科员", today: c.today).id
    }

    func row(_ list: JSONValue, _ member: String, _ id: String) -> JSONValue? {
        list[member]?.arrayValue?.first { $0["id"]?.stringValue == id }
    }

    @Test("requests: listed with decider, due date and overdue flag; a rejection needs its basis; approve, rate and revoke, each audited under the operator; only the data administrator decides")
    func requests() throws {
        let (_, r, server) = try setUp()
        let first = try request(r), second = try request(r)
        let admin = WebClient(server)
        #expect(admin.signIn("李主任", Self.adminPassword).status == 200)
        let list = admin.send("GET", "/app/api/sharing").json
        let shown = try #require(row(list, "requests", first))
        #expect(shown["state"] == "pending" && shown["decider"] == .string(Self.city) && shown["due"]?.stringValue != nil, "\(shown)")
        #expect(shown["overdue"] == false && shown["may_decide"] == true && shown["may_rate"] == false, "\(shown)")
        #expect(list["data_admin"] == true)

        // The reviewer holds no data_admin: no button, and the Replica refuses the decision.
        let reviewer = WebClient(server)
        reviewer.signIn("李审核", WebAppTests.reviewerPassword)
        #expect(row(reviewer.send("GET", "/app/api/sharing").json, "requests", first)?["may_decide"] == false)
        let refused = reviewer.send("POST", "/app/api/share/decide", json: ["request": .string(first), "decision": "approve"])
        #expect(refused.status == 403 && refused.json["field"] == "operator", "\(refused.json)")
        #expect(refused.json["message_zh"]?.stringValue?.contains("数据管理员") == true && refused.json["message_en"]?.stringValue?.contains("data_admin") == true)

        // No CSRF token: refused, nothing decided.
        #expect(admin.send("POST", "/app/api/share/decide", json: ["request": .string(first), "decision": "approve"], withCSRF: false).status == 403)
        // A rejection without a basis names the field and changes nothing.
        let bare = admin.send("POST", "/app/api/share/decide", json: ["request": .string(second), "decision": "reject", "basis": "  "])
        #expect(bare.status == 422 && bare.json["field"] == "basis", "\(bare.json)")
        #expect(try r.shareRequest(second).status == .pending)

        let approved = admin.send("POST", "/app/api/share/decide", json: ["request": .string(first), "decision": "approve"])
        #expect(approved.status == 200 && approved.json["state"] == "granted", "\(approved.json)")
        let rejected = admin.send("POST", "/app/api/share/decide",
                                  json: ["request": .string(second), "decision": "reject", "basis": "《数据安全法》第三十八条"])
        #expect(rejected.status == 200 && rejected.json["state"] == "rejected" && rejected.json["decision"]?["basis"] == "《数据安全法》第三十八条")
        #expect(admin.send("POST", "/app/api/share/decide", json: ["request": .string(first), "decision": "reject", "basis": "x"]).status == 409)

        let badMark = admin.send("POST", "/app/api/share/rate", json: ["request": .string(first), "quality": 6, "responsiveness": 5])
        #expect(badMark.status == 422 && badMark.json["field"] == "quality", "\(badMark.json)")
        let rated = admin.send("POST", "/app/api/share/rate", json: ["request": .string(first), "quality": "4", "responsiveness": 5, "comment": "及时"])
        #expect(rated.status == 200 && rated.json["ratings"]?.arrayValue?.first?["quality"] == 4, "\(rated.json)")
        let revoked = admin.send("POST", "/app/api/share/revoke", json: ["request": .string(first), "reason": "用途已完成"])
        #expect(revoked.status == 200 && revoked.json["state"] == "revoked", "\(revoked.json)")

        let audit = try r.auditEntries(limit: 20)
        for action in ["share_decide", "share_rate", "share_revoke"] {
            #expect(audit.contains { $0.action == action && $0.user == "李主任" }, "\(action) is not audited under the operator")
        }
        #expect(!audit.contains { $0.action == "share_decide" && $0.user == "李审核" })
    }

    @Test("a clerk opens a person's record from search through an opaque reference: the key is in neither the links nor the page; it raises a dispute there; the authoritative node answers it in the page")
    func clerkRecordAndDisputes() throws {
        let (_, r, server) = try setUp()
        let id = Tree.id(81)
        try r.put("person", JSONObject([("id_number", .string(id)), ("name", "吴九"), ("community_code", .string(Self.community)), ("phone", "13900000081")]))
        let clerk = WebClient(server)
        clerk.signIn("王芳", WebAppTests.clerkPassword)
        let found = clerk.send("GET", "/app/api/search?resource=person&by=name&q=吴九")
        #expect(found.status == 200)
        let ref = try #require(found.json["refs"]?.arrayValue?.first?.stringValue, "\(found.json)")
        #expect(!ref.contains(id) && !(found.response.bodyText ?? "").contains(id), "the search gives the whole ID to a clerk")
        let page = clerk.send("GET", "/app/api/record?ref=\(ref)")
        #expect(page.status == 200, "\(page.json)")
        #expect(!(page.response.bodyText ?? "").contains(id) && !(page.response.bodyText ?? "").contains("13900000081"), "the page shows the whole ID or phone")
        #expect(page.json["key"]?.stringValue == FieldMasking.mask(id) && page.json["values"]?["name"] == "吴九")
        #expect(page.json["groups"]?.arrayValue?.first { $0["name"] == "identity" }?["disputable"]?.arrayValue?.contains("name") == true)
        // Another session's reference, or a made-up one, names nothing.
        let other = WebClient(server)
        other.signIn("王芳", WebAppTests.clerkPassword)
        #expect(other.send("GET", "/app/api/record?ref=\(ref)").status == 404)
        // A reviewer sees the key and gets no reference.
        let reviewer = WebClient(server)
        reviewer.signIn("李审核", WebAppTests.reviewerPassword)
        #expect(reviewer.send("GET", "/app/api/search?resource=person&by=name&q=吴九").json["refs"] == .array([.null]))

        // Raised by the clerk from the record page, by reference.
        let noComment = clerk.send("POST", "/app/api/disputes", json: ["ref": .string(ref), "group": "identity", "expected": ["name": "吴玖"]])
        #expect(noComment.status == 422 && noComment.json["field"] == "comment", "\(noComment.json)")
        let badValue = clerk.send("POST", "/app/api/disputes", json: ["ref": .string(ref), "group": "identity", "expected": ["sex": "7"], "comment": "x"])
        #expect(badValue.status == 422 && badValue.json["problems"]?.arrayValue?.first?["field"] == "sex", "\(badValue.json)")
        let raised = clerk.send("POST", "/app/api/disputes", json: ["ref": .string(ref), "group": "identity", "expected": ["name": "吴玖", "sex": ""],
                                                                  "comment": "与户籍登记不符"])
        #expect(raised.status == 201 && raised.json["answerer"] == .string(Self.city) && raised.json["key"]?.stringValue == FieldMasking.mask(id), "\(raised.json)")
        let dispute = try #require(raised.json["id"]?.stringValue)
        #expect(try r.auditEntries(limit: 5).contains { $0.action == "dispute_raise" && $0.user == "王芳" })
        let second = try r.raiseDispute(resource: "person", key: id, group: "identity", expected: ["name": "吴久"], comment: "错字", operator: "王科员").id

        // The clerk sees the list masked and may not answer.
        let seen = try #require(row(clerk.send("GET", "/app/api/sharing").json, "disputes", dispute))
        #expect(seen["may_answer"] == false && seen["ref"]?.stringValue != nil && seen["due"]?.stringValue != nil, "\(seen)")
        #expect(clerk.send("POST", "/app/api/disputes/answer", json: ["dispute": .string(dispute), "reject": "无误"]).status == 403)

        let admin = WebClient(server)
        admin.signIn("李主任", Self.adminPassword)
        #expect(row(admin.send("GET", "/app/api/sharing").json, "disputes", dispute)?["may_answer"] == true)
        // A correction is checked by the record validator: its problem under the field, nothing written.
        let wrong = admin.send("POST", "/app/api/disputes/answer", json: ["dispute": .string(dispute), "correct": ["name": "吴玖", "sex": "7"]])
        #expect(wrong.status == 422 && wrong.json["problems"]?.arrayValue?.first?["field"] == "sex", "\(wrong.json)")
        #expect(try r.get("person", key: id)?["name"] == "吴九" && (try r.dispute(dispute)).status == .open)
        let corrected = admin.send("POST", "/app/api/disputes/answer", json: ["dispute": .string(dispute), "correct": ["name": "吴玖", "sex": "男"]])
        #expect(corrected.status == 200 && corrected.json["state"] == "corrected" && corrected.json["answer"]?["version"]?.stringValue != nil, "\(corrected.json)")
        #expect(try r.get("person", key: id)?["name"] == "吴玖" && (try r.get("person", key: id)?["sex"]) == "1")
        let noReason = admin.send("POST", "/app/api/disputes/answer", json: ["dispute": .string(second), "reject": " "])
        #expect(noReason.status == 422 && noReason.json["field"] == "reject", "\(noReason.json)")
        let rejected = admin.send("POST", "/app/api/disputes/answer", json: ["dispute": .string(second), "reject": "与公安户籍系统一致"])
        #expect(rejected.status == 200 && rejected.json["state"] == "rejected" && rejected.json["answer"]?["reason"] == "与公安户籍系统一致")
        #expect(try r.auditEntries(limit: 10).filter { $0.action == "dispute_answer" && $0.user == "李主任" }.count == 2)
    }

    @Test("catalogue drafts of other kinds: checked without writing, submitted, listed with their changes")
    func drafts() throws {
        let (_, r, server) = try setUp()
        let c = WebClient(server)
        c.signIn("李主任", Self.adminPassword)
        let code: JSONValue = ["title": "房屋用途增加群租", "reason": "单独统计",
                               "changes": [["op": "add_code", "code_set": "20001", "code": "50", "name": "群租"],
                                           ["op": "set_label", "resource": "person", "item": "phone", "label": "手机号码"]]]
        let checked = c.send("POST", "/app/api/catalogue/drafts/check", json: ["draft": code])
        #expect(checked.status == 200 && checked.json["changes"] == 2, "\(checked.json)")
        #expect(try r.drafts().isEmpty, "a check writes nothing")
        let broken: JSONValue = ["title": "停用不存在的代码", "reason": "",
                                 "changes": [["op": "disable_code", "code_set": "20001", "code": "99"]]]
        let refused = c.send("POST", "/app/api/catalogue/drafts/check", json: ["draft": broken])
        #expect(refused.status == 422 && refused.json["message_zh"]?.stringValue?.contains("草案不能应用") == true
                && refused.json["message_en"]?.stringValue?.contains("99") == true, "\(refused.json)")
        #expect(c.send("POST", "/app/api/catalogue/drafts", json: ["draft": broken]).status == 422)
        #expect(try r.drafts().isEmpty)
        let made = c.send("POST", "/app/api/catalogue/drafts", json: ["draft": code])
        #expect(made.status == 201, "\(made.json)")
        let id = try #require(made.json["id"]?.stringValue)
        let listed = c.send("GET", "/app/api/catalogue").json["drafts"]?.arrayValue?.first { $0["id"]?.stringValue == id }
        #expect(listed?["changes"]?.arrayValue?.map { $0["op"] } == ["add_code", "set_label"], "\(listed ?? .null)")
    }
}
