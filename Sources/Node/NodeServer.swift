import Catalogue
import Causality
import Crypto
import Foundation
import JSON
import Replica
import Sharing
import Sync
import Transport

/// The HTTP face of a node: the sync endpoints its children call (authenticated per child) and
/// the local records API for office programs (loopback only).
public final class NodeServer: @unchecked Sendable {
    let pool: ReplicaPool
    let node: String
    /// Notified when new routes may exist (waiting children re-check).
    public let routesChanged: ChangeSignal
    /// Notified on writes that should go up soon.
    public let localChange: ChangeSignal
    let log: Log
    let throttle = AuthThrottle()
    /// The web app's signed-in operators (NodeServer+Web).
    let webSessions = WebSessions()
    /// One operator password check at a time: PBKDF2 is slow on purpose, and a flood of
    /// sign-ins must not take every core.
    let passwordCheck = NSLock()
    /// Counters for `/metrics`.
    public let metrics = NodeMetrics()
    /// What the children reported of their subtrees (`POST /v1/sync/health`).
    public let subtreeHealth: SubtreeHealthStore
    private var zone = NodeTime.standard
    private var retention = ParentService.defaultTombstoneRetention
    private let activity = NSLock()
    private var lastSeen: [String: Int64] = [:]
    private var shuttingDown = false
    private var clientCertificateRequired = false
    private var plainHTTP: String?
    private var localCredentialFile: String?

    /// Set when the node serves plain HTTP on a non-loopback address (allowed explicitly):
    /// shown in `/v1/status` under "warnings".
    public var plainHTTPWarning: String? {
        get { activity.withLock { plainHTTP } }
        set { activity.withLock { plainHTTP = newValue } }
    }

    /// Where the SHA-256 of the local API credential is kept (`rootsync local-api credential`);
    /// read on every request that does not come from loopback.
    public var localAPICredentialFile: String? {
        get { activity.withLock { localCredentialFile } }
        set { activity.withLock { localCredentialFile = newValue } }
    }

    /// The zone the local API shows times in (node.json `time_zone`).
    public var time: NodeTime {
        get { activity.withLock { zone } }
        set { activity.withLock { zone = newValue } }
    }

    /// How long a causally stable tombstone is kept before the root purges it (node.json
    /// `tombstone_retention_days`; only the root's setting matters).
    public var tombstoneRetentionMilliseconds: Int64 {
        get { activity.withLock { retention } }
        set { activity.withLock { retention = newValue } }
    }

    /// Set while the node serves HTTPS with a CA trust list: every sync request must then come
    /// with a client certificate verified against the CA whose CN is the X-Rootsync-Node code.
    public var requiresClientCertificate: Bool {
        get { activity.withLock { clientCertificateRequired } }
        set { activity.withLock { clientCertificateRequired = newValue } }
    }

    /// Answers waiting long polls at once, so stopping does not wait for their timeouts.
    public func shutdown() {
        activity.lock()
        shuttingDown = true
        activity.unlock()
        routesChanged.notify()
    }

    var isShuttingDown: Bool {
        activity.lock()
        defer { activity.unlock() }
        return shuttingDown
    }

    public init(pool: ReplicaPool, node: String, routesChanged: ChangeSignal, localChange: ChangeSignal, log: Log) {
        self.pool = pool
        self.node = node
        self.routesChanged = routesChanged
        self.localChange = localChange
        self.log = log
        subtreeHealth = SubtreeHealthStore(directory: (pool.path as NSString).deletingLastPathComponent)
    }

