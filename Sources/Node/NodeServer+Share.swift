import Catalogue
import Crypto
import Foundation
import JSON
import Replica
import Sharing
import Standards
import Transport

extension NodeServer {
    /// What `principal` starts with for a request a consumer's credential admitted.
    static let consumerPrincipalPrefix = "consumer:"

    /// The most changes one feed page holds, and the default.
    static let feedMaxLimit = 1000
    static let feedDefaultLimit = 500
    /// The most feed positions one call looks at (a small grant on a large replica answers quickly).
    static let feedScanLimit = 50_000

    /// The consumer a feed request's `Authorization: Bearer CREDENTIAL` belongs to. Checked on
    /// every request, so a revoked or rotated credential is refused at once; failures are
    /// throttled per (address, "consumer") like every other credential.
    func authenticateConsumer(_ r: HTTPRequest) throws -> String {
        let key = AuthThrottle.Key(address: r.remoteAddress, node: "consumer")
        guard let auth = r.headers["Authorization"], auth.hasPrefix("Bearer ") else {
            throw refusal(key, HTTPFailure(401, "缺少使用方凭据（Authorization: Bearer 凭据）", "missing consumer credential (Authorization: Bearer CREDENTIAL)"),
                          reason: "consumer_credential")
        }
        let credential = String(auth.dropFirst("Bearer ".count))
        guard let name = try pool.with({ try ConsumerCredentials.check($0, credential: credential) }) else {
            log.event("auth_failed", ["endpoint": "feed", "from": r.remoteAddress])
            throw refusal(key, HTTPFailure(401, "使用方凭据无效、已更换或已吊销", "the consumer credential is invalid, replaced or revoked"),
                          reason: "consumer_credential")
        }
        throttle.succeeded(key)
        return name
    }

    // MARK: The local API: requests, decisions, disputes, figures

