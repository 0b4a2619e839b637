import Foundation
import JSON
import Standards

/// 政务数据目录: the resources, fields, code sets and sharing rules every replica's schema and
/// every validation follow. Published by the city as numbered versions.
public struct Catalogue: Sendable, Equatable {
    public static let format = "rootsync-catalogue/1"

    public let version: Int
    public let published: String
    public let resources: [Resource]
    /// Code sets defined by the catalogue itself (local, class 2 and so on).
    public let localCodeSets: [CodeSet]
    /// The national code sets shipped with the Standards module.
    public let standardCodeSets: CodeSets
    /// 数据元 items may reference.
    public let dataElements: [DataElement]
    /// Codes of local code sets that are disabled: values already stored stay (and are flagged),
    /// new writes are refused.
    public let disabledCodes: [String: Set<String>]
    /// The catalogue's own JSON, kept so it can be stored and sent exactly as published.
    public let source: JSONValue

    public func resource(_ name: String) -> Resource? { resources.first { $0.name == name } }

    public func codeSet(_ id: String) -> CodeSet? {
        localCodeSets.first { $0.id == id } ?? standardCodeSets[id]
    }

    public func isDisabled(code: String, in codeSet: String) -> Bool {
        disabledCodes[codeSet]?.contains(code) ?? false
    }

    /// The resource with this 信息资源代码.
    public func resource(identifier: String) -> Resource? { resources.first { $0.meta.identifier == identifier } }

    /// Whether a catalogue is published (every resource has its identifier) or a draft being
    /// checked (new resources get theirs on final approval).
    public enum Stage: Sendable { case published, draft }

    /// The default catalogue shipped with rootsync (version 1).
    public static func bundledDefault() throws -> Catalogue {
        let url: URL
        do {
            url = try ResourceBundle.directory(module: "Catalogue").appendingPathComponent("Resources/default-catalogue.json")
        } catch { throw CatalogueError(["\(error)"]) }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CatalogueError(["default-catalogue.json is missing from the installation (\(url.path))"])
        }
        return try parse(data: Array(try Data(contentsOf: url)))
    }

    public static func parse(data: [UInt8], standardCodeSets: CodeSets? = nil, stage: Stage = .published) throws -> Catalogue {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: data) } catch { throw CatalogueError(["\(error)"]) }
        return try parse(json, standardCodeSets: standardCodeSets ?? CodeSets.loadBundled(), stage: stage)
    }

    /// Parses and checks a catalogue, reporting every problem found.
    public static func parse(_ json: JSONValue, standardCodeSets: CodeSets = .bundled, divisions: DivisionTable = .bundled,
                             stage: Stage = .published) throws -> Catalogue {
        var p = CatalogueParser(standard: standardCodeSets, divisions: divisions, stage: stage)
        let catalogue = p.catalogue(json)
        guard p.problems.isEmpty, let catalogue else { throw CatalogueError(p.problems) }
        return catalogue
    }

    init(version: Int, published: String, resources: [Resource], localCodeSets: [CodeSet], standardCodeSets: CodeSets,
         dataElements: [DataElement], disabledCodes: [String: Set<String>], source: JSONValue) {
        self.version = version
        self.published = published
        self.resources = resources
        self.localCodeSets = localCodeSets
        self.standardCodeSets = standardCodeSets
        self.dataElements = dataElements
        self.disabledCodes = disabledCodes
        self.source = source
    }
}

/// Reads a catalogue's JSON, collecting problems instead of stopping at the first.
struct CatalogueParser {
    let standard: CodeSets
    let divisions: DivisionTable
    let stage: Catalogue.Stage
    var problems: [String] = []
    var disabled: [String: Set<String>] = [:]
    var elements: [DataElement] = []

    init(standard: CodeSets, divisions: DivisionTable, stage: Catalogue.Stage) {
        self.standard = standard
        self.divisions = divisions
        self.stage = stage
    }