    /// When each child was last heard from (in this process).
    public func childrenLastSeen() -> [String: Int64] {
        activity.lock()
        defer { activity.unlock() }
        return lastSeen
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        // In-process callers (tests, DirectParentLink) skip HTTPServer: admission runs here then.
        var request = request
        if !request.admitted {
            switch admit(request.head) {
            case .refuse(let response):
                return response
            case .admit(let caps, let principal):
                if request.body.count > caps.inflatedBytes {
                    return Self.error(413, "请求体超过 \(caps.inflatedBytes) 字节", "request body is larger than \(caps.inflatedBytes) bytes")
                }
                request.admitted = true
                request.principal = principal
            }
        }
        do {
            return try route(request)
        } catch let e as HTTPFailure {
            var response = Self.error(e.status, e.zh, e.en)
            if let seconds = e.retryAfter { response.headers["Retry-After"] = String(seconds) }
            return response
        } catch ReplicaError.refused(let dot, let reason) {
            // The version that refused the batch, so the child can set it aside and go on.
            var response = Self.error(Self.status(of: reason), reason.messageZh, reason.description)
            if var body = (try? JSONParser.parse(bytes: response.body))?.objectValue {
                body.append("refused", ["actor": .string(dot.actor.description), "seq": .int(dot.seq)])
                response = .json(JSONValue.object(body).text, status: response.status)
            }
            return response
        } catch let e as ShareError {
            var response = Self.error(Self.status(of: e), e.messageZh, e.messageEn)
            if var body = (try? JSONParser.parse(bytes: response.body))?.objectValue {
                body.append("field", .string(e.field))
                response = .json(JSONValue.object(body).text, status: response.status)
            }
            return response
        } catch let e as ConfigError {
            return Self.error(500, e.messageZh, e.messageEn)
        } catch let e as ReplicaError {
            return Self.error(Self.status(of: e), e.messageZh, e.description)
        } catch let e as CatalogueError {
            return Self.error(422, e.description, e.description)
        } catch let e as WireError {
            return Self.error(400, "请求格式错误：\(e.message)", e.description)
        } catch let e as JSONParser.Error {
            return Self.error(400, "请求不是有效的 JSON：\(e)", "\(e)")
        } catch let e as NodeError {
            return Self.error(403, e.messageZh, e.description)
        } catch {
            log.event("error", ["path": request.path, "error": "\(error)"])
            return Self.error(500, "服务器内部错误", "internal error: \(error)")
        }
    }

    /// The HTTP status of a replica's refusal: the one mapping, for every endpoint.
    static func status(of e: ReplicaError) -> Int {
        switch e {
        case .outsideJurisdiction, .foreignWriter, .groupNotWritable, .unverifiedClaim: return 403
        case .catalogueBehind, .workflow, .lacksDependency: return 409
        case .notFound: return 404
        case .invalid, .badRemoteVersion, .unknownResource: return 422
        case .refused(_, let reason): return status(of: reason)
        default: return 400
        }
    }

    /// The HTTP status of a sharing refusal.
    static func status(of e: ShareError) -> Int {
        switch e.kind {
        case .invalid: return 422
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        }
    }

    /// Error bodies cross the network and end up in other nodes' logs: ID and phone numbers in
    /// them are masked like in our own log (the record is still named by its masked key).
    static func error(_ status: Int, _ zh: String, _ en: String) -> HTTPResponse {
        let body: JSONValue = ["error": .int(status), "message_zh": .string(Log.mask(zh)), "message_en": .string(Log.mask(en))]
        return .json(body.text, status: status)
    }

    static func ok(_ json: JSONValue) -> HTTPResponse { .json(json.text) }

