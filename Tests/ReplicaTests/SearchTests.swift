import Catalogue
import Foundation
import JSON
import SQLite
import Testing
@testable import Replica

/// Record search and its index (step 11): every kind of search, paging, direct writes kept in
/// step by the triggers, the migration on a replica that already holds records, catalogue changes.
@Suite("Search")
struct SearchTests {
    static let community = "150603002001"

    static func person(_ seq: Int, _ name: String, address: String? = nil, phone: String? = nil, tags: [String] = [],
                       community: String = community) -> JSONObject {
        var o = JSONObject([("id_number", .string(Fixture.id(seq: seq))), ("name", .string(name)), ("community_code", .string(community))])
        if let address { o.append("residence_address", .string(address)) }
        if let phone { o.append("phone", .string(phone)) }
        if !tags.isEmpty { o.append("tags", .array(tags.map { .string($0) })) }
        return o
    }

    static func filled(path: String? = nil) throws -> Replica {
        let r = try Fixture.replica(community, path: path)
        try r.put("person", person(1, "张三", address: "康巴什区幸福路12号", phone: "13800000001", tags: ["低保户"]))
        try r.put("person", person(2, "张三丰", address: "康巴什区青春山路3号", phone: "13800000002", tags: ["独居老人", "低保户"]))
        try r.put("person", person(3, "李张", address: "幸福路8号院", phone: "13900000003"))
        try r.put("person", person(4, "王五", phone: "0477-8581234"))
        return r
    }

    static func names(_ r: Replica, _ field: SearchField, _ text: String, offset: Int = 0, limit: Int = 20) throws -> [String] {
        try r.search(RecordSearch(resource: "person", field: field, text: text, offset: offset, limit: limit)).records.compactMap { $0["name"]?.stringValue }
    }

    @Test("by name (leading characters), key, address (any 3 characters), phone, tag and community")
    func everyKind() throws {
        let r = try Self.filled()
        #expect(try Self.names(r, .name, "张") == ["张三", "张三丰"])
        #expect(try Self.names(r, .name, "张三丰") == ["张三丰"])
        #expect(try Self.names(r, .name, "赵").isEmpty)
        // The key: whole (any accepted spelling) or its leading digits.
        let id = Fixture.id(seq: 2)
        #expect(try Self.names(r, .key, id) == ["张三丰"])
        #expect(try Self.names(r, .key, String(id.prefix(10))) == ["张三", "张三丰", "李张", "王五"])
        #expect(try Self.names(r, .address, "幸福路") == ["张三", "李张"])
        #expect(try Self.names(r, .address, "青春山路3号") == ["张三丰"])
        #expect(try Self.names(r, .phone, "138") == ["张三", "张三丰"])
        #expect(try Self.names(r, .phone, "0477") == ["王五"])
        #expect(try Self.names(r, .tag, "低保户") == ["张三", "张三丰"])
        #expect(try Self.names(r, .tag, "低保").isEmpty)
        #expect(try Self.names(r, .community, "150603002").count == 4)
        #expect(try Self.names(r, .community, "150603001").isEmpty)
        #expect(try r.tagsInUse("person", field: "tags") == ["低保户", "独居老人"])
        // Records come back whole, as get shows them.
        let found = try r.search(RecordSearch(resource: "person", field: .key, text: id)).records
        #expect(found == [try r.get("person", key: id)!])
        // What each resource offers follows from the catalogue.
        #expect(try r.searchFields("person").map(\.field) == [.key, .name, .address, .phone, .tag, .community])
        #expect(try r.searchFields("person").first { $0.field == .address }?.items.map(\.name) == ["household_address", "residence_address"])
        #expect(try r.searchFields("house").map(\.field) == [.key, .idNumber, .address, .tag, .community])
    }

    @Test("paging: a stable order, hasMore, and bounds; bad searches are refused naming the rule")
    func paging() throws {
        let r = try Self.filled()
        let first = try r.search(RecordSearch(resource: "person", field: .community, text: Self.community, offset: 0, limit: 3))
        #expect(first.records.count == 3 && first.hasMore)
        let second = try r.search(RecordSearch(resource: "person", field: .community, text: Self.community, offset: 3, limit: 3))
        #expect(second.records.count == 1 && !second.hasMore)
        #expect(Set((first.records + second.records).compactMap { $0["name"]?.stringValue }) == ["张三", "张三丰", "李张", "王五"])
        func rule(_ s: RecordSearch) -> String? {
            do { _ = try r.search(s); return nil } catch ReplicaError.invalid(let issues) { return issues.first?.rule } catch { return "\(error)" }
        }
        #expect(rule(RecordSearch(resource: "person", field: .address, text: "幸福")) == "search.too_short")
        #expect(rule(RecordSearch(resource: "person", field: .name, text: "  ")) == "search.empty")
        #expect(rule(RecordSearch(resource: "person", field: .idNumber, text: "1")) == "search.field")
        #expect(rule(RecordSearch(resource: "person", field: .name, text: "张", limit: 0)) == "search.page")
        #expect(rule(RecordSearch(resource: "person", field: .name, text: "张", offset: RecordSearch.maxOffset + 1)) == "search.page")
        #expect(throws: ReplicaError.unknownResource("nosuch")) { try r.search(RecordSearch(resource: "nosuch", field: .name, text: "x")) }
        // Quotes and FTS syntax in the text are only text.
        #expect(try Self.names(r, .address, "\"幸福 OR 路\"").isEmpty)
        #expect(try Self.names(r, .address, "12号 NEAR").isEmpty)
    }

