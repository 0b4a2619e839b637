import Catalogue
import Crypto
import Foundation
import JSON
import Replica
import Sharing
import Standards
import Transport

/// 一表通, the web app clerks use: its files at `/` and `/assets/…`, its JSON API under
/// `/app/api/…` (docs/WEB.md). Operators sign in with a password (`rootsync operator`); a
/// session is an HttpOnly, SameSite=Strict cookie, and every POST carries the session's CSRF
/// token in `X-CSRF-Token` (the sign-in POST the token of the sign-in page's cookie). Every
/// action is audited under the operator's name.
extension NodeServer {
    /// Who may call a route.
    enum WebAccess {
        /// Anyone the web app is served to (its files, the session probe).
        case open
        /// The sign-in POST: the sign-in page's cookie and its token.
        case signingIn
        /// A signed-in operator; a POST also needs the session's CSRF token.
        case signedIn
    }

    /// What a route's handler gets: the request, its path segments and, when signed in, the
    /// operator, the session and its cookie token.
    struct WebCall {
        let request: HTTPRequest
        let parts: [String]
        var account: OperatorAccount?
        var session: WebSessions.Session?
        var token: String?

        /// The signed-in operator (routes with `.signedIn` access always have one).
        var operatorAccount: OperatorAccount {
            get throws {
                guard let account else { throw WebError.signedOut }
                return account
            }
        }
    }

    /// One row of the web app's route table: method, path ("*" matches one segment), access.
    struct WebRoute: Sendable {
        let method: String
        let path: [String]
        let access: WebAccess
        let handle: @Sendable (NodeServer, WebCall) throws -> HTTPResponse

        init(_ method: String, _ path: [String], _ access: WebAccess, _ handle: @escaping @Sendable (NodeServer, WebCall) throws -> HTTPResponse) {
            self.method = method
            self.path = path
            self.access = access
            self.handle = handle
        }

