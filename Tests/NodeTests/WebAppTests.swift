import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// A browser as far as the server can tell: cookies kept, the CSRF token of the last session
/// answer sent with every POST, requests through `NodeServer.handle` from loopback.
final class WebClient {
    let server: NodeServer
    var cookies: [String: String] = [:]
    var csrf: String?
    var address = "127.0.0.1"
    var host = "127.0.0.1:7600"

    init(_ server: NodeServer) { self.server = server }

    @discardableResult
    func send(_ method: String, _ path: String, json: JSONValue? = nil, headers extra: [(String, String)] = [],
              withCSRF: Bool = true, withCookies: Bool = true) -> (status: Int, json: JSONValue, response: HTTPResponse) {
        var headers = HTTPHeaders([("Host", host)] + extra)
        if json != nil && !extra.contains(where: { $0.0 == "Content-Type" }) { headers["Content-Type"] = "application/json" }
        if withCSRF, method != "GET", let csrf { headers["X-CSRF-Token"] = csrf }
        if withCookies, !cookies.isEmpty { headers["Cookie"] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let (p, query) = path.split(separator: "?", maxSplits: 1).map(String.init).splitFirst()
        let items = query.map { URLComponents(string: "?" + $0)?.queryItems ?? [] } ?? []
        let r = server.handle(HTTPRequest(method: method, path: p, queryItems: items, headers: headers,
                                          body: json.map { Array($0.text.utf8) } ?? [], remoteAddress: address))
        for value in r.headers.values(for: "Set-Cookie") {
            let pair = value.split(separator: ";")[0]
            let name = String(pair.split(separator: "=")[0]), v = String(pair.dropFirst(name.count + 1))
            if value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = v }
        }
        let body = (try? JSONParser.parse(bytes: r.body)) ?? .null
        if let token = body["csrf"]?.stringValue { csrf = token }
        return (r.status, body, r)
    }

    /// Opens the sign-in page and signs in.
    @discardableResult
    func signIn(_ name: String, _ password: String) -> (status: Int, json: JSONValue, response: HTTPResponse) {
        send("GET", "/app/api/session")
        return send("POST", "/app/api/sign-in", json: ["name": .string(name), "password": .string(password)])
    }
}

extension Array where Element == String {
    func splitFirst() -> (String, String?) { (self[0], count > 1 ? self[1] : nil) }
}

@Suite("Web app (in-process)", .serialized)
struct WebAppTests {
    static let community = "150603002001"
    static let clerkPassword = "clerk-password-1"
    static let reviewerPassword = "reviewer-password-1"

