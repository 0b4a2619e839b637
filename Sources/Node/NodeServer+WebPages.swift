import Catalogue
import Foundation
import JSON
import Replica
import Standards
import Transport

/// The web app's read-mostly pages: 无效 (direct writes that failed validation), a record with
/// its field groups and history, 目录 (the catalogue, its drafts and reviews through the existing
/// workflow) and 运行状态 (links, lag, the subtree). Times are the node's (`NodeTime`).
extension NodeServer {
    /// `GET /app/api/invalid`: every direct write waiting for correction, with its reasons.
    /// Reviewers and administrators fix them in the entry form (a write through rootsync of the
    /// key clears the entry); a clerk sees them masked.
    func webInvalid(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let sees = account.role.seesIdentifiers
        let (writes, catalogue) = try pool.with { (try $0.invalidWrites(), $0.catalogue) }
        let list: [JSONValue] = writes.map { w in
            let r = catalogue.resource(w.resource)
            var values = w.row.objectValue ?? JSONObject()
            if !sees, let r { values = FieldMasking.mask(values, r) }
            let key = (!sees && r.flatMap { $0.field($0.key) }.map(FieldMasking.isSensitive) == true) ? FieldMasking.mask(w.key) : w.key
            return ["resource": .string(w.resource), "resource_label": .string(r?.label ?? w.resource), "key": .string(key),
                    "time": .string(time.display(milliseconds: w.atMilliseconds)), "values": .object(values),
                    "problems": .array(w.problems.map(Self.problemJSON))]
        }
        return Self.webJSON(["count": .int(writes.count), "may_fix": .bool(sees), "writes": .array(list)])
    }

    /// `GET /app/api/record?resource=&key=`: the record, each field group with the version shown
    /// (writer node and level, where it came from, when) and the record's history, newest first.
    func webRecord(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let (resourceName, key) = try webRecordNamed(call)
        let (r, record, history) = try pool.with { replica -> (Resource, JSONObject?, [RecordChange]?) in
            let r = try replica.resource(resourceName)
            return (r, try replica.get(r.name, key: key), try replica.history(r.name, key: key))
        }
        guard let history, !history.isEmpty else { throw WebError.notFound("\(resourceName)/\(key)") }
        let sees = account.role.seesIdentifiers
        func shown(_ name: String, _ v: JSONValue) -> JSONValue {
            guard !sees, let item = r.field(name), FieldMasking.isSensitive(item), let text = v.stringValue else { return v }
            return .string(FieldMasking.mask(text))
        }
        func change(_ c: RecordChange) -> JSONValue {
            ["group": .string(c.group), "writer": .string(c.writer), "writer_level_zh": .string(c.dot.actor.level.nameZh),
             "received_from": .string(c.receivedFrom), "time": .string(time.display(milliseconds: c.atMilliseconds)),
             "standing": .string(c.standing.rawValue), "conflict": .bool(c.conflict),
             "fields": .array(c.fields.map { ["field": .string($0.name), "before": shown($0.name, $0.before), "after": shown($0.name, $0.after)] })]
        }
        var values = record ?? JSONObject()
        if !sees { values = FieldMasking.mask(values, r) }
        let groups: [JSONValue] = r.groups.map { g in
            let last = history.last { $0.group == g.name && $0.standing == .current }
            // A group with an authoritative level may be disputed (校核), its items but the key.
            return ["name": .string(g.name), "label": .string(g.label), "fields": .array(g.fields.map { .string($0) }),
                    "last": last.map(change) ?? .null, "authority": g.authority.map { .string($0.rawValue) } ?? .null,
                    "disputable": .array(g.authority == nil ? [] : g.fields.filter { $0 != r.key }.map { .string($0) })]
        }
        return Self.webJSON(["resource": .string(r.name), "key": .string(Self.webShownKey(account, r, key)),
                             "ref": webRecordRef(call, account, r, key: key).map { .string($0) } ?? .null,
                             "deleted": .bool(record == nil), "values": .object(values), "groups": .array(groups),
                             "history": .array(history.reversed().map(change))])
    }