    func route(_ r: HTTPRequest) throws -> HTTPResponse {
        let parts = Self.segments(r.rawPath)
        if Self.isWebPath(parts) { return web(r, parts) }
        if parts == ["healthz"] && (r.method == "GET" || r.method == "HEAD") {
            return health()
        }
        if parts == ["metrics"] && r.method == "GET" {
            if r.principal != Self.localPrincipal { try authorizeLocal(r) }
            return try metricsPage()
        }
        if r.method == "GET" && parts == ["v1", "hello"] {
            return try pool.with { Self.ok(Hello(node: $0.node.code, level: $0.node.level.rawValue,
                                                  catalogueVersion: $0.catalogue.version, databaseID: $0.databaseID).json) }
        }
        if r.method == "POST" && parts == ["v1", "enroll"] {
            return try enroll(r)
        }
        if r.method == "POST" && parts == ["v1", "catalogue", "exchange"] {
            let child = try r.principal ?? authenticate(r)
            let request = try CatalogueExchange(json: JSONParser.parse(bytes: r.body))
            let answer = try pool.with { try ParentService(replica: $0, child: child).exchangeCatalogue(request) }
            if answer.accepted > 0 { log.event("workflow_received", ["child": child, "events": String(answer.accepted)]) }
            return Self.ok(answer.json)
        }
        if parts.count >= 2 && parts[0] == "v1" && parts[1] == "catalogue" {
            // The local API's rule: loopback, or elsewhere with the local API credential.
            if r.principal != Self.localPrincipal { try authorizeLocal(r) }
            return try catalogueAPI(r, Array(parts.dropFirst(2)))
        }
        if parts.count == 3 && parts[0] == "v1" && parts[1] == "sync" {
            let child = try r.principal ?? authenticate(r)
            return try sync(parts[2], method: r.method, child: child, body: r.body)
        }
        if parts.count >= 2 && parts[0] == "v1" && parts[1] == "feed" {
            // A consumer's credential, never the local API's rule: departments' systems read from elsewhere.
            let principal = try r.principal.flatMap { $0.hasPrefix(Self.consumerPrincipalPrefix) ? $0 : nil }
                ?? Self.consumerPrincipalPrefix + authenticateConsumer(r)
            return try feedAPI(r, parts, consumer: String(principal.dropFirst(Self.consumerPrincipalPrefix.count)))
        }
        if parts.count >= 2 && parts[0] == "v1" && (parts[1] == "share" || parts[1] == "disputes") {
            if r.principal != Self.localPrincipal { try authorizeLocal(r) }
            return try shareAPI(r, parts)
        }
        if parts == ["v1", "status", "tree"] && r.method == "GET" {
            if r.principal != Self.localPrincipal { try authorizeLocal(r) }
            return try statusTree(r)
        }
        if parts.first == "v1" && (parts == ["v1", "status"] || (parts.count >= 3 && parts.count <= 4 && parts[1] == "records")
                                    || (parts.count == 5 && parts[1] == "records" && parts[4] == "history")) {
            if r.principal != Self.localPrincipal { try authorizeLocal(r) }
            if parts == ["v1", "status"], let warning = plainHTTPWarning {
                var status = try pool.with { try StatusReport.make($0, childrenSeen: childrenLastSeen(), time: time) }.objectValue ?? JSONObject()
                status["warnings"] = .array([.string(warning)])
                return Self.ok(.object(status))
            }
            return try local(r, parts)
        }
        throw HTTPFailure(404, "没有这个接口：\(r.method) \(r.path)", "no such endpoint: \(r.method) \(r.path)")
    }

    // MARK: Health

    /// `GET /healthz`, for probes and supervisors, without credentials (it says no more than
    /// `/v1/hello`): 200 and the node, its level, the agent and catalogue versions, when the
    /// replica answers a query; 503 when it does not or while the agent stops.
    func health() -> HTTPResponse {
        func answer(_ status: String, _ level: String?, _ catalogue: Int?, error: String? = nil, code: Int) -> HTTPResponse {
            var o = JSONObject()
            o.append("status", .string(status))
            o.append("node", .string(node))
            o.append("level", level.map { .string($0) } ?? .null)
            o.append("agent_version", .string(AgentVersion.current))
            o.append("catalogue_version", catalogue.map { .int($0) } ?? .null)
            o.append("replica_open", .bool(code == 200))
            if let error { o.append("error", .string(Log.mask(error))) }
            return .json(JSONValue.object(o).text, status: code)
        }
        if isShuttingDown { return answer("stopping", nil, nil, code: 503) }
        do {
            let (level, catalogue) = try pool.with { ($0.node.level.rawValue, $0.catalogue.version) }
            return answer("ok", level, catalogue, code: 200)
        } catch {
            return answer("unavailable", nil, nil, error: "\(error)", code: 503)
        }
    }

    // MARK: Sync endpoints

