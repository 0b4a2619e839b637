/// What may change from one published catalogue version to the next.
///
/// Every replica migrates in place (new tables, new columns, new codes) without a resync, so a
/// new version may only add: resources, data items, groups, code sets, codes, data elements;
/// disable codes; change labels, metadata and share types between the shared kinds. Removing or
/// retyping anything, or changing a key, would strand data already held everywhere: such a
/// change needs a new resource (a new resource version) instead.
public enum CatalogueEvolution {
    public static func problems(from old: Catalogue, to new: Catalogue) -> [String] {
        var out: [String] = []
        if new.version <= old.version {
            out.append("version \(new.version) must be greater than the current version \(old.version)")
        }
        let hint = "不兼容的修改：请以新的信息资源（新版本）发布 / incompatible: publish a new resource (a new resource version) instead"
        for r in old.resources {
            guard let n = new.resource(r.name) else {
                out.append("resource \(r.name) (\(r.label)) cannot be removed — \(hint)"); continue
            }
            if n.key != r.key { out.append("resource \(r.name): the key cannot change from \(r.key) to \(n.key) — \(hint)") }
            if n.scope != r.scope { out.append("resource \(r.name): the scope field cannot change from \(r.scope) to \(n.scope) — \(hint)") }
            if let id = r.meta.identifier, n.meta.identifier != id {
                out.append("resource \(r.name): its identifier \(id) cannot change")
            }
            if r.share == .none && n.share != .none {
                out.append("resource \(r.name): a 不予共享 resource cannot become shared (records written while it was not shared would be left behind) — \(hint)")
            }
            for f in r.fields {
                guard let g = n.field(f.name) else {
                    out.append("resource \(r.name): data item \(f.name) (\(f.label)) cannot be removed — \(hint)"); continue
                }
                if g.format.type != f.format.type || g.sqlType != f.sqlType || g.kind != f.kind {
                    out.append("resource \(r.name).\(f.name): the type cannot change from \(f.format) to \(g.format) — \(hint)")
                } else if (g.format.maxLength ?? Int.max) < (f.format.maxLength ?? Int.max)
                            || (g.format.minLength ?? 0) > (f.format.minLength ?? 0)
                            || (g.format.fractionDigits ?? 0) < (f.format.fractionDigits ?? 0) {
                    out.append("resource \(r.name).\(f.name): the format may only widen (\(f.format) → \(g.format)); values already stored would no longer fit")
                }
                if g.check != f.check { out.append("resource \(r.name).\(f.name): its standard check cannot change — \(hint)") }
                if g.codeSet != f.codeSet { out.append("resource \(r.name).\(f.name): its code set cannot change from \(f.codeSet ?? "none") to \(g.codeSet ?? "none") — \(hint)") }
                if g.required && !f.required { out.append("resource \(r.name).\(f.name): an optional item cannot become required (records without it already exist)") }
            }
            for f in n.fields where r.field(f.name) == nil && f.required {
                out.append("resource \(r.name): the new data item \(f.name) must be optional (records already held have no value for it)")
            }
            for g in r.groups {
                guard let h = n.group(g.name) else { out.append("resource \(r.name): group \(g.name) cannot be removed — \(hint)"); continue }
                if h.authority != g.authority { out.append("resource \(r.name).\(g.name): the authoritative level cannot change (\(g.authority?.rawValue ?? "none") → \(h.authority?.rawValue ?? "none")) — \(hint)") }
                if h.isTagSet != g.isTagSet { out.append("resource \(r.name).\(g.name): a group cannot change between tags and values") }
                for f in g.fields where !h.fields.contains(f) {
                    out.append("resource \(r.name): data item \(f) cannot move out of group \(g.name) — \(hint)")
                }
            }
        }
        for set in old.localCodeSets {
            guard let n = new.localCodeSets.first(where: { $0.id == set.id }) else {
                out.append("code set \(set.id) (\(set.title)) cannot be removed"); continue
            }
            for e in set.entries where !n.contains(code: e.code) {
                out.append("code set \(set.id): code \(e.code) (\(e.name)) cannot be removed; disable it instead (\"enabled\": false) so stored values stay readable")
            }
        }
        for e in old.dataElements where !new.dataElements.contains(where: { $0.code == e.code }) {
            out.append("data element \(e.code) (\(e.name)) cannot be removed")
        }
        return out
    }
}