    mutating func catalogue(_ json: JSONValue) -> Catalogue? {
        guard let root = json.objectValue else { problems.append("the catalogue must be a JSON object"); return nil }
        if root["format"]?.stringValue != Catalogue.format {
            problems.append("format must be \"\(Catalogue.format)\"")
        }
        guard let version = root["version"]?.int64Value, version > 0 else {
            problems.append("version must be a positive integer"); return nil
        }
        let published = root["published"]?.stringValue ?? ""
        for (i, e) in (root["data_elements"]?.arrayValue ?? []).enumerated() {
            guard let code = e["code"]?.stringValue, DataElement.isCode(code), let name = e["name"]?.stringValue, !name.isEmpty else {
                problems.append("data_elements[\(i)]: needs a 6-digit code (2-digit category + 4-digit sequence) and a name"); continue
            }
            if elements.contains(where: { $0.code == code }) { problems.append("data element \(code) is defined twice") }
            elements.append(DataElement(code: code, name: name, format: e["format"]?.stringValue))
        }
        var local: [CodeSet] = []
        for (i, set) in (root["code_sets"]?.arrayValue ?? []).enumerated() {
            if let s = codeSet(set, at: i) {
                if local.contains(where: { $0.id == s.id }) { problems.append("code set \(s.id) is defined twice") }
                local.append(s)
            }
        }
        var resources: [Resource] = []
        guard let list = root["resources"]?.arrayValue, !list.isEmpty else {
            problems.append("resources must be a non-empty array"); return nil
        }
        for (i, r) in list.enumerated() {
            if let resource = resource(r, at: i, localSets: local) {
                if resources.contains(where: { $0.name == resource.name }) {
                    problems.append("resource \(resource.name) is defined twice")
                }
                resources.append(resource)
            }
        }
        var identifiers: [String: String] = [:]
        for r in resources {
            guard let id = r.meta.identifier else { continue }
            if let other = identifiers[id], other != r.name { problems.append("resources \(other) and \(r.name) have the same identifier \(id)") }
            identifiers[id] = r.name
        }
        for r in resources {
            for related in r.meta.related where identifiers[related] == nil && ResourceIdentifier(related) == nil {
                problems.append("resource \(r.name): related resource \(related) is not a resource identifier")
            }
        }
        return Catalogue(version: Int(version), published: published, resources: resources, localCodeSets: local,
                         standardCodeSets: standard, dataElements: elements, disabledCodes: disabled, source: json)
    }