    /// Checks a sync request's node code, credential and (with TLS) client certificate. A valid
    /// credential always passes; failures are counted per (address, claimed node) and a key in
    /// backoff gets 429 instead of 401/403, so one office's mistakes never lock out another.
    func authenticate(_ r: HTTPRequest) throws -> String {
        let claimed = r.headers["X-Rootsync-Node"]
        let key = AuthThrottle.Key(address: r.remoteAddress, node: claimed ?? "")
        guard let child = claimed, let auth = r.headers["Authorization"], auth.hasPrefix("Bearer ") else {
            throw refusal(key, HTTPFailure(401, "缺少节点身份或凭据", "missing X-Rootsync-Node or Authorization: Bearer credential"), reason: "missing_credential")
        }
        if let p = r.headers["X-Rootsync-Protocol"], let v = Int(p), SyncProtocol.agree(theirs: v, theirOldest: 1) == nil {
            throw HTTPFailure(409, "协议版本不兼容（对方 \(v)，本节点 \(SyncProtocol.oldestSupported)…\(SyncProtocol.version)）",
                              "protocol \(v) not supported (this node speaks \(SyncProtocol.oldestSupported)…\(SyncProtocol.version))")
        }
        if requiresClientCertificate && r.clientCertificateCN != child {
            // A certificate for one node cannot act as another, and no certificate is no node.
            log.event("auth_failed", ["child": child, "from": r.remoteAddress,
                                      "reason": r.clientCertificateCN.map { "client certificate is for \($0)" } ?? "no verified client certificate"])
            throw refusal(key, HTTPFailure(403, "客户端证书与节点 \(child) 不符（需要由本市 CA 签发、CN 为 \(child) 的证书）",
                                           "the client certificate does not belong to node \(child) (a certificate from the city CA with CN \(child) is required)"),
                           reason: "client_certificate")
        }
        let token = String(auth.dropFirst("Bearer ".count))
        // Looked up on every request: a revoke or a rotation takes effect at once.
        let match = try pool.with { try LinkCredentials.check($0, child: child, token: token) }
        if match == .new { log.notice("credential_rotated", ["child": child, "from": r.remoteAddress]) }
        guard match != nil else {
            log.event("auth_failed", ["child": child, "from": r.remoteAddress])
            throw refusal(key, HTTPFailure(401, "节点 \(child) 的凭据无效", "invalid credential for node \(child)"), reason: "invalid_credential")
        }
        throttle.succeeded(key)
        activity.lock()
        lastSeen[child] = Int64(Date().timeIntervalSince1970 * 1000)
        activity.unlock()
        return child
    }

    /// The answer to a failed authentication of `key`: `failure` (and one more failure counted,
    /// for the throttle and under `reason` for `/metrics`), or 429 with Retry-After while the key
    /// is in backoff.
    func refusal(_ key: AuthThrottle.Key, _ failure: HTTPFailure, reason: String) -> HTTPFailure {
        metrics.authFailed(reason: reason)
        guard let wait = throttle.failed(key) else { return failure }
        return HTTPFailure(429, "认证失败次数过多，请 \(wait) 秒后再试", "too many failed authentications; try again in \(wait) s", retryAfter: wait)
    }

    /// `POST /v1/enroll` {"node", "token"}: a child redeems its one-time enrollment token for
    /// its link credential. A refused token counts as a failed authentication of (address,
    /// node); a malformed body is only a 400.
    func enroll(_ r: HTTPRequest) throws -> HTTPResponse {
        let json = try? JSONParser.parse(bytes: r.body)
        guard let child = json?["node"]?.stringValue, let token = json?["token"]?.stringValue, !child.isEmpty, !token.isEmpty else {
            throw HTTPFailure(400, "请求体应为 {\"node\": 代码, \"token\": 注册令牌}", "the body must be {\"node\": CODE, \"token\": TOKEN}")
        }
        let key = AuthThrottle.Key(address: r.remoteAddress, node: child)
        do {
            let credential = try pool.with { try Enrollment.redeem($0, child: child, token: token) }
            throttle.succeeded(key)
            log.event("enrolled", ["child": child, "from": r.remoteAddress])
            return Self.ok(["credential": .string(credential)])
        } catch let e as EnrollmentError {
            log.event("enroll_refused", ["child": child, "from": r.remoteAddress, "reason": e.description])
            throw refusal(key, HTTPFailure(401, "节点 \(child) 注册失败：\(e.messageZh)", "enrollment of node \(child) refused: \(e.description)"),
                          reason: "enrollment_token")
        }
    }

