import Catalogue
import JSON
import Replica
import Standards

/// The catalogue as the web app's entry forms and searches: every resource, its field groups
/// and items with their Chinese labels, the input each needs, code sets as options, the tags in
/// use, and which searches it offers. The browser builds its forms from this alone, so a new
/// catalogue item or resource appears without a code change.
enum WebForms {
    static func make(_ replica: Replica) throws -> JSONValue {
        let c = replica.catalogue
        var resources: [JSONValue] = []
        for r in c.resources {
            var o = JSONObject()
            o.append("name", .string(r.name))
            o.append("label", .string(r.label))
            o.append("key", .string(r.key))
            o.append("scope", .string(r.scope))
            o.append("id_rule", idRule(r))
            var groups: [JSONValue] = []
            for g in r.groups {
                var fields: [JSONValue] = []
                for name in g.fields {
                    guard let item = r.field(name) else { continue }
                    fields.append(try field(item, in: r, catalogue: c, replica: replica))
                }
                groups.append(["name": .string(g.name), "label": .string(g.label), "writable": .bool(g.isWritable(by: replica.node.level)),
                               "writers_zh": .string(g.writers.map { $0.map(\.nameZh).sorted().joined(separator: "、") } ?? ""),
                               "fields": .array(fields)])
            }
            o.append("groups", .array(groups))
            let searches = try replica.searchFields(r.name)
            o.append("search", .array(searches.map { s in
                ["by": .string(s.field.rawValue), "label": .string(s.items.map(\.label).joined(separator: "、")),
                 "items": .array(s.items.map { .string($0.name) })]
            }))
            // The result table: the key, the name, then every searched item once.
            var columns: [String] = [r.key]
            for s in searches { for item in s.items where !columns.contains(item.name) { columns.append(item.name) } }
            if let name = searches.first(where: { $0.field == .name })?.items.first?.name, let i = columns.firstIndex(of: name) {
                columns.remove(at: i)
                columns.insert(name, at: 1)
            }
            o.append("columns", .array(columns.map { .string($0) }))
            resources.append(.object(o))
        }
        let node = replica.node
        return ["catalogue_version": .int(c.version),
                "node": ["code": .string(node.code), "name": .string(node.name), "level": .string(node.level.rawValue), "level_zh": .string(node.level.nameZh)],
                "resources": .array(resources)]
    }

    /// The items a citizen ID fills in (sex and birth date), from the resource's rule.
    static func idRule(_ r: Resource) -> JSONValue {
        for rule in r.rules {
            if case .idAgrees(let id, let sex, let birth) = rule {
                return ["id": .string(id), "sex": sex.map { .string($0) } ?? .null, "birth_date": birth.map { .string($0) } ?? .null]
            }
        }
        return .null
    }

    static func field(_ item: DataItem, in r: Resource, catalogue c: Catalogue, replica: Replica) throws -> JSONValue {
        var o = JSONObject()
        o.append("name", .string(item.name))
        o.append("label", .string(item.label))
        o.append("required", .bool(item.required))
        o.append("format", .string(item.format.description))
        if let check = item.check { o.append("check", .string(check.rawValue)) }
        let input: String
        var options: [JSONValue] = []
        if item.kind == .tags {
            input = "tags"
            // Checkboxes: the tag item's code set when the catalogue gives one, else the tags in use here.
            if let set = item.codeSet.flatMap({ c.codeSet($0) }) {
                options = set.entries.filter { !c.isDisabled(code: $0.code, in: set.id) }.map { .string($0.name) }
            } else {
                options = try replica.tagsInUse(r.name, field: item.name).map { .string($0) }
            }
        } else if let set = item.codeSet.flatMap({ c.codeSet($0) }) {
            input = "select"
            options = set.entries.filter { !c.isDisabled(code: $0.code, in: set.id) }.map { ["code": .string($0.code), "name": .string($0.name)] }
        } else {
            switch item.format.type {
            case .memo, .general: input = "textarea"
            case .date where item.format.maxLength == 8: input = "date"
            case .date, .dateTime: input = "datetime"
            case .logical: input = "yesno"
            case .numeric, .currency, .integer, .double, .float: input = "number"
            case .string: input = "text"
            }
        }
        o.append("input", .string(input))
        if !options.isEmpty || input == "tags" || input == "select" { o.append("options", .array(options)) }
        if let max = item.format.maxLength, item.format.type == .string { o.append("maxlength", .int(max)) }
        return .object(o)
    }
}