    /// A community replica with a clerk and a reviewer, and its server.
    func setUp() throws -> (Tree, NodeServer) {
        let tree = try Tree(["150600", "150603", "150603002", Self.community])
        let r = tree[Self.community]
        try r.addOperator(name: "王芳", role: .clerk, password: OperatorPasswords.make(Self.clerkPassword, iterations: 1000))
        try r.addOperator(name: "李审核", role: .reviewer, password: OperatorPasswords.make(Self.reviewerPassword, iterations: 1000))
        let pool = try ReplicaPool(path: tree.path(Self.community), divisions: .bundled)
        return (tree, NodeServer(pool: pool, node: Self.community, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet)))
    }

    static func person(_ id: String, name: String = "赵晓梅", extra: [(String, JSONValue)] = []) -> JSONValue {
        ["values": .object(JSONObject([("id_number", .string(id)), ("name", .string(name)), ("community_code", .string(community))] + extra))]
    }

    @Test("the app's files: index.html with the sign-in labels, app.js and app.css, with a strict CSP; no other file")
    func assets() throws {
        let (_, server) = try setUp()
        let c = WebClient(server)
        let index = c.send("GET", "/").response
        #expect(index.status == 200 && index.headers["Content-Type"]?.hasPrefix("text/html") == true)
        let html = index.bodyText ?? ""
        #expect(html.contains(">用户名</label>") && html.contains(">密码</label>") && html.contains("src=\"/assets/app.js\""))
        #expect(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")
        #expect(index.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true)
        #expect(index.headers["X-Frame-Options"] == "DENY")
        #expect(c.send("GET", "/assets/app.js").response.headers["Content-Type"]?.hasPrefix("text/javascript") == true)
        #expect(c.send("GET", "/assets/app.css").status == 200)
        #expect(c.send("GET", "/assets/..%2Fnode.json").status == 404)
        #expect(c.send("GET", "/assets/missing.js").status == 404)
        #expect(c.send("DELETE", "/").status == 405)
        // The other endpoints are where they were.
        #expect(c.send("GET", "/healthz").status == 200)
    }

    @Test("sign-in needs the sign-in page's cookie and token; a wrong password is 401, audited, and throttled; the cookie is HttpOnly and SameSite=Strict")
    func signIn() throws {
        let (tree, server) = try setUp()
        let c = WebClient(server)
        // Without the sign-in page's cookie and token: refused before any password is checked.
        let bare = c.send("POST", "/app/api/sign-in", json: ["name": "王芳", "password": .string(Self.clerkPassword)])
        #expect(bare.status == 403, "\(bare.json)")
        let session = c.send("GET", "/app/api/session")
        #expect(session.json["signed_in"] == false && session.json["node"]?["code"]?.stringValue == Self.community)
        let setCookie = session.response.headers["Set-Cookie"] ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"))

        let wrong = c.send("POST", "/app/api/sign-in", json: ["name": "王芳", "password": "not-the-password"])
        #expect(wrong.status == 401 && wrong.json["message_zh"]?.stringValue == "用户名或密码错误", "\(wrong.json)")
        let unknown = c.send("POST", "/app/api/sign-in", json: ["name": "无此人", "password": "not-the-password"])
        #expect(unknown.status == 401 && unknown.json["message_en"] == wrong.json["message_en"], "the answer does not tell which names exist")
        let refused = try tree[Self.community].auditEntries(limit: 2, action: "web_sign_in_refused")
        #expect(refused.map(\.user) == ["无此人", "王芳"] && refused.allSatisfy { $0.detail.contains("from=127.0.0.1") })

        let ok = c.signIn("王芳", Self.clerkPassword)
        #expect(ok.status == 200 && ok.json["operator"] == "王芳" && ok.json["role"] == "clerk" && ok.json["sees_identifiers"] == false)
        let cookie = ok.response.headers.values(for: "Set-Cookie").first { $0.hasPrefix("rs_session_\(Self.community)=") } ?? ""
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "\(cookie)")
        #expect(c.cookies["rs_sign_in_\(Self.community)"] == nil, "the sign-in cookie is cleared")
        #expect(try tree[Self.community].auditEntries(limit: 1, action: "web_sign_in").first?.user == "王芳")
        let again = c.send("GET", "/app/api/session")
        #expect(again.json["signed_in"] == true && again.json["csrf"]?.stringValue?.count == 64)
        // A sign-in from a browser that still holds a session cookie ends that session.
        let first = try #require(c.cookies["rs_session_\(Self.community)"])
        let other = WebClient(server)
        other.send("GET", "/app/api/session")
        other.cookies["rs_session_\(Self.community)"] = first
        #expect(other.send("POST", "/app/api/sign-in", json: ["name": "王芳", "password": .string(Self.clerkPassword)]).status == 200)
        #expect(other.cookies["rs_session_\(Self.community)"] != first)
        #expect(c.send("GET", "/app/api/forms").status == 401)
        c.signIn("王芳", Self.clerkPassword)

        // Five failures of one name from one address, then 429 with Retry-After, even for the right password.
        let guesser = WebClient(server)
        guesser.send("GET", "/app/api/session")
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(guesser.send("POST", "/app/api/sign-in", json: ["name": "李审核", "password": "guess-guess"]).status) }
        #expect(statuses == [401, 401, 401, 401, 401, 429], "\(statuses)")
        let blocked = guesser.send("POST", "/app/api/sign-in", json: ["name": "李审核", "password": .string(Self.reviewerPassword)])
        #expect(blocked.status == 429 && blocked.response.headers["Retry-After"] != nil)
        // Another name from the same address is not held up.
        #expect(WebClient(server).signIn("王芳", Self.clerkPassword).status == 200)
    }

    @Test("a POST without a session is 401; without the CSRF token, with a wrong one, form-encoded or from another origin 403; none writes")
    func forgedPosts() throws {
        let (tree, server) = try setUp()
        let c = WebClient(server)
        #expect(c.signIn("王芳", Self.clerkPassword).status == 200)
        let id = Tree.id(41)
        let form = Self.person(id)
        #expect(c.send("POST", "/app/api/records/person", json: form, withCookies: false).status == 401)
        let noToken = c.send("POST", "/app/api/records/person", json: form, withCSRF: false)
        #expect(noToken.status == 403 && noToken.json["message_en"]?.stringValue?.contains("CSRF") == true, "\(noToken.json)")
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("X-CSRF-Token", String(repeating: "0", count: 64))], withCSRF: false).status == 403)
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("Content-Type", "application/x-www-form-urlencoded")]).status == 403)
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("Content-Type", "text/plain")]).status == 403)
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("Origin", "http://evil.example")]).status == 403)
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("Sec-Fetch-Site", "cross-site")]).status == 403)
        // A CSRF token of another session is not this one's.
        let other = WebClient(server)
        #expect(other.signIn("李审核", Self.reviewerPassword).status == 200)
        #expect(c.send("POST", "/app/api/records/person", json: form, headers: [("X-CSRF-Token", other.csrf!)], withCSRF: false).status == 403)
        #expect(try tree[Self.community].get("person", key: id) == nil)
        #expect(try tree[Self.community].auditEntries(limit: 10, action: "web_put").isEmpty)
        // The same request with both is accepted.
        let good = c.send("POST", "/app/api/records/person", json: form, headers: [("Origin", "http://127.0.0.1:7600"), ("Sec-Fetch-Site", "same-origin")])
        #expect(good.status == 200, "\(good.json)")
    }

    @Test("forms from the catalogue: every resource, Chinese labels, code sets as options, tags in use, writable groups, searches")
    func forms() throws {
        let (tree, server) = try setUp()
        try tree[Self.community].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("name", "张三"), ("community_code", .string(Self.community)),
                                                         ("tags", .array(["低保户"]))]))
        let c = WebClient(server)
        #expect(c.send("GET", "/app/api/forms").status == 401)
        c.signIn("王芳", Self.clerkPassword)
        let forms = c.send("GET", "/app/api/forms").json
        let resources = forms["resources"]?.arrayValue ?? []
        #expect(resources.compactMap { $0["name"]?.stringValue } == tree[Self.community].catalogue.resources.map(\.name))
        let person = try #require(resources.first { $0["name"] == "person" })
        let fields = (person["groups"]?.arrayValue ?? []).flatMap { $0["fields"]?.arrayValue ?? [] }
        func field(_ name: String) -> JSONValue? { fields.first { $0["name"]?.stringValue == name } }
        #expect(field("id_number")?["label"] == "公民身份号码" && field("id_number")?["required"] == true && field("id_number")?["check"] == "citizen_id")
        #expect(field("sex")?["input"] == "select")
        #expect(field("sex")?["options"]?.arrayValue?.contains(["code": "2", "name": "女性"]) == true)
        #expect(field("ethnicity")?["options"]?.arrayValue?.count == tree[Self.community].catalogue.codeSet("GB/T 3304")?.entries.count)
        #expect(field("birth_date")?["input"] == "date")
        #expect(field("tags")?["input"] == "tags" && field("tags")?["options"] == .array(["低保户"]))
        #expect(field("name")?["maxlength"] == .int(50))
        #expect(person["id_rule"] == ["id": "id_number", "sex": "sex", "birth_date": "birth_date"])
        #expect(person["search"]?.arrayValue?.compactMap { $0["by"]?.stringValue } == ["key", "name", "address", "phone", "tag", "community"])
        #expect(person["columns"]?.arrayValue?.prefix(2) == ["id_number", "name"])
        // A community may not write an event's handling (street and above).
        let event = try #require(resources.first { $0["name"] == "event" })
        let handling = event["groups"]?.arrayValue?.first { $0["name"] == "handling" }
        #expect(handling?["writable"] == false && handling?["writers_zh"]?.stringValue?.contains("街道") == true, "\(handling ?? .null)")
    }

    @Test("check: each value's problems from the record validator, and what a valid ID says; save: audited under the operator, or 422 naming the field and writing nothing")
    func entry() throws {
        let (tree, server) = try setUp()
        let c = WebClient(server)
        c.signIn("王芳", Self.clerkPassword)
        let good = Tree.id(43)
        let bad = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
        let check = c.send("POST", "/app/api/check/person", json: ["values": ["id_number": .string(bad), "phone": "12ab"]])
        #expect(check.status == 200)
        let rules = Set((check.json["problems"]?.arrayValue ?? []).compactMap { p in p["rule"]?.stringValue.map { "\(p["field"]!.stringValue!):\($0)" } })
        #expect(rules == ["id_number:id.check_char", "phone:record.phone"], "\(check.json)")
        #expect(check.json["problems"]?.arrayValue?.first { $0["field"] == "id_number" }?["message_zh"]?.stringValue?.contains("校验") == true)
        let derived = c.send("POST", "/app/api/check/person", json: ["values": ["id_number": .string(good)]]).json
        #expect(derived["problems"] == .array([]) && derived["derived"] == ["sex": "1", "birth_date": "1980-01-01"], "\(derived)")

        let refused = c.send("POST", "/app/api/records/person", json: Self.person(bad))
        #expect(refused.status == 422)
        #expect(refused.json["problems"]?.arrayValue?.map { $0["field"] } == ["id_number"], "\(refused.json)")
        #expect(refused.json["problems"]?.arrayValue?.first?["message_en"]?.stringValue?.contains("check character") == true)
        let sexWrong = c.send("POST", "/app/api/records/person", json: Self.person(good, extra: [("sex", "2")]))
        #expect(sexWrong.status == 422 && sexWrong.json["problems"]?.arrayValue?.first?["rule"] == "record.id_sex", "\(sexWrong.json)")
        let outside = c.send("POST", "/app/api/records/person",
                             json: ["values": ["id_number": .string(good), "name": "某人", "community_code": "150603001001"]])
        #expect(outside.status == 403, "\(outside.json)")
        #expect(try tree[Self.community].get("person", key: good) == nil)

        let saved = c.send("POST", "/app/api/records/person", json: Self.person(good, extra: [("sex", "男性"), ("birth_date", "1980-01-01"), ("tags", .array(["独居老人"]))]))
        #expect(saved.status == 200 && saved.json["created"] == true && saved.json["key"]?.stringValue == good, "\(saved.json)")
        let stored = try #require(try tree[Self.community].get("person", key: good))
        #expect(stored["sex"] == "1" && stored["birth_date"] == "19800101" && stored["tags"] == .array(["独居老人"]))
        let audit = try #require(try tree[Self.community].auditEntries(limit: 1, action: "web_put").first)
        #expect(audit.user == "王芳" && audit.detail.contains("key=\(good)") && audit.detail.contains("created=true"))
        // Fields left out stay as they are.
        #expect(c.send("POST", "/app/api/records/person", json: ["values": ["id_number": .string(good), "phone": "13800000042"]]).json["created"] == false)
        #expect(try tree[Self.community].get("person", key: good)?["name"] == "赵晓梅")
        #expect(c.send("POST", "/app/api/records/nosuch", json: Self.person(good)).status == 422)
        #expect(c.send("POST", "/app/api/records/person", json: ["id_number": .string(good)]).status == 400)
        #expect(c.send("POST", "/app/api/records/person", json: nil, headers: [("Content-Type", "application/json")]).status == 400)
    }

    @Test("search: a page of records, ID and phone masked for a clerk and whole for a reviewer; refusals name the rule; audited")
    func search() throws {
        let (tree, server) = try setUp()
        let r = tree[Self.community]
        for i in 1...25 {
            try r.put("person", JSONObject([("id_number", .string(Tree.id(i))), ("name", .string("张\(i)")), ("community_code", .string(Self.community)),
                                            ("phone", .string("1380000\(String(format: "%04d", i))")), ("residence_address", .string("青春山路\(i)号"))]))
        }
        let clerk = WebClient(server)
        clerk.signIn("王芳", Self.clerkPassword)
        let first = clerk.send("GET", "/app/api/search?resource=person&by=name&q=%E5%BC%A0")
        #expect(first.status == 200, "\(first.json)")
        let records = first.json["records"]?.arrayValue ?? []
        #expect(records.count == 20 && first.json["has_more"] == true && first.json["masked"] == true)
        let id1 = Tree.id(1)
        let masked = records.first { $0["name"] == "张1" }
        #expect(masked?["id_number"]?.stringValue == String(id1.prefix(4)) + String(repeating: "*", count: 10) + String(id1.suffix(4)))
        #expect(masked?["phone"] == "1380***0001")
        #expect(records.allSatisfy { $0["id_number"]?.stringValue?.contains("*") == true })
        let second = clerk.send("GET", "/app/api/search?resource=person&by=name&q=%E5%BC%A0&page=1").json
        #expect(second["records"]?.arrayValue?.count == 5 && second["has_more"] == false)
        let audit = try #require(try r.auditEntries(limit: 1, action: "web_search").first)
        #expect(audit.user == "王芳" && audit.detail.contains("by=name") && audit.detail.contains("page=1"))

        let reviewer = WebClient(server)
        reviewer.signIn("李审核", Self.reviewerPassword)
        let whole = reviewer.send("GET", "/app/api/search?resource=person&by=key&q=\(id1)").json
        #expect(whole["masked"] == false && whole["records"]?.arrayValue?.first?["id_number"]?.stringValue == id1, "\(whole)")
        #expect(reviewer.send("GET", "/app/api/search?resource=person&by=address&q=%E9%9D%92%E6%98%A5%E5%B1%B1%E8%B7%AF25").json["records"]?.arrayValue?.count == 1)

        let short = clerk.send("GET", "/app/api/search?resource=person&by=address&q=%E9%9D%92")
        #expect(short.status == 422 && short.json["problems"]?.arrayValue?.first?["rule"] == "search.too_short", "\(short.json)")
        #expect(clerk.send("GET", "/app/api/search?resource=person&by=shoe_size&q=1").status == 400)
        #expect(clerk.send("GET", "/app/api/search?resource=person&by=name&q=x&page=-1").status == 400)
        #expect(WebClient(server).send("GET", "/app/api/search?resource=person&by=name&q=x").status == 401)
    }

    @Test("a session ends at sign-out, with a new password, when the account goes, and after its idle time")
    func sessionsEnd() throws {
        let (tree, server) = try setUp()
        let a = WebClient(server), b = WebClient(server), c = WebClient(server)
        for client in [a, b] { #expect(client.signIn("王芳", Self.clerkPassword).status == 200) }
        #expect(c.signIn("李审核", Self.reviewerPassword).status == 200)
        #expect(a.send("POST", "/app/api/sign-out", json: [:]).status == 200)
        #expect(a.send("GET", "/app/api/forms").status == 401)
        #expect(try tree[Self.community].auditEntries(limit: 1, action: "web_sign_out").first?.user == "王芳")
        #expect(b.send("GET", "/app/api/forms").status == 200, "another session of the operator goes on")
        try tree[Self.community].setOperatorPassword(name: "王芳", password: OperatorPasswords.make("a-new-password", iterations: 1000))
        #expect(b.send("GET", "/app/api/forms").status == 401)
        #expect(c.send("GET", "/app/api/forms").status == 200)
        try tree[Self.community].removeOperator(name: "李审核")
        #expect(c.send("GET", "/app/api/forms").status == 401)

        let sessions = WebSessions(idleLimit: 60, absoluteLimit: 600, capacity: 2)
        let start = Date()
        let (t1, csrf) = sessions.open(operatorName: "x", stamp: "s", now: start)
        #expect(sessions.session(t1, now: start.addingTimeInterval(59))?.csrf == csrf)
        #expect(sessions.session(t1, now: start.addingTimeInterval(118)) != nil, "use moves the idle deadline")
        #expect(sessions.session(t1, now: start.addingTimeInterval(179)) == nil, "idle for 61 s")
        let (t2, _) = sessions.open(operatorName: "x", stamp: "s", now: start)
        for minute in 1...11 { _ = sessions.session(t2, now: start.addingTimeInterval(Double(minute) * 50)) }
        #expect(sessions.session(t2, now: start.addingTimeInterval(601)) == nil, "past the absolute limit")
        // The table is bounded: the least recently used goes first.
        let (t3, _) = sessions.open(operatorName: "a", stamp: "s", now: start)
        let (t4, _) = sessions.open(operatorName: "b", stamp: "s", now: start.addingTimeInterval(1))
        _ = sessions.session(t3, now: start.addingTimeInterval(2))
        let (t5, _) = sessions.open(operatorName: "c", stamp: "s", now: start.addingTimeInterval(3))
        #expect(sessions.count == 2)
        #expect(sessions.session(t4, now: start.addingTimeInterval(4)) == nil)
        #expect(sessions.session(t3, now: start.addingTimeInterval(4)) != nil && sessions.session(t5, now: start.addingTimeInterval(4)) != nil)
    }

    @Test("served to loopback with a loopback Host (no DNS rebinding), to other machines only over HTTPS")
    func whereServed() throws {
        let (_, server) = try setUp()
        let c = WebClient(server)
        for host in ["127.0.0.1:7600", "localhost:7600", "[::1]:7600", "127.0.0.1"] {
            c.host = host
            #expect(c.send("GET", "/").status == 200, "\(host)")
        }
        for host in ["evil.example:7600", "127.0.0.1.evil.example", "[::2]:7600", ""] {
            c.host = host
            #expect(c.send("GET", "/").status == 403, "\(host)")
            #expect(c.send("GET", "/app/api/session").status == 403, "\(host)")
        }
        let remote = WebClient(server)
        remote.address = "10.20.30.40"
        remote.host = "10.20.30.1:7600"
        let refused = remote.send("GET", "/")
        #expect(refused.status == 403 && refused.json["message_en"]?.stringValue?.contains("HTTPS") == true)
        server.requiresClientCertificate = true  // what AgentRuntime sets when it serves HTTPS
        #expect(remote.send("GET", "/").status == 200)
        let session = remote.send("GET", "/app/api/session")
        #expect(session.response.headers["Set-Cookie"]?.contains("; Secure") == true)
    }

    @Test("conflicts: side by side for everyone, masked and without ids for a clerk; resolved by a reviewer taking a version or writing checked values, audited")
    func conflicts() throws {
        let (tree, server) = try setUp()
        let id = Tree.id(45)
        try tree[Self.community].put("person", JSONObject([("id_number", .string(id)), ("name", "张三"), ("community_code", .string(Self.community)),
                                                         ("phone", "13800000045")]))
        try tree.syncAll()
        // The same fields changed at the community and at the city before either saw the other.
        try tree[Self.community].put("person", JSONObject([("id_number", .string(id)), ("name", "张三丰"), ("phone", "13900000045")]))
        try tree["150600"].put("person", JSONObject([("id_number", .string(id)), ("name", "张叁"), ("phone", "13700000045")]))
        try tree.syncAll()
        #expect(try tree[Self.community].conflicts().count == 2)

        let clerk = WebClient(server)
        clerk.signIn("王芳", Self.clerkPassword)
        let seen = clerk.send("GET", "/app/api/conflicts").json
        #expect(seen["count"] == 2 && seen["may_resolve"] == false && seen["masked"] == true, "\(seen)")
        let clerkList = seen["conflicts"]?.arrayValue ?? []
        #expect(clerkList.allSatisfy { $0["conflict"] == nil && $0["key"]?.stringValue?.contains("*") == true }, "\(clerkList)")
        let contactForClerk = clerkList.first { $0["group"] == "contact" }
        #expect(contactForClerk?["versions"]?.arrayValue?.allSatisfy { $0["values"]?["phone"]?.stringValue?.contains("*") == true } == true)
        let forbidden = clerk.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string("person/\(id)/identity"), "take": "x"])
        #expect(forbidden.status == 403, "\(forbidden.json)")

        let reviewer = WebClient(server)
        reviewer.signIn("李审核", Self.reviewerPassword)
        let list = reviewer.send("GET", "/app/api/conflicts").json["conflicts"]?.arrayValue ?? []
        let identity = try #require(list.first { $0["group"] == "identity" })
        #expect(identity["conflict"]?.stringValue == "person/\(id)/identity" && identity["key"]?.stringValue == id)
        #expect(identity["authority"] == "city" && identity["editable"] == true)
        let versions = identity["versions"]?.arrayValue ?? []
        #expect(versions.map { $0["writer"] } == ["150600", .string(Self.community)] && versions.map { $0["visible"] } == [true, false])
        #expect(versions.map { $0["values"]?["name"] } == ["张叁", "张三丰"])
        #expect(versions.allSatisfy { ($0["time_ms"]?.int64Value ?? 0) > 1_700_000_000_000 && $0["writer_level_zh"] != nil })
        // Times are shown in the node's zone, not the browser's: the server formats them.
        #expect(versions.allSatisfy { $0["time"]?.stringValue == server.time.display(milliseconds: $0["time_ms"]?.int64Value ?? 0) })
        #expect(versions.first?["time"]?.stringValue?.hasSuffix("+08:00") == true)

        let identityID = "person/\(id)/identity", contactID = "person/\(id)/contact"
        #expect(reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(identityID), "take": "150600:1#999"]).status == 400)
        #expect(reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(identityID)]).status == 400)
        #expect(reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(contactID), "values": ["phone": "1", "name": "x"]]).status == 400)
        let invalid = reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(contactID), "values": ["phone": "12ab"]])
        #expect(invalid.status == 422 && invalid.json["problems"]?.arrayValue?.first?["field"] == "phone", "\(invalid.json)")
        #expect(reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(contactID), "take": "x"], withCSRF: false).status == 403)
        #expect(try tree[Self.community].conflicts().count == 2, "refusals resolve nothing")

        let ours = try #require(versions.last?["version"]?.stringValue)
        let took = reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(identityID), "take": .string(ours)])
        #expect(took.status == 200 && took.json["resolved"] == true, "\(took.json)")
        let wrote = reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(contactID), "values": ["phone": "13600000045"]])
        #expect(wrote.status == 200, "\(wrote.json)")
        #expect(try tree[Self.community].conflicts().isEmpty)
        let record = try #require(try tree[Self.community].get("person", key: id))
        #expect(record["name"] == "张三丰" && record["phone"] == "13600000045" && record["_conflict"] == nil)
        let audit = try tree[Self.community].auditEntries(limit: 2, action: "resolve")
        #expect(audit.map(\.user) == ["李审核", "李审核"] && audit.last?.detail == "\(identityID) take=\(ours)")
        // Gone: 409, and every node agrees after the next rounds.
        #expect(reviewer.send("POST", "/app/api/conflicts/resolve", json: ["conflict": .string(identityID), "take": .string(ours)]).status == 409)
        try tree.syncAll()
        for code in ["150600", "150603", "150603002", Self.community] {
            #expect(try tree[code].conflicts().isEmpty, "\(code)")
            #expect(try tree[code].get("person", key: id)?["name"] == "张三丰", "\(code)")
        }
    }

    @Test("masking keeps both ends of long values and hides short ones; passwords verify only against their own hash")
    func maskingAndPasswords() throws {
        #expect(FieldMasking.mask("150603198001010018") == "1506**********0018")
        #expect(FieldMasking.mask("13800000001") == "1380***0001")
        #expect(FieldMasking.mask("8581234") == "858**34")
        #expect(FieldMasking.mask("123456") == "******")
        let stored = OperatorPasswords.make("correct horse", iterations: 1000)
        #expect(stored.iterations == 1000 && stored.salt.count == 32 && stored.hash.count == 64)
        #expect(try OperatorPasswords.verify("correct horse", against: stored, operator: "x"))
        #expect(try !OperatorPasswords.verify("correct horsf", against: stored, operator: "x"))
        #expect(OperatorPasswords.make("correct horse", iterations: 1000).salt != stored.salt, "every hash has its own salt")
        #expect(throws: OperatorError.unreadablePassword("x")) {
            try OperatorPasswords.verify("p", against: OperatorPassword(algorithm: "md5", iterations: 1, salt: "00", hash: "00"), operator: "x")
        }
        #expect(OperatorPasswords.iterations >= 600_000)
        for (password, ok) in [("12345678", true), ("1234567", false), ("王芳王芳王芳王芳", true), ("abc\u{7}defgh", false), ("same-name", false)] {
            let accepted = (try? OperatorPasswords.checkAcceptable(password, name: "same-name")) != nil
            #expect(accepted == ok, "\(password)")
        }
    }
}