    func sync(_ what: String, method: String, child: String, body: [UInt8]) throws -> HTTPResponse {
        switch (method, what) {
        case ("GET", "have"):
            return try pool.with { Self.ok(try ParentService(replica: $0, child: child).have().json) }
        case ("POST", "push"):
            let json = try JSONParser.parse(bytes: body)
            let batch = try PushBatch(json: json)
            let outcome: PushOutcome
            do {
                outcome = try pool.with { try ParentService(replica: $0, child: child).push(batch) }
            } catch let e as ReplicaError {
                metrics.pushRefused(reason: MetricReason.replicaError(e))
                throw e
            } catch let e as NodeError {
                metrics.pushRefused(reason: "unknown_child")
                throw e
            }
            if outcome.applied > 0 {
                log.event("push_applied", ["child": child, "versions": String(outcome.applied)])
                routesChanged.notify()
                localChange.notify()
            }
            return Self.ok(outcome.json)
        case ("POST", "health"):
            let report = try HealthReport(json: JSONParser.parse(bytes: body))
            let kept = try subtreeHealth.receive(report, from: child, at: Int64(Date().timeIntervalSince1970 * 1000))
            return Self.ok(["accepted": .int(report.nodes.count), "kept": .int(kept)])
        case ("POST", "rotate"):
            let credential = try pool.with { try LinkCredentials.issueRotation($0, child: child) }
            log.notice("credential_rotate_issue", ["child": child])
            return Self.ok(["credential": .string(credential)])
        case ("POST", "pull"):
            let json = try JSONParser.parse(bytes: body)
            let cursor = try json["cursor"].flatMap { $0.isNull ? nil : try PullCursor(json: $0) }
            let limit = Int(json["limit"]?.int64Value ?? 1000)
            var estimate = false
            if let e = json["estimate"], !e.isNull {
                guard let b = e.boolValue else { throw WireError("estimate must be a boolean") }
                estimate = b
            }
            let page = try pool.with { try ParentService(replica: $0, child: child).pull(cursor: cursor, limit: limit, estimate: estimate) }
            return Self.ok(page.json)
        case ("POST", "purges"):
            let request = try PurgeExchange(json: JSONParser.parse(bytes: body))
            let retention = tombstoneRetentionMilliseconds
            let answer = try pool.with { r -> PurgeExchange.Answer in
                var service = try ParentService(replica: r, child: child)
                service.tombstoneRetentionMilliseconds = retention
                return try service.purges(request)
            }
            return Self.ok(answer.json)
        case ("POST", "wait"):
            let json = try JSONParser.parse(bytes: body)
            let cursor = try json["cursor"].flatMap { $0.isNull ? nil : try PullCursor(json: $0) }
            let timeout = min(max(Double(json["timeout_ms"]?.int64Value ?? 20_000) / 1000, 0), 30)
            let deadline = Date().addingTimeInterval(timeout)
            let childCatalogue = json["catalogue_version"]?.int64Value.map { Int($0) }
            let workflowDatabase = json["workflow"]?["database"]?.stringValue
            let workflowCursor = json["workflow"]?["cursor"]?.int64Value ?? 0
            while true {
                let seen = routesChanged.current
                let pending = try pool.with { r -> Bool in
                    // A newer catalogue, or review news for a draft of the child's subtree.
                    if let childCatalogue, r.catalogue.version > childCatalogue { return true }
                    if let workflowDatabase, workflowDatabase == r.databaseID,
                       try !r.workflowEvents(for: child, after: workflowCursor, limit: 1).events.isEmpty { return true }
                    guard let cursor, cursor.database == r.databaseID, cursor.mode == .route else { return true }
                    return try r.routeHead() > cursor.position && r.routed(to: child, after: cursor.position, limit: 1).versions.count > 0
                }
                if pending { return Self.ok(["changed": true]) }
                let left = deadline.timeIntervalSinceNow
                if left <= 0 || isShuttingDown { return Self.ok(["changed": false]) }
                routesChanged.wait(after: seen, timeout: min(left, 1))
            }
        default:
            throw HTTPFailure(404, "没有这个同步接口：\(method) \(what)", "no such sync endpoint: \(method) \(what)")
        }
    }