    /// `/v1/share/…` and `/v1/disputes/…`, the same operations as `rootsync share` and
    /// `rootsync dispute`, under the local API's rule (loopback, or its credential).
    func shareAPI(_ r: HTTPRequest, _ parts: [String]) throws -> HTTPResponse {
        let body: () throws -> JSONValue = { try JSONParser.parse(bytes: r.body) }
        func text(_ json: JSONValue, _ key: String) -> String? { json[key]?.stringValue }
        switch (r.method, parts.count) {
        case ("GET", 3) where parts[1] == "share" && parts[2] == "requests":
            return try pool.with { replica in
                let c = try ShareContext.load(replica)
                return Self.ok(.array(try replica.shareRequests().map { ShareViews.request($0, c) }))
            }
        case ("GET", 4) where parts[1] == "share" && parts[2] == "requests":
            return try pool.with { replica in Self.ok(ShareViews.request(try replica.shareRequest(parts[3]), try ShareContext.load(replica))) }
        case ("POST", 3) where parts[1] == "share" && parts[2] == "requests":
            let json = try body()
            guard let consumer = text(json, "consumer"), let resource = text(json, "resource"), let items = json["items"]?.arrayValue,
                  let jurisdiction = text(json, "jurisdiction"), let purposeText = text(json, "purpose"), let untilText = text(json, "until"),
                  let op = text(json, "operator") else {
                throw HTTPFailure(400, "请求体应为 {\"consumer\", \"resource\", \"items\": [...], \"jurisdiction\", \"purpose\", \"until\", \"operator\"}",
                                  "the body must be {\"consumer\", \"resource\", \"items\": [...], \"jurisdiction\", \"purpose\", \"until\", \"operator\"}")
            }
            let purpose = try Self.purpose(purposeText)
            let until = try Self.date(untilText)
            let state = try pool.with { replica -> JSONValue in
                let c = try ShareContext.load(replica)
                let s = try replica.requestShare(consumer: consumer, resource: resource, items: items.compactMap(\.stringValue),
                                                 jurisdiction: jurisdiction, purpose: purpose, until: until, operator: op, today: c.today)
                return ShareViews.request(s, c)
            }
            log.event("share_requested", ["request": state["id"]?.stringValue ?? "", "consumer": consumer, "state": state["state"]?.stringValue ?? ""])
            return .json(state.text, status: 201)
        case ("POST", 5) where parts[1] == "share" && parts[2] == "requests" && ["approve", "reject", "revoke", "rate"].contains(parts[4]):
            let json = try body()
            guard let op = text(json, "operator") else { throw HTTPFailure(400, "请求体须有 operator", "the body needs \"operator\"") }
            let id = parts[3]
            let state = try pool.with { replica -> JSONValue in
                let s: RequestState
                switch parts[4] {
                case "approve": s = try replica.decideShare(id, approve: true, basis: text(json, "basis"), operator: op)
                case "reject": s = try replica.decideShare(id, approve: false, basis: text(json, "basis"), operator: op)
                case "revoke": s = try replica.revokeShare(id, reason: text(json, "reason") ?? text(json, "basis"), operator: op)
                default:
                    guard let q = json["quality"]?.int64Value, let resp = json["responsiveness"]?.int64Value else {
                        throw HTTPFailure(400, "评价须有 quality 和 responsiveness（1–5）", "a rating needs quality and responsiveness (1-5)")
                    }
                    s = try replica.rateShare(id, quality: Int(clamping: q), responsiveness: Int(clamping: resp), comment: text(json, "comment"), operator: op)
                }
                return ShareViews.request(s, try ShareContext.load(replica))
            }
            log.event("share_" + parts[4], ["request": id, "operator": op])
            return Self.ok(state)
        case ("GET", 3) where parts[1] == "share" && parts[2] == "figures":
            return try pool.with { replica in
                let c = try ShareContext.load(replica)
                let f = ShareFigures(requests: try replica.shareRequests(), disputes: try replica.disputes(), catalogue: replica.catalogue,
                                     calendar: c.calendar, zone: c.zone, today: c.today)
                return Self.ok(["node": .string(replica.node.code), "today": .string(c.today.iso), "rows": .array(f.rows.map(\.json))])
            }
        case ("GET", 2) where parts[1] == "disputes":
            return try pool.with { replica in
                let c = try ShareContext.load(replica)
                return Self.ok(.array(try replica.disputes().map { ShareViews.dispute($0, c) }))
            }
        case ("GET", 3) where parts[1] == "disputes":
            return try pool.with { replica in Self.ok(ShareViews.dispute(try replica.dispute(parts[2]), try ShareContext.load(replica))) }
        case ("POST", 2) where parts[1] == "disputes":
            let json = try body()
            guard let resource = text(json, "resource"), let key = text(json, "key"), let group = text(json, "group"),
                  let expected = json["expected"]?.objectValue, let op = text(json, "operator") else {
                throw HTTPFailure(400, "请求体应为 {\"resource\", \"key\", \"group\", \"expected\": {...}, \"comment\", \"operator\"}",
                                  "the body must be {\"resource\", \"key\", \"group\", \"expected\": {...}, \"comment\", \"operator\"}")
            }
            let state = try pool.with { replica in
                ShareViews.dispute(try replica.raiseDispute(resource: resource, key: key, group: group, expected: expected,
                                                            comment: text(json, "comment"), operator: op), try ShareContext.load(replica))
            }
            log.event("dispute_raised", ["dispute": state["id"]?.stringValue ?? "", "operator": op])
            return .json(state.text, status: 201)
        case ("POST", 4) where parts[1] == "disputes" && parts[3] == "answer":
            let json = try body()
            guard let op = text(json, "operator") else { throw HTTPFailure(400, "请求体须有 operator", "the body needs \"operator\"") }
            let state = try pool.with { replica in
                ShareViews.dispute(try replica.answerDispute(parts[2], correct: json["correct"]?.objectValue, reject: text(json, "reject"), operator: op),
                                   try ShareContext.load(replica))
            }
            log.event("dispute_answered", ["dispute": parts[2], "operator": op])
            return Self.ok(state)
        default:
            throw HTTPFailure(404, "没有这个接口：\(r.method) \(r.path)", "no such endpoint: \(r.method) \(r.path)")
        }
    }