        func matches(_ parts: [String]) -> Bool {
            parts.count == path.count && zip(path, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }

    static let webRoutes: [WebRoute] = [
        WebRoute("GET", [], .open) { s, _ in try s.webAsset("index.html") },
        WebRoute("GET", ["assets", "*"], .open) { s, c in try s.webAsset(c.parts[1]) },
        WebRoute("GET", ["app", "api", "session"], .open) { s, c in try s.webSession(c) },
        WebRoute("POST", ["app", "api", "sign-in"], .signingIn) { s, c in try s.webSignIn(c) },
        WebRoute("POST", ["app", "api", "sign-out"], .signedIn) { s, c in try s.webSignOut(c) },
        WebRoute("GET", ["app", "api", "forms"], .signedIn) { s, _ in NodeServer.webJSON(try s.pool.with { try WebForms.make($0) }) },
        WebRoute("POST", ["app", "api", "check", "*"], .signedIn) { s, c in try s.webCheck(c) },
        WebRoute("POST", ["app", "api", "records", "*"], .signedIn) { s, c in try s.webPut(c) },
        WebRoute("GET", ["app", "api", "search"], .signedIn) { s, c in try s.webSearch(c) },
        WebRoute("GET", ["app", "api", "conflicts"], .signedIn) { s, c in try s.webConflicts(c) },
        WebRoute("POST", ["app", "api", "conflicts", "resolve"], .signedIn) { s, c in try s.webResolve(c) },
        WebRoute("POST", ["app", "api", "import", "*"], .signedIn) { s, c in try s.webImport(c) },
        WebRoute("GET", ["app", "api", "export", "*"], .signedIn) { s, c in try s.webExport(c) },
        WebRoute("GET", ["app", "api", "invalid"], .signedIn) { s, c in try s.webInvalid(c) },
        WebRoute("GET", ["app", "api", "record"], .signedIn) { s, c in try s.webRecord(c) },
        WebRoute("GET", ["app", "api", "catalogue"], .signedIn) { s, c in try s.webCatalogue(c) },
        WebRoute("POST", ["app", "api", "catalogue", "drafts"], .signedIn) { s, c in try s.webSubmitDraft(c) },
        WebRoute("POST", ["app", "api", "catalogue", "review"], .signedIn) { s, c in try s.webReviewDraft(c) },
        WebRoute("POST", ["app", "api", "catalogue", "drafts", "check"], .signedIn) { s, c in try s.webCheckDraft(c) },
        WebRoute("GET", ["app", "api", "sharing"], .signedIn) { s, c in try s.webSharing(c) },
        WebRoute("POST", ["app", "api", "share", "decide"], .signedIn) { s, c in try s.webDecideShare(c) },
        WebRoute("POST", ["app", "api", "share", "revoke"], .signedIn) { s, c in try s.webRevokeShare(c) },
        WebRoute("POST", ["app", "api", "share", "rate"], .signedIn) { s, c in try s.webRateShare(c) },
        WebRoute("POST", ["app", "api", "disputes"], .signedIn) { s, c in try s.webRaiseDispute(c) },
        WebRoute("POST", ["app", "api", "disputes", "answer"], .signedIn) { s, c in try s.webAnswerDispute(c) },
        WebRoute("GET", ["app", "api", "status"], .signedIn) { s, c in try s.webStatus(c) },
    ]

    /// Paths the web app owns.
    static func isWebPath(_ parts: [String]) -> Bool {
        parts.isEmpty || parts[0] == "assets" || parts[0] == "app"
    }

    /// The server runs HTTPS (`AgentRuntime` asks for client certificates exactly then).
    var servesHTTPS: Bool { requiresClientCertificate }

    var sessionCookie: String { "rs_session_\(node)" }
    var signInCookie: String { "rs_sign_in_\(node)" }

    /// Answers a request for a web path: the access rule, the route, its access, its handler;
    /// every refusal in the web app's JSON error shape with its status.
    func web(_ r: HTTPRequest, _ parts: [String]) -> HTTPResponse {
        var response: HTTPResponse
        do {
            try authorizeWeb(r)
            let routes = Self.webRoutes.filter { $0.matches(parts) }
            guard !routes.isEmpty else { throw WebError.notFound(r.path) }
            guard let route = routes.first(where: { $0.method == r.method }) else { throw WebError.methodNotAllowed(r.method) }
            var call = WebCall(request: r, parts: parts)
            if r.method != "GET" { try checkSameSiteJSON(r) }
            switch route.access {
            case .open: break
            case .signingIn:
                guard let expected = r.cookie(signInCookie), let given = r.headers["X-CSRF-Token"],
                      Crypto.constantTimeEquals(expected, given) else { throw WebError.csrf }
            case .signedIn:
                guard let (token, session, account) = try signedIn(r) else { throw WebError.signedOut }
                if r.method != "GET" {
                    guard let given = r.headers["X-CSRF-Token"], Crypto.constantTimeEquals(session.csrf, given) else { throw WebError.csrf }
                }
                call.account = account
                call.session = session
                call.token = token
            }
            response = try route.handle(self, call)
        } catch let e as WebError {
            response = Self.webError(e)
        } catch let e as ReplicaError {
            if case .invalid(let issues) = e { response = Self.webError(.invalid(issues)) } else {
                response = Self.webError(.badRequest(zh: e.messageZh, en: e.description), status: Self.status(of: e))
            }
        } catch let e as ShareError {
            response = Self.webShareError(e)
        } catch let e as CatalogueError {
            response = Self.webError(.badRequest(zh: "草案不能应用到当前目录：" + e.problems.joined(separator: "；"),
                                                 en: "the draft does not apply to the catalogue in force: " + e.problems.joined(separator: "; ")), status: 422)
        } catch let e as ConfigError {
            response = Self.webError(.badRequest(zh: e.messageZh, en: e.messageEn), status: 500)
        } catch let e as OperatorError {
            response = Self.webError(.badRequest(zh: e.messageZh, en: e.description))
        } catch let e as JSONParser.Error {
            response = Self.webError(.badRequest(zh: "请求不是有效的 JSON：\(e)", en: "the body is not valid JSON: \(e)"))
        } catch {
            log.event("error", ["path": r.path, "error": "\(error)"])
            response = Self.webError(.badRequest(zh: "服务器内部错误", en: "internal error: \(error)"), status: 500)
        }
        // The app's own files and answers only: no framing, no sniffing, no referrer, no inline code.
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        if response.headers["Cache-Control"] == nil { response.headers["Cache-Control"] = "no-store" }
        return response
    }

    /// The web app is served on loopback, and to other machines only over HTTPS (a password must
    /// never cross the network in clear). On plain HTTP the Host header must name loopback too:
    /// a page from elsewhere whose name was re-pointed at 127.0.0.1 (DNS rebinding) is refused.
    func authorizeWeb(_ r: HTTPRequest) throws {
        if servesHTTPS { return }
        guard Self.isLoopback(r.remoteAddress) else {
            throw WebError.notServedHere(zh: "一表通只在本机提供；要从其他电脑使用，节点须配置 HTTPS 证书（见 docs/WEB.md）",
                                         en: "the web app is served to this computer only; other computers need the node to serve HTTPS (see docs/WEB.md)")
        }
        guard let host = r.headers["Host"], Self.isLoopbackHost(host) else {
            throw WebError.notServedHere(zh: "请求的主机名不是本机（Host: \(r.headers["Host"] ?? "")）；请用 http://127.0.0.1:端口/ 打开",
                                         en: "the Host header does not name this computer (\(r.headers["Host"] ?? "none")); open http://127.0.0.1:PORT/")
        }
    }

    /// "127.0.0.1:7600", "localhost:7600", "[::1]:7600", with or without the port.
    static func isLoopbackHost(_ host: String) -> Bool {
        var name = Substring(host)
        if name.hasPrefix("[") {
            guard let end = name.firstIndex(of: "]") else { return false }
            name = name[name.index(after: name.startIndex)..<end]
            return name == "::1"
        }
        if let colon = name.lastIndex(of: ":") { name = name[..<colon] }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets[0] == "127", octets.allSatisfy({ UInt8($0) != nil }) { return true }
        return name.lowercased() == "localhost"
    }

    /// A POST must carry JSON (a form on another site cannot send that without the browser
    /// asking first, which this server never allows) and must not say it comes from elsewhere.
    func checkSameSiteJSON(_ r: HTTPRequest) throws {
        let type = r.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else { throw WebError.crossSite("Content-Type \(type ?? "none")") }
        if let site = r.headers["Sec-Fetch-Site"], site != "same-origin", site != "none" { throw WebError.crossSite("Sec-Fetch-Site \(site)") }
        if let origin = r.headers["Origin"], let host = r.headers["Host"], origin != "\(servesHTTPS ? "https" : "http")://\(host)" {
            throw WebError.crossSite("Origin \(origin)")
        }
    }

    /// The session of the request's cookie and its operator, when both are still valid.
    func signedIn(_ r: HTTPRequest) throws -> (token: String, session: WebSessions.Session, account: OperatorAccount)? {
        guard let token = r.cookie(sessionCookie), let session = webSessions.session(token) else { return nil }
        // Looked up every time: a removed account or a new password ends its sessions at once.
        guard let account = try pool.with({ try $0.operatorAccount(session.operatorName) }), account.password.salt == session.stamp else {
            webSessions.close(token)
            return nil
        }
        return (token, session, account)
    }

    // MARK: Handlers

    func webAsset(_ name: String) throws -> HTTPResponse {
        guard let asset = try WebAssets.asset(name) else { throw WebError.notFound("/assets/\(name)") }
        return HTTPResponse(status: 200, headers: ["Content-Type": asset.contentType, "Cache-Control": "no-cache"], body: asset.body)
    }

    /// `GET /app/api/session`: who is signed in, with the session's CSRF token; when nobody is,
    /// a sign-in cookie and its token for the sign-in form.
    func webSession(_ call: WebCall) throws -> HTTPResponse {
        let node = try pool.with { r in
            ["code": .string(r.node.code), "name": .string(r.node.name), "level": .string(r.node.level.rawValue),
             "level_zh": .string(r.node.level.nameZh), "time_zone": .string(time.zoneName)] as JSONValue
        }
        if let (_, session, account) = try signedIn(call.request) {
            return Self.webJSON(Self.signedInJSON(account, csrf: session.csrf, node: node))
        }
        let token = Crypto.newToken()
        var response = Self.webJSON(["signed_in": false, "csrf": .string(token), "node": node])
        response.headers.add("Set-Cookie", cookie(signInCookie, token, maxAge: 3600))
        return response
    }

    static func signedInJSON(_ account: OperatorAccount, csrf: String, node: JSONValue) -> JSONValue {
        ["signed_in": true, "operator": .string(account.name), "role": .string(account.role.rawValue),
         "role_zh": .string(account.role.nameZh), "sees_identifiers": .bool(account.role.seesIdentifiers),
         "csrf": .string(csrf), "node": node]
    }

    /// `POST /app/api/sign-in` {"name", "password"}. Failures are throttled per (address, name)
    /// like link credentials, and one PBKDF2 check runs at a time, so guessing costs the guesser.
    func webSignIn(_ call: WebCall) throws -> HTTPResponse {
        let r = call.request
        let body = try JSONParser.parse(bytes: r.body)
        guard let name = body["name"]?.stringValue, let password = body["password"]?.stringValue, !name.isEmpty, !password.isEmpty else {
            throw WebError.badRequest(zh: "请填写用户名和密码", en: "enter the user name and the password")
        }
        let key = AuthThrottle.Key(address: r.remoteAddress, node: "web:" + name)
        if let wait = throttle.retryAfter(key) { throw WebError.throttled(seconds: wait) }
        let validName = (try? Replica.checkOperatorName(name)) != nil
        let account = validName ? try pool.with { try $0.operatorAccount(name) } : nil
        let matches = try passwordCheck.withLock { () throws -> Bool in
            guard let account else { OperatorPasswords.spendCheckTime(); return false }
            guard password.utf8.count <= OperatorPasswords.maximumBytes else { return false }
            return try OperatorPasswords.verify(password, against: account.password, operator: name)
        }
        guard let account, matches else {
            let auditName = validName ? name : "(invalid name)"
            try pool.with { try $0.audit("web_sign_in_refused", detail: "from=\(r.remoteAddress) known=\(account != nil)", user: auditName) }
            log.event("auth_failed", ["endpoint": "web", "from": r.remoteAddress])
            if let wait = throttle.failed(key) { throw WebError.throttled(seconds: wait) }
            throw WebError.wrongCredentials
        }
        throttle.succeeded(key)
        // A session this browser still had ends: one sign-in, one session.
        if let old = r.cookie(sessionCookie) { webSessions.close(old) }
        let (token, csrf) = webSessions.open(operatorName: account.name, stamp: account.password.salt)
        try pool.with { try $0.audit("web_sign_in", detail: "from=\(r.remoteAddress) role=\(account.role.rawValue)", user: account.name) }
        let node = try pool.with { r in ["code": .string(r.node.code), "name": .string(r.node.name), "level": .string(r.node.level.rawValue),
                                         "level_zh": .string(r.node.level.nameZh), "time_zone": .string(time.zoneName)] as JSONValue }
        var response = Self.webJSON(Self.signedInJSON(account, csrf: csrf, node: node))
        response.headers.add("Set-Cookie", cookie(sessionCookie, token, maxAge: Int(webSessions.absoluteLimit)))
        response.headers.add("Set-Cookie", cookie(signInCookie, "", maxAge: 0))
        return response
    }

    func webSignOut(_ call: WebCall) throws -> HTTPResponse {
        if let token = call.token { webSessions.close(token) }
        let account = try call.operatorAccount
        try pool.with { try $0.audit("web_sign_out", detail: "from=\(call.request.remoteAddress)", user: account.name) }
        var response = Self.webJSON(["signed_in": false])
        response.headers.add("Set-Cookie", cookie(sessionCookie, "", maxAge: 0))
        return response
    }

    /// `POST /app/api/check/{resource}` {"values": {…}}: each given value through the record
    /// validator the CLI uses, its problems per field, and what a valid ID number says of sex and
    /// birth date. Writes nothing.
    func webCheck(_ call: WebCall) throws -> HTTPResponse {
        let values = try Self.formValues(call.request)
        return try pool.with { replica in
            let r = try replica.resource(call.parts[3])
            let (normalized, issues) = replica.validator.normalize(r, patch: values, allowDisabledCodes: false)
            var derived = JSONObject()
            if case .idAgrees(let idField, let sexField, let birthField)? = r.rules.first, let id = normalized[idField]?.stringValue {
                let parsed = CitizenID.check(id, field: idField, divisions: replica.validator.divisions, today: replica.validator.today)
                if parsed.isValid {
                    if let sexField, let sex = parsed.sex { derived.append(sexField, .string(sex)) }
                    if let birthField, let birth = parsed.birthDate { derived.append(birthField, .string(birth)) }
                }
            }
            return Self.webJSON(["problems": .array(issues.map(Self.problemJSON)), "derived": .object(derived)])
        }
    }

    /// `POST /app/records/{resource}` {"values": {…}}: creates or changes the record (fields
    /// left out stay as they are), audited as `web_put` under the operator, in one transaction.
    func webPut(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let values = try Self.formValues(call.request)
        let result = try pool.with { replica -> WriteResult in
            let r = try replica.resource(call.parts[3])
            let result = try replica.transaction {
                let result = try replica.put(r.name, values)
                try replica.audit("web_put", detail: "resource=\(result.resource) key=\(result.key) created=\(result.created) groups=\(result.groups.joined(separator: ","))",
                                  user: account.name)
                return result
            }
            try replica.writeLease()
            return result
        }
        if !result.groups.isEmpty { localChange.notify(); routesChanged.notify() }
        log.event("web_put", ["operator": account.name, "resource": result.resource, "key": result.key])
        return Self.webJSON(["resource": .string(result.resource), "key": .string(result.key), "created": .bool(result.created),
                             "groups": .array(result.groups.map { .string($0) })])
    }

    /// `GET /app/api/search?resource=&by=&q=&page=`: one page of records (20), ID and phone
    /// numbers masked unless the operator's role sees them; audited as `web_search`.
    func webSearch(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let r = call.request
        let resourceName = r.query("resource") ?? "person"
        guard let field = SearchField(rawValue: r.query("by") ?? "name") else {
            throw WebError.badRequest(zh: "查询方式（by）无效：\(r.query("by") ?? "")", en: "unknown search (by): \(r.query("by") ?? "")")
        }
        let text = r.query("q") ?? ""
        guard let page = Int(r.query("page") ?? "0"), page >= 0, page <= RecordSearch.maxOffset / Self.searchPageSize else {
            throw WebError.badRequest(zh: "页码（page）无效", en: "invalid page number")
        }
        let search = RecordSearch(resource: resourceName, field: field, text: text, offset: page * Self.searchPageSize, limit: Self.searchPageSize)
        let (resource, found) = try pool.with { replica in
            let found = try replica.search(search)
            try replica.audit("web_search", detail: "resource=\(resourceName) by=\(field.rawValue) q=\(text) page=\(page) found=\(found.records.count)",
                              user: account.name)
            return (try replica.resource(resourceName), found)
        }
        let records = account.role.seesIdentifiers ? found.records : found.records.map { FieldMasking.mask($0, resource) }
        // A masked key cannot name the record in a link: each gets this session's opaque reference.
        let refs: [JSONValue] = found.records.map { record in
            (record[resource.key]?.stringValue).flatMap { webRecordRef(call, account, resource, key: $0) }.map { .string($0) } ?? .null
        }
        return Self.webJSON(["resource": .string(resourceName), "by": .string(field.rawValue), "q": .string(text), "page": .int(page),
                             "page_size": .int(Self.searchPageSize), "has_more": .bool(found.hasMore),
                             "masked": .bool(!account.role.seesIdentifiers), "records": .array(records.map { .object($0) }), "refs": .array(refs)])
    }

    static let searchPageSize = 20

    // MARK: Helpers

    /// The `values` object of a form POST.
    static func formValues(_ r: HTTPRequest) throws -> JSONObject {
        guard let values = try JSONParser.parse(bytes: r.body)["values"]?.objectValue else {
            throw WebError.badRequest(zh: "请求体应为 {\"values\": {字段: 值}}", en: "the body must be {\"values\": {field: value}}")
        }
        return values
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (servesHTTPS ? "; Secure" : "")
    }

    static func webJSON(_ value: JSONValue, status: Int = 200) -> HTTPResponse { .json(value.text, status: status) }

    static func problemJSON(_ issue: ValidationIssue) -> JSONValue {
        ["field": .string(issue.field), "rule": .string(issue.rule), "message_zh": .string(issue.messageZh), "message_en": .string(issue.messageEn)]
    }

    static func webError(_ e: WebError, status: Int? = nil) -> HTTPResponse {
        var o = JSONObject()
        let code = status ?? e.status
        o.append("error", .int(code))
        o.append("message_zh", .string(e.messageZh))
        o.append("message_en", .string(e.messageEn))
        if case .invalid(let issues) = e { o.append("problems", .array(issues.map(problemJSON))) }
        var response = webJSON(.object(o), status: code)
        if case .throttled(let seconds) = e { response.headers["Retry-After"] = String(seconds) }
        return response
    }
}

extension HTTPRequest {
    /// The value of cookie `name` from the Cookie header(s), nil when absent or empty.
    func cookie(_ name: String) -> String? {
        for header in headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let p = pair.trimmingCharacters(in: .whitespaces)
                guard let eq = p.firstIndex(of: "="), p[..<eq] == name else { continue }
                let value = String(p[p.index(after: eq)...])
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }
}
