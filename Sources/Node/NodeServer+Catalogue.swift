import Catalogue
import JSON
import Replica
import Transport

extension NodeServer {
    /// The local catalogue API (loopback only), the same operations as `rootsync catalogue`:
    /// `GET /v1/catalogue`, `GET /v1/catalogue/resources/{name|identifier}`, `GET /v1/catalogue/history`,
    /// `GET|POST /v1/catalogue/drafts`, `GET /v1/catalogue/drafts/{id}`,
    /// `POST /v1/catalogue/drafts/{id}/review`, `GET /v1/catalogue/flagged`.
    func catalogueAPI(_ r: HTTPRequest, _ rest: [String]) throws -> HTTPResponse {
        switch (r.method, rest.count, rest.first ?? "") {
        case ("GET", 0, _):
            return try pool.with { replica in
                let c = replica.catalogue
                return Self.ok(["version": .int(c.version), "published": .string(c.published),
                                "resources": .array(c.resources.map(CatalogueViews.summary))])
            }
        case ("GET", 2, "resources"), ("GET", 3, "resources"):
            // An identifier holds a "/": sent as %2F it is one segment, sent plain it is two.
            let name = rest.dropFirst().joined(separator: "/")
            return try pool.with { replica in
                let c = replica.catalogue
                guard let res = c.resource(name) ?? c.resource(identifier: name) else {
                    throw HTTPFailure(404, "数据目录中没有 \(name)", "no resource \(name) in the catalogue")
                }
                return Self.ok(CatalogueViews.detail(res, in: c))
            }
        case ("GET", 1, "history"):
            return try pool.with { replica in
                Self.ok(["versions": try CatalogueViews.versions(replica, time: time),
                         "drafts": .array(try replica.drafts().map { CatalogueViews.draft($0, time: time) })])
            }
        case ("GET", 1, "drafts"):
            return try pool.with { Self.ok(.array(try $0.drafts().map { CatalogueViews.draft($0, events: false, time: time) })) }
        case ("GET", 2, "drafts"):
            return try pool.with { Self.ok(CatalogueViews.draft(try $0.draftState(rest[1]), time: time)) }
        case ("GET", 1, "flagged"):
            return try pool.with { replica in
                Self.ok(.array(try replica.flaggedValues().map {
                    ["resource": .string($0.resource), "key": .string($0.key), "field": .string($0.field), "code": .string($0.code), "name": .string($0.name)]
                }))
            }
        case ("POST", 1, "drafts"):
            let body = try JSONParser.parse(bytes: r.body)
            guard let op = body["operator"]?.stringValue, !op.isEmpty, let d = body["draft"] else {
                throw HTTPFailure(400, "请求体应为 {\"operator\": 姓名, \"draft\": 草案}", "the body must be {\"operator\": NAME, \"draft\": DRAFT}")
            }
            let draft = try CatalogueDraft(json: d)
            let id = try pool.with { try $0.submitDraft(draft, operator: op) }
            log.event("draft_submitted", ["draft": id, "operator": op])
            return .json((["id": .string(id)] as JSONValue).text, status: 201)
        case ("POST", 3, "drafts") where rest[2] == "review":
            let body = try JSONParser.parse(bytes: r.body)
            guard let op = body["operator"]?.stringValue, !op.isEmpty,
                  let decision = body["decision"]?.stringValue, decision == "approve" || decision == "reject" else {
                throw HTTPFailure(400, "请求体应为 {\"operator\": 姓名, \"decision\": \"approve\"|\"reject\", \"comment\": 意见}",
                                  "the body must be {\"operator\": NAME, \"decision\": \"approve\"|\"reject\", \"comment\": TEXT}")
            }
            let state = try pool.with { try $0.review(draft: rest[1], approve: decision == "approve", comment: body["comment"]?.stringValue, operator: op) }
            log.event("draft_reviewed", ["draft": rest[1], "operator": op, "decision": decision])
            return Self.ok(CatalogueViews.draft(state, time: time))
        default:
            throw HTTPFailure(404, "没有这个目录接口：\(r.method) \(r.path)", "no such catalogue endpoint: \(r.method) \(r.path)")
        }
    }
}