    mutating func codeSet(_ json: JSONValue, at i: Int) -> CodeSet? {
        guard let id = json["id"]?.stringValue, id.count == 5, id.allSatisfy(\.isNumber) else {
            problems.append("code_sets[\(i)]: id must be a 5-digit code set code (class digit + 4-digit sequence)")
            return nil
        }
        let title = json["title"]?.stringValue ?? id
        if let cls = json["class"]?.stringValue, cls != String(id.prefix(1)) {
            problems.append("code set \(id): class \(cls) must be the code's first digit (0 国家标准, 1 省级, 2 地方, 3 行业, 4 其他)")
        }
        var entries: [CodeSet.Entry] = []
        for e in json["entries"]?.arrayValue ?? [] {
            if let pair = e.arrayValue, pair.count == 2, let code = pair[0].stringValue, let name = pair[1].stringValue, !code.isEmpty {
                entries.append(.init(code: code, name: name))
            } else if let code = e["code"]?.stringValue, let name = e["name"]?.stringValue, !code.isEmpty {
                entries.append(.init(code: code, name: name))
                if e["enabled"]?.boolValue == false { disabled[id, default: []].insert(code) }
            } else {
                problems.append("code set \(id): every entry must be [code, name] or {\"code\", \"name\", \"enabled\"}")
            }
        }
        if entries.isEmpty { problems.append("code set \(id) has no entries") }
        if Set(entries.map(\.code)).count != entries.count { problems.append("code set \(id) repeats a code") }
        return CodeSet(id: id, designation: id, title: title, entries: entries)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.count <= 48, ("a"..."z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    mutating func level(_ text: String?, _ context: String) -> DivisionLevel? {
        guard let text else { return nil }
        guard let level = DivisionLevel(rawValue: text), level != .province else {
            problems.append("\(context): authority must be city, district, street or community, not \(text)")
            return nil
        }
        return level
    }

    mutating func resource(_ json: JSONValue, at i: Int, localSets: [CodeSet]) -> Resource? {
        guard let name = json["name"]?.stringValue, Self.isIdentifier(name) else {
            problems.append("resources[\(i)]: name must be a lowercase identifier (a-z, 0-9, _)")
            return nil
        }
        let where_ = "resource \(name)"
        let label = json["label"]?.stringValue ?? name
        guard let shareText = json["share"]?.stringValue, let share = ShareType(rawValue: shareText) else {
            problems.append("\(where_): share must be one of \(ShareType.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        var fields: [DataItem] = []
        for (j, f) in (json["fields"]?.arrayValue ?? []).enumerated() {
            guard let fname = f["name"]?.stringValue, Self.isIdentifier(fname) else {
                problems.append("\(where_): fields[\(j)] needs a lowercase identifier name"); continue
            }
            guard let formatText = f["format"]?.stringValue else {
                problems.append("\(where_).\(fname): format is required (e.g. C..50, N..10,2, D8)"); continue
            }
            let format: ItemFormat
            do { format = try ItemFormat.parse(formatText) } catch {
                problems.append("\(where_).\(fname): \(error)"); continue
            }
            var check: DataItem.Check?
            if let c = f["check"]?.stringValue {
                check = DataItem.Check(rawValue: c)
                if check == nil { problems.append("\(where_).\(fname): unknown check \(c)") }
            }
            let codeSet = f["code_set"]?.stringValue
            if let codeSet, !localSets.contains(where: { $0.id == codeSet }) && standard[codeSet] == nil {
                problems.append("\(where_).\(fname): unknown code set \(codeSet)")
            }
            let kind: DataItem.Kind = f["kind"]?.stringValue == "tags" ? .tags : .value
            let element = f["element"]?.stringValue
            if let element, !elements.contains(where: { $0.code == element }) {
                problems.append("\(where_).\(fname): unknown data element \(element)")
            }
            if fields.contains(where: { $0.name == fname }) { problems.append("\(where_): field \(fname) is defined twice") }
            fields.append(DataItem(name: fname, label: f["label"]?.stringValue ?? fname, format: format,
                                   codeSet: codeSet, check: check, required: f["required"]?.boolValue ?? false, kind: kind, element: element))
        }
        if fields.isEmpty { problems.append("\(where_): fields must not be empty") }
        let key = json["key"]?.stringValue ?? ""
        let scope = json["scope"]?.stringValue ?? ""
        if let k = fields.first(where: { $0.name == key }) {
            if !k.required { problems.append("\(where_): key field \(key) must be required") }
        } else { problems.append("\(where_): key \(key) is not one of its fields") }
        if let s = fields.first(where: { $0.name == scope }) {
            if s.check != .division || !s.required { problems.append("\(where_): scope field \(scope) must be a required division code (check: division)") }
        } else { problems.append("\(where_): scope \(scope) is not one of its fields") }

        var groups: [FieldGroup] = []
        var grouped: [String: String] = [:]
        for (j, g) in (json["groups"]?.arrayValue ?? []).enumerated() {
            guard let gname = g["name"]?.stringValue, Self.isIdentifier(gname) else {
                problems.append("\(where_): groups[\(j)] needs a lowercase identifier name"); continue
            }
            let members = (g["fields"]?.arrayValue ?? []).compactMap(\.stringValue)
            if members.isEmpty { problems.append("\(where_): group \(gname) has no fields") }
            let isTags = g["kind"]?.stringValue == "tags"
            for m in members {
                guard let item = fields.first(where: { $0.name == m }) else {
                    problems.append("\(where_): group \(gname) names unknown field \(m)"); continue
                }
                if let other = grouped[m] { problems.append("\(where_): field \(m) is in groups \(other) and \(gname)") }
                grouped[m] = gname
                if isTags != (item.kind == .tags) {
                    problems.append("\(where_): tag fields go in tag groups only (\(m) in \(gname))")
                }
            }
            if groups.contains(where: { $0.name == gname }) { problems.append("\(where_): group \(gname) is defined twice") }
            if !isTags && g["authority"] == nil {
                problems.append("\(where_).\(gname): authority is required (city, district, street or community: 一数一源)")
            }
            var writers: Set<DivisionLevel>?
            if let list = g["writable_by"] {
                let names = list.arrayValue?.compactMap(\.stringValue) ?? []
                let levels = names.compactMap { level($0, "\(where_).\(gname).writable_by") }
                if names.isEmpty || levels.count != names.count || list.arrayValue?.count != names.count {
                    problems.append("\(where_).\(gname): writable_by must list levels (city, district, street, community)")
                }
                writers = Set(levels)
                if let a = level(g["authority"]?.stringValue, "\(where_).\(gname)"), !writers!.contains(a) {
                    problems.append("\(where_).\(gname): its authoritative level \(a.rawValue) must be able to write it (writable_by)")
                }
            }
            groups.append(FieldGroup(name: gname, label: g["label"]?.stringValue ?? gname, fields: members,
                                     authority: level(g["authority"]?.stringValue, "\(where_).\(gname)"), isTagSet: isTags, writers: writers))
        }
        for f in fields where grouped[f.name] == nil { problems.append("\(where_): field \(f.name) is in no group") }
        if let keyGroup = grouped[key], let scopeGroup = grouped[scope], keyGroup == scopeGroup, key == scope {
            problems.append("\(where_): key and scope must be different fields")
        }
        var rules: [RecordRule] = []
        for r in json["rules"]?.arrayValue ?? [] {
            if r["rule"]?.stringValue == "id_agrees", let id = r["id"]?.stringValue, fields.contains(where: { $0.name == id }) {
                rules.append(.idAgrees(id: id, sex: r["sex"]?.stringValue, birthDate: r["birth_date"]?.stringValue))
            } else {
                problems.append("\(where_): unknown or incomplete rule \(r.text)")
            }
        }
        let meta = metadata(json["meta"], where_, share: share)
        return Resource(name: name, label: label, key: key, scope: scope, share: share, meta: meta,
                        existenceAuthority: level(json["existence_authority"]?.stringValue, "\(where_).existence_authority"),
                        fields: fields, groups: groups, rules: rules)
    }
}

extension CatalogueParser {
    /// The resource's 信息类 metadata, checked against the standard's lists and coding rules.
    mutating func metadata(_ json: JSONValue?, _ where_: String, share: ShareType) -> ResourceMetadata {
        let m = json?.objectValue ?? JSONObject()
        if json?.objectValue == nil { problems.append("\(where_): meta (信息类元数据) is required") }
        func text(_ key: String, _ label: String, required: Bool = true) -> String? {
            let v = m[key]?.stringValue?.trimmingSpace()
            if required && (v ?? "").isEmpty { problems.append("\(where_): meta.\(key) (\(label)) is required") }
            return (v ?? "").isEmpty ? nil : v
        }
        let category = text("category", "信息资源分类") ?? ""
        if !category.isEmpty && !ResourceIdentifier.isCategory(category) {
            problems.append("\(where_): meta.category \(category) must be 类 (1 基础, 2 主题, 3 部门) + 项 (2 digits) + 目 (3 digits)")
        }
        let provider = text("provider", "提供方") ?? ""
        let providerCode = text("provider_code", "提供方代码") ?? ""
        if !providerCode.isEmpty, !CreditCode.check(providerCode, field: "provider_code", divisions: divisions).isValid {
            problems.append("\(where_): meta.provider_code \(providerCode) is not a valid unified social credit code (GB 32100)")
        }
        let identifier = text("identifier", "信息资源代码", required: stage == .published)
        if let identifier {
            for p in ResourceIdentifier.problems(identifier, category: category.isEmpty ? nil : category,
                                                 providerCode: providerCode.isEmpty ? nil : providerCode, divisions: divisions) {
                problems.append("\(where_): \(p)")
            }
        }
        let format = text("format", "格式") ?? ""
        if !format.isEmpty && !ResourceMetadata.formats.contains(format) {
            problems.append("\(where_): meta.format must be one of \(ResourceMetadata.formats.joined(separator: "/"))")
        }
        let condition = text("share_condition", "共享条件", required: share != .unconditional)
        let cycle = text("update_cycle", "更新周期") ?? ""
        if !cycle.isEmpty && !ResourceMetadata.updateCycles.contains(cycle) {
            problems.append("\(where_): meta.update_cycle must be one of \(ResourceMetadata.updateCycles.joined(separator: "/"))")
        }
        let cycleText = text("update_cycle_text", "更新周期说明", required: cycle == "其他")
        let management = text("management", "管理方式") ?? ""
        if !management.isEmpty && !ResourceMetadata.managementStyles.contains(management) {
            problems.append("\(where_): meta.management must be 手工 or 计算机")
        }
        var open = false
        if let o = m["open"] {
            if let b = o.boolValue { open = b } else { problems.append("\(where_): meta.open (是否向社会开放) must be true or false") }
        }
        let published = text("published", "发布日期", required: false)
        if let published, CalendarDate(iso: published) == nil {
            problems.append("\(where_): meta.published must be a date YYYY-MM-DD, found \(published)")
        }
        var related: [String] = []
        for r in m["related"]?.arrayValue ?? [] {
            if let s = r.stringValue { related.append(s) } else { problems.append("\(where_): meta.related must list identifiers") }
        }
        return ResourceMetadata(category: category, identifier: identifier, provider: provider, providerCode: providerCode,
                                abstract: text("abstract", "摘要") ?? "", format: format, shareCondition: condition,
                                shareMethod: text("share_method", "共享方式") ?? "", open: open,
                                openCondition: text("open_condition", "开放条件", required: false),
                                updateCycle: cycle, updateCycleText: cycleText, dataRange: text("data_range", "数据范围") ?? "",
                                management: management, related: related, published: published)
    }
}