    public static func purpose(_ text: String) throws -> SharePurpose {
        guard let p = SharePurpose(text: text) else {
            throw ShareError.invalid("purpose", "用途 \(text) 不是使用要求之一（\(SharePurpose.choices)）", "purpose \(text) is none of \(SharePurpose.choices)")
        }
        return p
    }

    public static func date(_ text: String) throws -> CalendarDate {
        guard let d = CalendarDate(iso: text) else {
            throw ShareError.invalid("until", "截止日期 \(text) 应为 YYYY-MM-DD 格式的真实日期", "the end date \(text) must be a real date as YYYY-MM-DD")
        }
        return d
    }

    // MARK: The consumer's API: the feed, its grants, disputes and ratings

    /// `/v1/feed…` for a consumer authenticated by its credential.
    func feedAPI(_ r: HTTPRequest, _ parts: [String], consumer: String) throws -> HTTPResponse {
        switch (r.method, parts.count) {
        case ("GET", 2):
            return try feed(r, consumer: consumer)
        case ("GET", 3) where parts[2] == "grants":
            return try pool.with { replica in
                let c = try ShareContext.load(replica)
                let mine = try replica.shareRequests().filter { $0.author == replica.node.code && $0.request.consumer == consumer }
                return Self.ok(.array(mine.map { ShareViews.request($0, c) }))
            }
        case ("POST", 3) where parts[2] == "disputes":
            let json = try JSONParser.parse(bytes: r.body)
            guard let grant = json["grant"]?.stringValue, let group = json["group"]?.stringValue, let expected = json["expected"]?.objectValue else {
                throw HTTPFailure(400, "请求体应为 {\"grant\", \"key\" 或 \"ref\", \"group\", \"expected\": {...}, \"comment\"}",
                                  "the body must be {\"grant\", \"key\" or \"ref\", \"group\", \"expected\": {...}, \"comment\"}")
            }
            let state = try pool.with { replica -> JSONValue in
                let c = try ShareContext.load(replica)
                let g = try ownGrant(replica, grant, consumer: consumer, today: c.today)
                let key: String
                if let k = json["key"]?.stringValue { key = k } else if let ref = json["ref"]?.stringValue {
                    key = try Self.key(of: ref, grant: g, replica)
                } else {
                    throw HTTPFailure(400, "须给出 key 或 ref", "give \"key\" or \"ref\"")
                }
                let s = try replica.raiseDispute(resource: g.request.resource, key: key, group: group, expected: expected,
                                                 comment: json["comment"]?.stringValue, operator: Self.consumerPrincipalPrefix + consumer,
                                                 by: Replica.DisputeRaiser(consumer: consumer, grant: grant, windowDays: c.disputeWindowDays, zone: c.zone),
                                                 calendar: c.calendar)
                return ShareViews.dispute(s, c)
            }
            log.event("dispute_raised", ["dispute": state["id"]?.stringValue ?? "", "consumer": consumer])
            return .json(state.text, status: 201)
        case ("POST", 3) where parts[2] == "ratings":
            let json = try JSONParser.parse(bytes: r.body)
            guard let grant = json["grant"]?.stringValue, let q = json["quality"]?.int64Value, let resp = json["responsiveness"]?.int64Value else {
                throw HTTPFailure(400, "请求体应为 {\"grant\", \"quality\": 1–5, \"responsiveness\": 1–5, \"comment\"}",
                                  "the body must be {\"grant\", \"quality\": 1-5, \"responsiveness\": 1-5, \"comment\"}")
            }
            let state = try pool.with { replica -> JSONValue in
                let c = try ShareContext.load(replica)
                let s = try replica.shareRequest(grant)
                guard s.request.consumer == consumer, s.author == replica.node.code else { throw Self.noGrant(grant) }
                return ShareViews.request(try replica.rateShare(grant, quality: Int(clamping: q), responsiveness: Int(clamping: resp),
                                                                comment: json["comment"]?.stringValue, operator: Self.consumerPrincipalPrefix + consumer), c)
            }
            return .json(state.text, status: 201)
        default:
            throw HTTPFailure(404, "没有这个接口：\(r.method) \(r.path)", "no such endpoint: \(r.method) \(r.path)")
        }
    }

