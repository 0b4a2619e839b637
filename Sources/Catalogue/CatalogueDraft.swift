import JSON
import Standards

/// A proposed change to the catalogue (清单编制员's draft): a title, a reason, and a list of
/// changes. Changes are operations, not a whole catalogue, so drafts from different nodes apply
/// to whatever version is current when the city approves them.
///
/// ```json
/// {"title": "人口增加微信号", "reason": "社区联系居民需要",
///  "changes": [{"op": "add_item", "resource": "person", "group": "contact",
///               "item": {"name": "wechat", "label": "微信号", "format": "C..50"}}]}
/// ```
public struct CatalogueDraft: Sendable, Equatable {
    public static let operations = ["add_resource", "add_item", "add_group", "add_code_set", "add_code", "disable_code",
                                    "enable_code", "set_share", "set_meta", "set_label", "add_data_element"]

    public var title: String
    public var reason: String
    public var changes: [JSONValue]

    public init(title: String, reason: String, changes: [JSONValue]) {
        self.title = title
        self.reason = reason
        self.changes = changes
    }

    public var json: JSONValue {
        ["title": .string(title), "reason": .string(reason), "changes": .array(changes)]
    }

    /// Reads a draft, checking its shape (every problem at once); whether it applies is checked
    /// against a catalogue by `apply(to:)`.
    public init(json: JSONValue) throws {
        var problems: [String] = []
        guard let o = json.objectValue else { throw CatalogueError(["a draft must be a JSON object with title, reason and changes"]) }
        let title = o["title"]?.stringValue?.trimmingSpace() ?? ""
        if title.isEmpty { problems.append("title (标题) is required") }
        if title.count > 200 { problems.append("title must be at most 200 characters") }
        let reason = o["reason"]?.stringValue?.trimmingSpace() ?? ""
        if reason.count > 2000 { problems.append("reason must be at most 2000 characters") }
        let changes = o["changes"]?.arrayValue ?? []
        if changes.isEmpty { problems.append("changes must be a non-empty array") }
        if changes.count > 100 { problems.append("a draft holds at most 100 changes") }
        for (i, c) in changes.enumerated() {
            guard let op = c["op"]?.stringValue, Self.operations.contains(op) else {
                problems.append("changes[\(i)]: op must be one of \(Self.operations.joined(separator: ", ")), found \(c["op"]?.text ?? "nothing")"); continue
            }
            for key in Self.required(op) where c[key] == nil { problems.append("changes[\(i)] (\(op)): \(key) is required") }
        }
        for key in o.keys where !["title", "reason", "changes"].contains(key) { problems.append("unknown member \(key)") }
        if !problems.isEmpty { throw CatalogueError(problems) }
        self.init(title: title, reason: reason, changes: changes)
    }

    static func required(_ op: String) -> [String] {
        switch op {
        case "add_resource": return ["resource"]
        case "add_item": return ["resource", "item", "group"]
        case "add_group": return ["resource", "group"]
        case "add_code_set": return ["code_set"]
        case "add_code": return ["code_set", "code", "name"]
        case "disable_code", "enable_code": return ["code_set", "code"]
        case "set_share": return ["resource", "share"]
        case "set_meta": return ["resource", "meta"]
        case "set_label": return ["resource", "label"]
        case "add_data_element": return ["element"]
        default: return []
        }
    }

    /// The new resources this draft adds (they get identifiers on final approval).
    public var addedResources: [String] {
        changes.compactMap { $0["op"]?.stringValue == "add_resource" ? $0["resource"]?["name"]?.stringValue : nil }
    }

