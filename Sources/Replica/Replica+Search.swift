import Catalogue
import JSON
import SQLite
import Standards

extension Replica {
    /// The searches a resource offers, each with the items it looks in (empty ones left out).
    public func searchFields(_ resourceName: String) throws -> [(field: SearchField, items: [DataItem])] {
        let r = try resource(resourceName)
        let f = SearchIndex.fields(of: r)
        return SearchField.allCases.compactMap { field in
            let items = f.items(field).compactMap { r.field($0) }
            return items.isEmpty ? nil : (field, items)
        }
    }

    /// One page of the visible records matching `search`, in a stable order (by the searched item,
    /// then the table's row order; by key for key, ID and tag searches). Each query runs on an
    /// index (`SearchIndex`), so its cost follows the page, not the table.
    public func search(_ search: RecordSearch) throws -> SearchPage {
        let r = try resource(search.resource)
        let f = SearchIndex.fields(of: r)
        let items = f.items(search.field)
        let text = search.text.trimmingSpace()
        func refuse(_ rule: String, _ zh: String, _ en: String) -> ReplicaError {
            .invalid([ValidationIssue(field: "q", rule: rule, messageZh: zh, messageEn: en)])
        }
        guard !items.isEmpty else {
            throw refuse("search.field", "\(r.label)不能按“\(search.field.rawValue)”查询", "\(r.name) cannot be searched by \(search.field.rawValue)")
        }
        guard !text.isEmpty else { throw refuse("search.empty", "请输入要查询的内容", "enter what to search for") }
        guard text.count <= 200 else { throw refuse("search.too_long", "查询内容最长 200 个字", "the search text is at most 200 characters") }
        guard (1...RecordSearch.maxLimit).contains(search.limit), (0...RecordSearch.maxOffset).contains(search.offset) else {
            throw refuse("search.page", "页码超出范围", "the page is out of range")
        }
        let q = Database.quote
        // The leading part `prefix` of an item: a range on its index (BINARY order is UTF-8 byte
        // order, and U+10FFFF sorts after every character that can follow the prefix).
        func range(_ column: String) -> String { "(\(column) >= ? AND \(column) < ?)" }
        let upper = text + "\u{10FFFF}"
        var from = "\(q(r.name)) t"
        var condition: String
        var arguments: [SQLBindable?]
        var order: String
        var tagArguments: [SQLBindable?] = []
        switch search.field {
        case .key, .idNumber:
            // A whole number in any accepted spelling (15 digits, lowercase x) is looked up as stored.
            let normalized = r.field(items[0]).map { validator.normalize($0, .string(text)) }
            let exact = normalized.flatMap { $0.1.isEmpty ? $0.0.stringValue : nil }
            if let exact {
                condition = "(" + items.map { "t.\(q($0)) = ?" }.joined(separator: " OR ") + ")"
                arguments = items.map { _ in exact }
            } else {
                let prefix = r.field(items[0])?.check == .citizenID ? text.uppercased() : text
                condition = "(" + items.map { range("t.\(q($0))") }.joined(separator: " OR ") + ")"
                arguments = items.flatMap { _ in [prefix, prefix + "\u{10FFFF}"] as [SQLBindable?] }
            }
            order = "t.\(q(r.key))"
        case .name, .phone, .community:
            condition = "(" + items.map { range("t.\(q($0))") }.joined(separator: " OR ") + ")"
            arguments = items.flatMap { _ in [text, upper] as [SQLBindable?] }
            order = items.count == 1 ? "t.\(q(items[0])), t.rowid" : "t.\(q(r.key))"
        case .address:
            guard text.count >= RecordSearch.minAddressCharacters else {
                throw refuse("search.too_short", "按地址查询至少输入 \(RecordSearch.minAddressCharacters) 个字",
                             "an address search needs at least \(RecordSearch.minAddressCharacters) characters")
            }
            // The text as one FTS5 phrase; the rows are checked again against the table, so an
            // index entry a writer's REPLACE left behind never shows.
            let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let joined = f.addresses.map { "coalesce(t.\(q($0)), '')" }.joined(separator: " || char(10) || ")
            from = "\(q(SearchIndex.ftsTable(r))) s JOIN \(q(r.name)) t ON t.rowid = s.rowid"
            condition = "s.text MATCH ? AND instr(\(joined), ?) > 0"
            arguments = [phrase, text]
            order = "s.rowid"
        case .tag:
            // The tag index is in key order for one item; with several, distinct keys first (a
            // record holding the tag in two items is found once).
            if items.count == 1 {
                from = "_rs_search_tag s JOIN \(q(r.name)) t ON t.\(q(r.key)) = s.key"
                condition = "s.resource = ? AND s.field = ? AND s.tag = ?"
                arguments = [r.name, items[0], text]
            } else {
                let fieldsIn = items.map { _ in "?" }.joined(separator: ", ")
                from = "(SELECT DISTINCT key FROM _rs_search_tag WHERE resource = ? AND field IN (\(fieldsIn)) AND tag = ?) s "
                    + "JOIN \(q(r.name)) t ON t.\(q(r.key)) = s.key"
                tagArguments = [r.name] + items.map { $0 as SQLBindable? } + [text]
                condition = "1"
                arguments = []
            }
            order = "s.key"
        }
        let columns = r.fields.map { "t.\(q($0.name))" }.joined(separator: ", ")
        let sql = """
            SELECT \(columns), coalesce(rec.conflicts, '') FROM \(from)
            LEFT JOIN _rs_record rec ON rec.resource = ? AND rec.key = t.\(q(r.key))
            WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?
            """
        var records: [JSONObject] = []
        try db.forEach(sql, arguments: tagArguments + [r.name] + arguments + [search.limit + 1, search.offset]) { row in
            var o = JSONObject()
            for (i, item) in r.fields.enumerated() { o.append(item.name, Self.jsonValue(row.value(i), for: item)) }
            if !row.string(r.fields.count).isEmpty { o.append("_conflict", .bool(true)) }
            records.append(o)
        }
        let more = records.count > search.limit
        if more { records.removeLast() }
        return SearchPage(records: records, hasMore: more)
    }

    /// The tags in use in a tag item, in order, at most `limit` (the entry form's checkboxes).
    /// Each step is one seek on the tag index to the next tag, so the cost follows the number of
    /// distinct tags, not of tagged records.
    public func tagsInUse(_ resourceName: String, field: String, limit: Int = 200) throws -> [String] {
        try db.all("""
            WITH RECURSIVE next(tag) AS (
                SELECT min(tag) FROM _rs_search_tag WHERE resource = ?1 AND field = ?2
                UNION ALL
                SELECT (SELECT min(tag) FROM _rs_search_tag WHERE resource = ?1 AND field = ?2 AND tag > next.tag) FROM next
                WHERE next.tag IS NOT NULL)
            SELECT tag FROM next WHERE tag IS NOT NULL LIMIT ?3
            """, resourceName, field, limit) { $0.string(0) }
    }
}