    static func noGrant(_ id: String) -> HTTPFailure {
        HTTPFailure(404, "没有你的授权 \(id)", "no grant \(id) of yours here")
    }

    /// The consumer's own grant `id` if it may be read today; otherwise the reason, audited.
    func ownGrant(_ replica: Replica, _ id: String, consumer: String, today: CalendarDate) throws -> RequestState {
        let s: RequestState
        do { s = try replica.shareRequest(id) } catch is ShareError { throw Self.noGrant(id) }
        // Another consumer's grant is not named to this one: it does not exist for it.
        guard s.request.consumer == consumer, s.author == replica.node.code else { throw Self.noGrant(id) }
        func refuse(_ reason: String, _ zh: String, _ en: String) throws -> Never {
            try replica.recordFeedRefusal(consumer: consumer, grant: id, reason: reason)
            throw HTTPFailure(403, zh, en)
        }
        switch s.status {
        case .revoked:
            let at = s.revocation.map { time.rfc3339(stored: $0.at) } ?? ""
            try refuse("revoked", "授权 \(id) 已于 \(at) 由节点 \(s.revocation?.node ?? "") 撤销，数据共享接口已停止",
                       "grant \(id) was revoked at \(at) by node \(s.revocation?.node ?? ""); the feed is closed")
        case .pending:
            try refuse("pending", "申请 \(id) 尚待 \(s.decider) 的数据管理员审批", "request \(id) still waits for the data administrator at \(s.decider)")
        case .rejected:
            try refuse("rejected", "申请 \(id) 已被驳回：\(s.basis ?? "")", "request \(id) was rejected: \(s.basis ?? "")")
        case .granted:
            if today > s.request.until {
                try refuse("expired", "授权 \(id) 已于 \(s.request.until.iso) 到期，数据共享接口已停止（请重新申请）",
                           "grant \(id) expired after \(s.request.until.iso); the feed is closed (make a new request)")
            }
        }
        return s
    }

    /// A record's pseudonym in a grant's feed: stable for the grant, different in every other,
    /// so a consumer without the key item can follow a record without learning its key.
    static func ref(grant: String, key: String) -> String { String(Crypto.sha256Hex(grant + "\u{1F}" + key).prefix(24)) }

    /// The key a consumer's `ref` names: looked up among the grant's records here.
    static func key(of ref: String, grant g: RequestState, _ replica: Replica) throws -> String {
        let r = try replica.resource(g.request.resource)
        let prefix = DivisionCode.subtreePrefix(g.request.jurisdiction)
        var found: String?
        try replica.list(r.name) { row in
            guard found == nil, let key = row[r.key]?.stringValue, row[r.scope]?.stringValue?.hasPrefix(prefix) == true else { return }
            if Self.ref(grant: g.id, key: key) == ref { found = key }
        }
        guard let found else { throw HTTPFailure(404, "授权 \(g.id) 中没有记录 \(ref)", "no record \(ref) in grant \(g.id)") }
        return found
    }

