import Catalogue
import JSON
import Replica

/// The catalogue and its workflow as JSON, the same for the CLI's `--json` and the local API.
public enum CatalogueViews {
    public static func summary(_ r: Resource) -> JSONValue {
        ["name": .string(r.name), "label": .string(r.label), "identifier": r.meta.identifier.map { .string($0) } ?? .null,
         "category": .string(r.meta.category), "provider": .string(r.meta.provider), "share": .string(r.share.rawValue),
         "update_cycle": .string(r.meta.updateCycle), "items": .int(r.fields.count)]
    }

    public static func detail(_ r: Resource, in c: Catalogue) -> JSONValue {
        let m = r.meta
        var meta: JSONObject = [
            "category": .string(m.category), "identifier": m.identifier.map { .string($0) } ?? .null,
            "provider": .string(m.provider), "provider_code": .string(m.providerCode), "abstract": .string(m.abstract),
            "format": .string(m.format), "share_condition": m.shareCondition.map { .string($0) } ?? .null,
            "share_method": .string(m.shareMethod), "open": .bool(m.open), "open_condition": m.openCondition.map { .string($0) } ?? .null,
            "update_cycle": .string(m.updateCycle), "update_cycle_text": m.updateCycleText.map { .string($0) } ?? .null,
            "data_range": .string(m.dataRange), "management": .string(m.management),
            "related": .array(m.related.map { .string($0) }), "published": m.published.map { .string($0) } ?? .null,
        ]
        meta = JSONObject(meta.pairs.map { ($0.key, $0.value) })
        let items: [JSONValue] = r.fields.map { f in
            var o: JSONObject = ["name": .string(f.name), "label": .string(f.label), "type": .string(f.format.type.rawValue),
                                 "format": .string(f.format.description), "required": .bool(f.required),
                                 "group": .string(r.group(containing: f.name)?.name ?? "")]
            if let l = f.format.maxLength { o["length"] = .int(l) }
            if let s = f.codeSet {
                o["code_set"] = .string(s)
                if let disabled = c.disabledCodes[s], !disabled.isEmpty { o["disabled_codes"] = .array(disabled.sorted().map { .string($0) }) }
            }
            if let e = f.element { o["element"] = .string(e) }
            if let k = f.check { o["check"] = .string(k.rawValue) }
            return .object(o)
        }
        let groups: [JSONValue] = r.groups.map { g in
            ["name": .string(g.name), "label": .string(g.label), "authority": g.authority.map { .string($0.rawValue) } ?? .null,
             "fields": .array(g.fields.map { .string($0) })]
        }
        return ["name": .string(r.name), "label": .string(r.label), "key": .string(r.key), "scope": .string(r.scope),
                "share": .string(r.share.rawValue), "catalogue_version": .int(c.version), "meta": .object(meta),
                "items": .array(items), "groups": .array(groups)]
    }

    public static func draft(_ d: DraftState, events: Bool = true, time: NodeTime = .standard) -> JSONValue {
        var o: JSONObject = ["id": .string(d.id), "title": .string(d.title), "author": .string(d.author),
                             "status": .string(d.status.rawValue), "status_zh": .string(d.status.labelZh)]
        if let step = d.nextStep {
            o["next_step"] = .string(step.rawValue)
            o["next_step_zh"] = .string(step.labelZh)
            o["reviewer_node"] = .string(step.reviewer(forAuthor: d.author))
        }
        if let r = d.rejection {
            o["rejected_by"] = .string("\(r.operator)@\(r.node)")
            o["comment"] = .string(r.comment ?? "")
        }
        if let v = d.publishedVersion { o["catalogue_version"] = .int(v) }
        if let draft = d.draft { o["reason"] = .string(draft.reason); o["changes"] = .array(draft.changes) }
        if events { o["history"] = .array(d.events.map { e in
            var h = e.json
            if case .object(var x) = h {
                x["body"] = nil
                x["at"] = .string(time.rfc3339(stored: e.at))
                h = .object(x)
            }
            return h
        }) }
        return .object(o)
    }

    public static func versions(_ replica: Replica, time: NodeTime = .standard) throws -> JSONValue {
        .array(try replica.catalogueVersions().map {
            ["version": .int($0.version), "published": .string($0.published), "installed_at": .string(time.rfc3339(stored: $0.installedAt))]
        })
    }
}