    // MARK: Local API

    func local(_ r: HTTPRequest, _ parts: [String]) throws -> HTTPResponse {
        switch (r.method, parts.count) {
        case ("GET", 2):
            return try pool.with { Self.ok(try StatusReport.make($0, childrenSeen: childrenLastSeen(), time: time)) }
        case ("GET", 3):
            var lines: [UInt8] = []
            let limit = min(Int(r.query("limit") ?? "1000") ?? 1000, 100_000)
            var count = 0
            try pool.with { replica in
                try replica.list(parts[2]) { o in
                    guard count < limit else { return }
                    JSONWriter.write(.object(o), into: &lines)
                    lines.append(0x0A)
                    count += 1
                }
            }
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/x-ndjson; charset=utf-8"], body: lines)
        case ("GET", 4):
            guard let o = try pool.with({ try $0.get(parts[2], key: parts[3]) }) else {
                throw HTTPFailure(404, "找不到 \(parts[2]) \(parts[3])", "\(parts[2]) \(parts[3]) not found")
            }
            return Self.ok(.object(o))
        case ("PUT", 4):
            guard var o = try JSONParser.parse(bytes: r.body).objectValue else {
                throw HTTPFailure(400, "请求体必须是 JSON 对象", "the body must be a JSON object")
            }
            let resource = try pool.with { try $0.resource(parts[2]) }
            if let given = o[resource.key]?.stringValue, given != parts[3] {
                throw HTTPFailure(400, "路径中的主键与请求体不一致", "the key in the path and in the body differ")
            }
            o[resource.key] = .string(parts[3])
            let result = try pool.with { try $0.put(parts[2], o) }
            if !result.groups.isEmpty { localChange.notify(); routesChanged.notify() }
            return Self.ok(["resource": .string(result.resource), "key": .string(result.key), "created": .bool(result.created),
                            "groups": .array(result.groups.map { .string($0) })])
        case ("GET", 5):
            // The record's change history (`rootsync history`).
            guard let changes = try pool.with({ try $0.history(parts[2], key: parts[3]) }) else {
                if try pool.with({ try $0.wasPurged(parts[2], key: parts[3]) }) {
                    throw HTTPFailure(404, "本节点没有 \(parts[2]) \(parts[3]) 的任何版本：该记录已删除，所有节点确认删除后已清除",
                                      "no version of \(parts[2]) \(parts[3]) is held here: it was deleted, and purged once every node had the delete")
                }
                throw HTTPFailure(404, "本节点没有 \(parts[2]) \(parts[3]) 的任何版本", "no version of \(parts[2]) \(parts[3]) is held here")
            }
            return Self.ok(["resource": .string(parts[2]), "key": .string(changes.first?.key ?? parts[3]), "changes": .array(changes.map(\.json))])
        case ("DELETE", 4):
            try pool.with { try $0.delete(parts[2], key: parts[3]) }
            localChange.notify()
            routesChanged.notify()
            return Self.ok(["deleted": true])
        default:
            throw HTTPFailure(405, "不支持的方法 \(r.method)", "method \(r.method) not allowed here")
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("[::1]") || address.hasPrefix("::ffff:127.")
    }
}

/// An HTTP error to answer with.
struct HTTPFailure: Error {
    let status: Int
    let zh: String
    let en: String
    /// Seconds for a Retry-After header (429).
    var retryAfter: Int?
    init(_ status: Int, _ zh: String, _ en: String, retryAfter: Int? = nil) {
        self.status = status
        self.zh = zh
        self.en = en
        self.retryAfter = retryAfter
    }
}