    /// `GET /app/api/catalogue`: the catalogue in force (each resource with its items and groups,
    /// the code sets its items use), its drafts, and the review roles the operator holds here.
    func webCatalogue(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        return try pool.with { replica in
            let c = replica.catalogue
            var setIDs: [String] = []
            for r in c.resources { for f in r.fields { if let s = f.codeSet, !setIDs.contains(s) { setIDs.append(s) } } }
            let sets: [JSONValue] = setIDs.compactMap { id in
                guard let set = c.codeSet(id) else { return nil }
                return ["id": .string(set.id), "designation": .string(set.designation), "title": .string(set.title),
                        "entries": .array(set.entries.map { e in
                            ["code": .string(e.code), "name": .string(e.name), "short": e.attributes["short"].map { .string($0) } ?? .null,
                             "disabled": .bool(c.isDisabled(code: e.code, in: set.id))] })]
            }
            let held = Set(try replica.roles().filter { $0.operator == account.name }.map(\.role))
            let drafts = try replica.drafts()
            // The drafts whose next step is done here by a role this operator holds.
            let reviewable = drafts.filter { d in
                guard d.status == .pending, let step = d.nextStep else { return false }
                return step.reviewer(forAuthor: d.author) == replica.node.code && held.contains(step.role)
            }.map { JSONValue.string($0.id) }
            return Self.webJSON(["version": .int(c.version), "published": .string(c.published), "node": .string(replica.node.code),
                                 "resources": .array(c.resources.map { CatalogueViews.detail($0, in: c) }), "code_sets": .array(sets),
                                 "drafts": .array(drafts.map { CatalogueViews.draft($0, time: time) }),
                                 "my_roles": .array(held.sorted().map { .string($0) }), "reviewable": .array(reviewable)])
        }
    }

    /// `POST /app/api/catalogue/drafts` {"draft"}: a draft submitted under the operator's name
    /// (the workflow checks the role, as for `rootsync catalogue draft`).
    func webSubmitDraft(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        guard let d = try JSONParser.parse(bytes: call.request.body)["draft"] else {
            throw WebError.badRequest(zh: "请求体应为 {\"draft\": 草案}", en: "the body must be {\"draft\": DRAFT}")
        }
        let draft: CatalogueDraft
        do { draft = try CatalogueDraft(json: d) } catch {
            throw WebError.badRequest(zh: "草案格式有误：\(error)", en: "the draft is malformed: \(error)")
        }
        let id = try pool.with { try $0.submitDraft(draft, operator: account.name) }
        log.event("draft_submitted", ["draft": id, "operator": account.name])
        return Self.webJSON(["id": .string(id)], status: 201)
    }

    /// `POST /app/api/catalogue/drafts/check` {"draft"}: whether the draft applies to the
    /// catalogue in force and gives a valid one (as `rootsync catalogue draft --check`); writes nothing.
    func webCheckDraft(_ call: WebCall) throws -> HTTPResponse {
        _ = try call.operatorAccount
        guard let d = try JSONParser.parse(bytes: call.request.body)["draft"] else {
            throw WebError.badRequest(zh: "请求体应为 {\"draft\": 草案}", en: "the body must be {\"draft\": DRAFT}")
        }
        let draft: CatalogueDraft
        do { draft = try CatalogueDraft(json: d) } catch let e as CatalogueError {
            throw WebError.badRequest(zh: "草案格式有误：" + e.problems.joined(separator: "；"), en: "the draft is malformed: " + e.problems.joined(separator: "; "))
        }
        let next = try pool.with { try draft.check(against: $0.catalogue, divisions: $0.validator.divisions) }
        return Self.webJSON(["ok": true, "version": .int(next.version), "changes": .int(draft.changes.count)])
    }

    /// `POST /app/api/catalogue/review` {"draft", "decision": "approve"|"reject", "comment"}.
    func webReviewDraft(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        guard let id = body["draft"]?.stringValue, let decision = body["decision"]?.stringValue, decision == "approve" || decision == "reject" else {
            throw WebError.badRequest(zh: "请求体应为 {\"draft\", \"decision\": \"approve\"|\"reject\", \"comment\"}",
                                      en: "the body must be {\"draft\", \"decision\": \"approve\"|\"reject\", \"comment\"}")
        }
        let state = try pool.with { try $0.review(draft: id, approve: decision == "approve", comment: body["comment"]?.stringValue, operator: account.name) }
        log.event("draft_reviewed", ["draft": id, "operator": account.name, "decision": decision])
        return Self.webJSON(CatalogueViews.draft(state, time: time))
    }

    /// `GET /app/api/status`: what `rootsync status --json` says (links, lag, counts) and the
    /// subtree tree of `/v1/status/tree`.
    func webStatus(_ call: WebCall) throws -> HTTPResponse {
        _ = try call.operatorAccount
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lastRound = metrics.snapshot().lastRoundSuccessMilliseconds
        let (status, own) = try pool.with { r in
            (try StatusReport.make(r, childrenSeen: childrenLastSeen(), time: time), try SubtreeView.own(r, lastRoundMilliseconds: lastRound, now: now))
        }
        let tree = SubtreeView.json(own: own, below: subtreeHealth.load(), now: now, staleAfter: SubtreeView.defaultStaleAfter, time: time)
        return Self.webJSON(["status": status, "tree": tree, "time_zone": .string(time.zoneName), "now": .string(time.display(milliseconds: now))])
    }
}