    /// `GET /v1/feed?since=CURSOR[&grant=ID][&limit=N]`: the changes of exactly the grant, in
    /// feed order, from the cursor on. See docs/SHARING.md for the format.
    func feed(_ r: HTTPRequest, consumer: String) throws -> HTTPResponse {
        let limitText = r.query("limit")
        let limit = limitText.flatMap { Int($0) } ?? Self.feedDefaultLimit
        guard (1...Self.feedMaxLimit).contains(limit), limitText == nil || Int(limitText!) != nil else {
            throw HTTPFailure(400, "limit 应为 1 到 \(Self.feedMaxLimit) 的整数", "limit must be a whole number from 1 to \(Self.feedMaxLimit)")
        }
        return try pool.with { replica in
            let c = try ShareContext.load(replica)
            let grantID: String
            if let g = r.query("grant") { grantID = g } else {
                let mine = try replica.shareRequests().filter { $0.author == replica.node.code && $0.request.consumer == consumer && $0.isActive(on: c.today) }
                guard mine.count == 1 else {
                    throw HTTPFailure(mine.isEmpty ? 403 : 400,
                                      mine.isEmpty ? "你在本节点没有有效的授权" : "你有 \(mine.count) 个有效授权，请用 grant= 指明（\(mine.map(\.id).joined(separator: ", "))）",
                                      mine.isEmpty ? "you hold no active grant at this node" : "you hold \(mine.count) active grants; name one with grant= (\(mine.map(\.id).joined(separator: ", ")))")
                }
                grantID = mine[0].id
            }
            let g = try ownGrant(replica, grantID, consumer: consumer, today: c.today)
            let database = String(replica.databaseID.prefix(8))
            var since: Int64 = 0
            var reset = false
            if let text = r.query("since"), !text.isEmpty, text != "0" {
                let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, let pos = Int64(parts[1]), pos >= 0, parts[0].utf8.count <= 16 else {
                    throw HTTPFailure(400, "since 不是本接口给出的游标：\(text)", "since is not a cursor this feed gave out: \(text)")
                }
                // A cursor of another database (the node was restored): start again from the beginning.
                if parts[0] == database { since = pos } else { reset = true }
            }
            let res = try replica.resource(g.request.resource)
            let page = try replica.feedPage(resource: res.name, subtree: DivisionCode.subtreePrefix(g.request.jurisdiction), after: since,
                                            limit: limit, scanLimit: Self.feedScanLimit)
            let reveal = g.request.purpose.revealsIdentifiers
            let masked = g.request.items.filter { name in res.field(name).map { FieldMasking.isSensitive($0) && !reveal } ?? false }
            let keyShown = g.request.items.contains(res.key) && !masked.contains(res.key)
            var changes: [JSONValue] = []
            for change in page.changes {
                var o = JSONObject()
                o.append("cursor", .string("\(database).\(change.position)"))
                o.append("op", .string(change.isRemoval ? "delete" : "upsert"))
                o.append("ref", .string(Self.ref(grant: g.id, key: change.key)))
                if keyShown { o.append("key", .string(change.key)) }
                if let record = change.record {
                    var data = JSONObject()
                    for name in g.request.items {
                        guard let value = record[name] else { continue }
                        if masked.contains(name), let text = value.stringValue { data.append(name, .string(FieldMasking.mask(text))) } else { data.append(name, value) }
                    }
                    o.append("data", .object(data))
                }
                changes.append(.object(o))
            }
            try replica.recordFeedCall(consumer: consumer, grant: g.id, since: since, next: page.next, records: page.changes.count)
            var o = JSONObject()
            o.append("grant", .string(g.id))
            o.append("resource", .string(res.name))
            o.append("items", .array(g.request.items.map { .string($0) }))
            o.append("purpose", .string(g.request.purpose.rawValue))
            o.append("masked", .array(masked.map { .string($0) }))
            o.append("until", .string(g.request.until.iso))
            o.append("reset", .bool(reset))
            o.append("changes", .array(changes))
            o.append("next", .string("\(database).\(page.next)"))
            o.append("more", .bool(page.more))
            return Self.ok(.object(o))
        }
    }
}
