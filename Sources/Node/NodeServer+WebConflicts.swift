import Catalogue
import Causality
import Foundation
import JSON
import Replica
import Transport

/// 冲突 Conflicts in the web app: the open conflicts with their competing versions side by side
/// (writer node, level, time, values), and their resolution by taking one version or writing new
/// values, as `rootsync conflicts` and `rootsync resolve` do, audited under the operator.
extension NodeServer {
    /// At most this many conflicts in one answer (the oldest records first); the count is whole.
    static let conflictsShown = 200

    /// `GET /app/api/conflicts`. A role that may not resolve sees the values masked like search
    /// results, and no conflict ids (they hold the record's key).
    func webConflicts(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let resolves = account.role.mayResolveConflicts
        let (open, catalogue, level) = try pool.with { (try $0.conflicts(), $0.catalogue, $0.node.level) }
        let list: [JSONValue] = open.prefix(Self.conflictsShown).compactMap { c in
            guard let r = catalogue.resource(c.resource) else { return nil }
            func shown(_ values: JSONObject) -> JSONObject { account.role.seesIdentifiers ? values : FieldMasking.mask(values, r) }
            var o = JSONObject()
            if resolves { o.append("conflict", .string(c.id)) }
            o.append("resource", .string(r.name))
            o.append("resource_label", .string(r.label))
            o.append("key", .string(shown(JSONObject([(r.key, .string(c.key))]))[r.key]?.stringValue ?? c.key))
            o.append("group", .string(c.group))
            let existence = c.group == GroupVersion.existence
            o.append("group_label", .string(existence ? "存在与删除" : r.group(c.group)?.label ?? c.group))
            let authority = existence ? r.existenceAuthority : r.group(c.group)?.authority
            o.append("authority", authority.map { .string($0.rawValue) } ?? .null)
            o.append("authority_zh", authority.map { .string($0.nameZh) } ?? .null)
            // New values may be written for a group (not for a delete conflict: take a version).
            o.append("editable", .bool(!existence && r.group(c.group)?.isWritable(by: level) == true))
            o.append("versions", .array(c.versions.enumerated().map { i, v in
                var e = JSONObject()
                e.append("version", .string(v.dot.description))
                e.append("group", .string(v.group))
                e.append("writer", .string(v.dot.actor.node))
                e.append("writer_level", .string(v.dot.actor.level.rawValue))
                e.append("writer_level_zh", .string(v.dot.actor.level.nameZh))
                e.append("time_ms", .int(v.hlc >> 16))
                // Shown in the node's zone (node.json time_zone), never the browser's.
                e.append("time", .string(time.display(hlc: v.hlc)))
                if v.isExistence { e.append("deleted", .bool(v.isDelete)) } else { e.append("values", .object(shown(v.values))) }
                e.append("visible", .bool(i == 0))
                return .object(e)
            }))
            return .object(o)
        }
        return Self.webJSON(["count": .int(open.count), "may_resolve": .bool(resolves), "masked": .bool(!account.role.seesIdentifiers),
                             "conflicts": .array(list)])
    }

    /// `POST /app/api/conflicts/resolve` {"conflict", "take": VERSION} or {"conflict", "values": {…}}.
    func webResolve(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        guard account.role.mayResolveConflicts else {
            throw WebError.forbidden(zh: "只有审核员和管理员可以解决冲突", en: "only reviewers and administrators resolve conflicts")
        }
        let body = try JSONParser.parse(bytes: call.request.body)
        let take = body["take"]?.stringValue, values = body["values"]?.objectValue
        guard let id = body["conflict"]?.stringValue, (take == nil) != (values == nil) else {
            throw WebError.badRequest(zh: "请求体应为 {\"conflict\": 编号, \"take\": 版本} 或 {\"conflict\": 编号, \"values\": {…}}",
                                      en: "the body must be {\"conflict\": ID, \"take\": VERSION} or {\"conflict\": ID, \"values\": {…}}")
        }
        try pool.with { replica in
            guard let conflict = try replica.conflicts().first(where: { $0.id == id }) else { throw WebError.conflictGone(id) }
            if let take, !conflict.versions.contains(where: { $0.dot.description == take }) {
                throw WebError.badRequest(zh: "冲突中没有版本 \(take)", en: "version \(take) is not part of this conflict")
            }
            if let values {
                // Replica.resolve keeps only the group's fields: refuse others rather than drop them.
                let r = try replica.resource(conflict.resource)
                let allowed = conflict.group == GroupVersion.existence ? [] : r.group(conflict.group)?.fields ?? []
                let extra = values.keys.filter { !allowed.contains($0) }
                if !extra.isEmpty || allowed.isEmpty {
                    throw WebError.badRequest(zh: "字段组 \(conflict.group) 不能写入 \(extra.joined(separator: "、"))；删除冲突请选择一个版本",
                                              en: "group \(conflict.group) cannot take \(extra.joined(separator: ", ")); a delete conflict is resolved by taking a version")
                }
            }
            // Checked here by the record validator: Replica.resolve writes a tag group as given.
            var data: JSONObject?
            if let values {
                let r = try replica.resource(conflict.resource)
                let (normalized, issues) = replica.validator.normalize(r, patch: values, allowDisabledCodes: false)
                if !issues.isEmpty { throw ReplicaError.invalid(issues) }
                data = JSONObject(values.keys.map { ($0, normalized[$0] ?? .null) })
            }
            try replica.resolve(id, take: take, data: data, user: account.name)
        }
        localChange.notify()
        routesChanged.notify()
        log.event("web_resolve", ["operator": account.name, "conflict": id])
        return Self.webJSON(["conflict": .string(id), "resolved": true])
    }
}