    /// The catalogue JSON with this draft's changes made, and the version number after `base`'s.
    /// Throws with every problem when a change does not fit (unknown resource, duplicate field…);
    /// the result must still pass `Catalogue.parse` and `CatalogueEvolution`.
    public func apply(to base: Catalogue) throws -> JSONValue {
        guard var root = base.source.objectValue else { throw CatalogueError(["the base catalogue is not an object"]) }
        var problems: [String] = []
        var resources = root["resources"]?.arrayValue ?? []
        var codeSets = root["code_sets"]?.arrayValue ?? []
        var elements = root["data_elements"]?.arrayValue ?? []

        func resourceIndex(_ c: JSONValue, _ i: Int) -> Int? {
            let name = c["resource"]?.stringValue ?? ""
            guard let idx = resources.firstIndex(where: { $0["name"]?.stringValue == name }) else {
                problems.append("changes[\(i)]: there is no resource \(name)"); return nil
            }
            return idx
        }
        func edit(_ idx: Int, _ body: (inout JSONObject) -> Void) {
            guard var r = resources[idx].objectValue else { return }
            body(&r)
            resources[idx] = .object(r)
        }
        func codeSetIndex(_ c: JSONValue, _ i: Int) -> Int? {
            let id = c["code_set"]?.stringValue ?? ""
            guard let idx = codeSets.firstIndex(where: { $0["id"]?.stringValue == id }) else {
                problems.append(base.standardCodeSets[id] != nil
                    ? "changes[\(i)]: \(id) is a national standard code set; a city catalogue cannot change it"
                    : "changes[\(i)]: there is no local code set \(id)")
                return nil
            }
            return idx
        }
        func setEntry(_ idx: Int, code: String, name: String?, enabled: Bool, _ i: Int, adding: Bool) {
            guard var set = codeSets[idx].objectValue else { return }
            var entries = set["entries"]?.arrayValue ?? []
            let at = entries.firstIndex { ($0.arrayValue?.first?.stringValue ?? $0["code"]?.stringValue) == code }
            if adding && at != nil { problems.append("changes[\(i)]: code \(code) is already in code set \(set["id"]?.stringValue ?? "")"); return }
            if !adding && at == nil { problems.append("changes[\(i)]: code set \(set["id"]?.stringValue ?? "") has no code \(code)"); return }
            let oldName = at.flatMap { entries[$0].arrayValue?.last?.stringValue ?? entries[$0]["name"]?.stringValue }
            let entry: JSONValue = enabled
                ? .array([.string(code), .string(name ?? oldName ?? code)])
                : ["code": .string(code), "name": .string(name ?? oldName ?? code), "enabled": false]
            if let at { entries[at] = entry } else { entries.append(entry) }
            set["entries"] = .array(entries)
            codeSets[idx] = .object(set)
        }

        for (i, c) in changes.enumerated() {
            switch c["op"]?.stringValue ?? "" {
            case "add_resource":
                guard var r = c["resource"]?.objectValue, let name = r["name"]?.stringValue else {
                    problems.append("changes[\(i)]: resource must be an object with a name"); continue
                }
                if resources.contains(where: { $0["name"]?.stringValue == name }) {
                    problems.append("changes[\(i)]: resource \(name) already exists"); continue
                }
                if var meta = r["meta"]?.objectValue, let given = meta["identifier"] {
                    // Assigned by the city on final approval; one given must still be well formed.
                    if let text = given.stringValue {
                        for p in ResourceIdentifier.problems(text, category: meta["category"]?.stringValue,
                                                             providerCode: meta["provider_code"]?.stringValue, divisions: .bundled) {
                            problems.append("changes[\(i)]: \(p)")
                        }
                    } else { problems.append("changes[\(i)]: identifier must be text") }
                    meta["identifier"] = nil
                    r["meta"] = .object(meta)
                }
                resources.append(.object(r))
            case "add_item":
                guard let idx = resourceIndex(c, i), let item = c["item"]?.objectValue, let fname = item["name"]?.stringValue else {
                    if c["item"]?["name"]?.stringValue == nil { problems.append("changes[\(i)]: item must be an object with a name") }
                    continue
                }
                edit(idx) { r in
                    var fields = r["fields"]?.arrayValue ?? []
                    if fields.contains(where: { $0["name"]?.stringValue == fname }) {
                        problems.append("changes[\(i)]: \(r["name"]?.stringValue ?? "") already has a data item \(fname)"); return
                    }
                    fields.append(.object(item))
                    r["fields"] = .array(fields)
                    var groups = r["groups"]?.arrayValue ?? []
                    if let gname = c["group"]?.stringValue {
                        guard let g = groups.firstIndex(where: { $0["name"]?.stringValue == gname }), var group = groups[g].objectValue else {
                            problems.append("changes[\(i)]: \(r["name"]?.stringValue ?? "") has no group \(gname)"); return
                        }
                        group["fields"] = .array((group["fields"]?.arrayValue ?? []) + [.string(fname)])
                        groups[g] = .object(group)
                    } else if var group = c["group"]?.objectValue {
                        group["fields"] = .array([.string(fname)])
                        groups.append(.object(group))
                    } else {
                        problems.append("changes[\(i)]: group must name an existing group or define a new one"); return
                    }
                    r["groups"] = .array(groups)
                }
            case "add_group":
                guard let idx = resourceIndex(c, i), let group = c["group"]?.objectValue else { continue }
                edit(idx) { r in r["groups"] = .array((r["groups"]?.arrayValue ?? []) + [.object(group)]) }
            case "add_code_set":
                guard let set = c["code_set"]?.objectValue, let id = set["id"]?.stringValue else {
                    problems.append("changes[\(i)]: code_set must be an object with an id"); continue
                }
                if codeSets.contains(where: { $0["id"]?.stringValue == id }) { problems.append("changes[\(i)]: code set \(id) already exists"); continue }
                codeSets.append(.object(set))
            case "add_code":
                guard let idx = codeSetIndex(c, i), let code = c["code"]?.stringValue, let name = c["name"]?.stringValue else { continue }
                setEntry(idx, code: code, name: name, enabled: true, i, adding: true)
            case "disable_code", "enable_code":
                guard let idx = codeSetIndex(c, i), let code = c["code"]?.stringValue else { continue }
                setEntry(idx, code: code, name: nil, enabled: c["op"]?.stringValue == "enable_code", i, adding: false)
            case "set_share":
                guard let idx = resourceIndex(c, i) else { continue }
                edit(idx) { r in
                    r["share"] = c["share"]
                    if let condition = c["share_condition"], var meta = r["meta"]?.objectValue {
                        meta["share_condition"] = condition
                        r["meta"] = .object(meta)
                    }
                }
            case "set_meta":
                guard let idx = resourceIndex(c, i), let patch = c["meta"]?.objectValue else { continue }
                for key in patch.keys where ["identifier", "category", "provider_code"].contains(key) {
                    problems.append("changes[\(i)]: meta.\(key) cannot be edited in a draft (it fixes the resource's identifier)")
                }
                edit(idx) { r in
                    var meta = r["meta"]?.objectValue ?? JSONObject()
                    for (k, v) in patch where !["identifier", "category", "provider_code"].contains(k) { meta[k] = v }
                    r["meta"] = .object(meta)
                }
            case "set_label":
                guard let idx = resourceIndex(c, i) else { continue }
                edit(idx) { r in
                    if let field = c["item"]?.stringValue {
                        var fields = r["fields"]?.arrayValue ?? []
                        guard let f = fields.firstIndex(where: { $0["name"]?.stringValue == field }), var item = fields[f].objectValue else {
                            problems.append("changes[\(i)]: no data item \(field)"); return
                        }
                        item["label"] = c["label"]
                        fields[f] = .object(item)
                        r["fields"] = .array(fields)
                    } else {
                        r["label"] = c["label"]
                    }
                }
            case "add_data_element":
                guard let e = c["element"]?.objectValue, let code = e["code"]?.stringValue else {
                    problems.append("changes[\(i)]: element must be an object with a code"); continue
                }
                if elements.contains(where: { $0["code"]?.stringValue == code }) { problems.append("changes[\(i)]: data element \(code) already exists"); continue }
                elements.append(.object(e))
            default:
                problems.append("changes[\(i)]: unknown op")
            }
        }
        if !problems.isEmpty { throw CatalogueError(problems) }
        root["resources"] = .array(resources)
        root["code_sets"] = .array(codeSets)
        if !elements.isEmpty { root["data_elements"] = .array(elements) }
        root["version"] = .int(base.version + 1)
        return .object(root)
    }