    @Test("writes by other programs are indexed at once; a malformed tag column never makes such a write fail")
    func directWrites() throws {
        let r = try Self.filled()
        let id1 = Fixture.id(seq: 1)
        try r.db.run("UPDATE person SET residence_address = '东胜区交通街5号' WHERE id_number = ?", id1)
        #expect(try Self.names(r, .address, "交通街5") == ["张三"])
        #expect(try Self.names(r, .address, "幸福路") == ["李张"])
        try r.db.run("UPDATE person SET tags = '低保;独居' WHERE id_number = ?", id1)
        #expect(try Self.names(r, .tag, "低保户") == ["张三丰"])
        try r.db.run("UPDATE person SET tags = '[\"残疾人\"]' WHERE id_number = ?", id1)
        #expect(try Self.names(r, .tag, "残疾人") == ["张三"])
        // REPLACE (a new row id) and DELETE leave nothing behind that a search could show.
        try r.db.run("INSERT OR REPLACE INTO person(id_number, name, community_code, residence_address) VALUES(?, '张三', ?, '新华路1号')",
                     id1, Self.community)
        #expect(try Self.names(r, .address, "交通街5").isEmpty)
        #expect(try Self.names(r, .address, "新华路1") == ["张三"])
        #expect(try Self.names(r, .tag, "残疾人").isEmpty, "the replaced row's tags went with it")
        // A row with no address and no tags costs the index nothing (step 17's conditional triggers).
        let before = try r.db.scalarInt("SELECT count(*) FROM _rs_fts_person")
        try r.db.run("INSERT INTO person(id_number, name, community_code) VALUES(?, '王五', ?)", Fixture.id(seq: 40), Self.community)
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_fts_person") == before)
        try r.db.run("DELETE FROM person WHERE id_number = ?", id1)
        #expect(try Self.names(r, .address, "新华路1").isEmpty)
        #expect(try Self.names(r, .name, "张") == ["张三丰"])
        // rootsync's own deletes too.
        try r.delete("person", key: Fixture.id(seq: 2))
        #expect(try Self.names(r, .tag, "低保户").isEmpty && Self.names(r, .address, "青春山路").isEmpty)
    }

    @Test("step 11 on a replica that already holds records builds the index from them")
    func migrationBackfills() throws {
        let path = Fixture.tempDir().appendingPathComponent("community.sqlite").path
        do {
            let r = try Self.filled(path: path)
            // Back to a file of the release before step 11.
            for name in try r.db.all("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '_rs_search_%'", map: { $0.string(0) }) {
                try r.db.execute("DROP TRIGGER \(Database.quote(name))")
            }
            for name in try r.db.all("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '_rs_search_%'", map: { $0.string(0) }) {
                try r.db.execute("DROP INDEX \(Database.quote(name))")
            }
            try r.db.execute("DROP TABLE _rs_fts_person; DROP TABLE _rs_fts_house; DROP TABLE _rs_fts_enterprise; DROP TABLE _rs_fts_place; DROP TABLE _rs_fts_event; DROP TABLE _rs_search_tag")
            try r.db.run("DELETE FROM _rs_migration WHERE identifier = '11-search-index'")
        }
        let r = try Replica.open(path: path, divisions: Fixture.divisions)
        #expect(try ReplicaSchema.migrator.applied(r.db).last == "11-search-index")
        #expect(try Self.names(r, .address, "幸福路") == ["张三", "李张"])
        #expect(try Self.names(r, .tag, "低保户") == ["张三", "张三丰"])
        #expect(try r.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = '_rs_search_person_name'") == 1)
        // The name search runs on its index, the address search on the FTS table.
        let plan = try r.db.all("EXPLAIN QUERY PLAN SELECT * FROM person WHERE name >= '张' AND name < '张\u{10FFFF}' ORDER BY name, rowid") { $0.string(3) }
        #expect(plan.contains { $0.contains("_rs_search_person_name") }, "\(plan)")
        // Running the step again (a lost record of it) leaves the same index.
        try SearchIndex.migrate(r.db)
        #expect(try Self.names(r, .tag, "低保户") == ["张三", "张三丰"])
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_fts_person") == 3)
    }

    @Test("a catalogue version with a new address item and a second tag item rebuilds that resource's index")
    func catalogueChange() throws {
        let r = try Self.filled()
        let draft = try CatalogueDraft(json: JSONParser.parse("""
            {"title": "增加工作地址", "reason": "test", "changes": [{"op": "add_item", "resource": "person", "group": "residence",
              "item": {"name": "work_address", "label": "工作地址", "format": "C..200"}},
              {"op": "add_item", "resource": "person", "group": "tags", "item": {"name": "service_tags", "label": "服务标签", "format": "C..20", "kind": "tags"}}]}
            """))
        try r.install(catalogue: try draft.publish(on: r.catalogue, date: "2026-12-01"))
        try r.put("person", JSONObject([("id_number", .string(Fixture.id(seq: 3))), ("work_address", .string("鄂尔多斯大街99号"))]))
        #expect(try Self.names(r, .address, "大街99") == ["李张"])
        #expect(try Self.names(r, .address, "幸福路") == ["张三", "李张"])
        #expect(try r.searchFields("person").first { $0.field == .address }?.items.map(\.name)
                == ["household_address", "residence_address", "work_address"])
        // A tag search covers both tag items, and finds a record holding the tag in both once.
        try r.put("person", JSONObject([("id_number", .string(Fixture.id(seq: 4))), ("service_tags", .array(["低保户"]))]))
        try r.put("person", JSONObject([("id_number", .string(Fixture.id(seq: 1))), ("service_tags", .array(["低保户", "上门服务"]))]))
        #expect(try Self.names(r, .tag, "低保户") == ["张三", "张三丰", "王五"])
        #expect(try Self.names(r, .tag, "上门服务") == ["张三"])
        #expect(try r.tagsInUse("person", field: "service_tags") == ["上门服务", "低保户"])
    }
}