    /// Checks that the draft applies to `base` and gives a valid, compatible catalogue (new
    /// resources may still lack their identifier). Returns the resulting draft-stage catalogue.
    public func check(against base: Catalogue, divisions: DivisionTable = .bundled) throws -> Catalogue {
        let json = try apply(to: base)
        let next = try Catalogue.parse(json, standardCodeSets: base.standardCodeSets, divisions: divisions, stage: .draft)
        let problems = CatalogueEvolution.problems(from: base, to: next)
        if !problems.isEmpty { throw CatalogueError(problems) }
        return next
    }

    /// The next published catalogue: the draft applied to `base`, identifiers assigned to new
    /// resources (顺序码 = next free number of the provider), publication dates set.
    public func publish(on base: Catalogue, date: String, divisions: DivisionTable = .bundled) throws -> Catalogue {
        guard var root = try apply(to: base).objectValue else { throw CatalogueError(["not an object"]) }
        var resources = root["resources"]?.arrayValue ?? []
        let added = Set(addedResources)
        for i in resources.indices {
            guard var r = resources[i].objectValue, var meta = r["meta"]?.objectValue else { continue }
            if meta["identifier"] == nil, let category = meta["category"]?.stringValue, let provider = meta["provider_code"]?.stringValue,
               let probe = ResourceIdentifier(category: category, providerCode: provider, sequence: 1) {
                let used = resources.compactMap { $0["meta"]?["identifier"]?.stringValue.flatMap(ResourceIdentifier.init) }
                    .filter { $0.division == probe.division && $0.unit == probe.unit }.map(\.sequence)
                let id = ResourceIdentifier(category: category, division: probe.division, unit: probe.unit, sequence: (used.max() ?? 0) + 1)
                meta["identifier"] = .string(id.description)
            }
            if added.contains(r["name"]?.stringValue ?? "") || meta["published"] == nil { meta["published"] = .string(date) }
            r["meta"] = .object(meta)
            resources[i] = .object(r)
        }
        root["resources"] = .array(resources)
        root["published"] = .string(date)
        let next = try Catalogue.parse(.object(root), standardCodeSets: base.standardCodeSets, divisions: divisions, stage: .published)
        let problems = CatalogueEvolution.problems(from: base, to: next)
        if !problems.isEmpty { throw CatalogueError(problems) }
        return next
    }
}
