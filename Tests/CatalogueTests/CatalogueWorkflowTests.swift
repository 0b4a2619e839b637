import Foundation
import Testing
import JSON
import Standards
@testable import Catalogue

/// Drafts, the review chain, identifiers, metadata and what may change between versions.
@Suite("Catalogue workflow: metadata, identifiers, drafts, evolution")
struct CatalogueWorkflowTests {
    let base = CatalogueFixtures.catalogue

    func draft(_ changes: [JSONValue], title: String = "测试草案") throws -> CatalogueDraft {
        try CatalogueDraft(json: ["title": .string(title), "reason": "测试", "changes": .array(changes)])
    }

    func problems(_ body: () throws -> Void) -> [String] {
        do { try body(); return [] } catch let e as CatalogueError { return e.problems } catch { return ["\(error)"] }
    }

    static let wechat: JSONValue = ["op": "add_item", "resource": "person", "group": "contact",
                                    "item": ["name": "wechat", "label": "微信号", "format": "C..50"]]

    // MARK: Metadata and identifiers

    @Test("the default catalogue carries the standard's metadata and valid identifiers")
    func defaultMetadata() {
        let person = CatalogueFixtures.resource("person")
        #expect(person.meta.identifier == "101001/150600011517013000001")
        #expect(person.meta.category == "101001")
        #expect(person.meta.updateCycle == "实时")
        #expect(person.meta.shareCondition != nil)
        #expect(person.field("id_number")?.element == "010001")
        #expect(base.dataElements.contains { $0.code == "010001" && $0.name == "公民身份号码" })
        for r in base.resources {
            let id = try! #require(r.meta.identifier)
            #expect(ResourceIdentifier.problems(id, category: r.meta.category, providerCode: r.meta.providerCode, divisions: .bundled) == [])
        }
    }

    @Test("identifier rules: category, division, GB 11714 unit code, sequence, provider")
    func identifierRules() {
        let ok = "101001/150600011517013000001"
        #expect(ResourceIdentifier(ok)?.sequence == 1)
        #expect(ResourceIdentifier(ok)?.unit == "011517013")
        #expect(ResourceIdentifier.problems(ok, category: "101001", providerCode: "111506000115170130", divisions: .bundled) == [])
        func bad(_ text: String, _ fragment: String, category: String? = nil, provider: String? = nil) {
            let p = ResourceIdentifier.problems(text, category: category, providerCode: provider, divisions: .bundled)
            #expect(p.contains { $0.contains(fragment) }, "\(text): \(p)")
        }
        bad("101001-150600011517013000001", "must look like")
        bad("401001/150600011517013000001", "类")
        bad("101001/990000011517013000001", "not a GB/T 2260")
        bad("101001/150600011517014000001", "GB 11714")
        bad("101001/150600011517013000000", "顺序码")
        bad(ok, "category 102001", category: "102001")
        bad(ok, "provider's division and unit", provider: "111506000115170055")
    }

    @Test("metadata problems are each named: share condition, provider code, update cycle, format, management, date")
    func metadataProblems() {
        var json = CatalogueFixtures.source
        json.editResource("house") { r in
            r.edit("meta") { m in
                m.set("share_condition", nil)
                m.set("provider_code", "111506000115170131")
                m.set("update_cycle", "每小时")
                m.set("format", "纸质")
                m.set("management", "自动")
                m.set("published", "2026-13-01")
            }
        }
        let p = CatalogueTests.problems(of: json)
        for fragment in ["share_condition", "provider_code", "update_cycle", "meta.format", "meta.management", "meta.published"] {
            #expect(p.contains { $0.contains(fragment) }, "\(fragment) not in \(p)")
        }
        var other = CatalogueFixtures.source
        other.editResource("house") { r in r.edit("meta") { m in m.set("update_cycle", "其他") } }
        #expect(CatalogueTests.problems(of: other).contains { $0.contains("update_cycle_text") })
    }

    // MARK: Drafts

    @Test("a draft's shape is checked: title, ops, required members")
    func draftShape() {
        let p = problems { _ = try CatalogueDraft(json: ["title": "", "changes": [["op": "drop_table"], ["op": "add_code", "code_set": "20001"]], "x": 1]) }
        #expect(p.contains { $0.contains("title") })
        #expect(p.contains { $0.contains("drop_table") })
        #expect(p.contains { $0.contains("code is required") })
        #expect(p.contains { $0.contains("unknown member x") })
        #expect(problems { _ = try CatalogueDraft(json: ["title": "t", "changes": []]) }.contains { $0.contains("non-empty") })
    }

    @Test("adding a data item to an existing group gives the next version with the column")
    func addItem() throws {
        let next = try draft([Self.wechat]).check(against: base)
        #expect(next.version == base.version + 1)
        #expect(next.resource("person")?.field("wechat")?.label == "微信号")
        #expect(next.resource("person")?.group("contact")?.fields.last == "wechat")
        #expect(CatalogueEvolution.problems(from: base, to: next) == [])
    }

    @Test("adding a code, disabling a code; national code sets cannot be edited")
    func codes() throws {
        let next = try draft([["op": "add_code", "code_set": "20001", "code": "50", "name": "群租"],
                              ["op": "disable_code", "code_set": "20001", "code": "30"]]).check(against: base)
        #expect(next.codeSet("20001")?.contains(code: "50") == true)
        #expect(next.isDisabled(code: "30", in: "20001"))
        #expect(next.codeSet("20001")?.contains(code: "30") == true)
        let p = problems { _ = try draft([["op": "add_code", "code_set": "GB/T 2261.1", "code": "7", "name": "x"]]).check(against: base) }
        #expect(p.contains { $0.contains("national standard") })
        let dup = problems { _ = try draft([["op": "add_code", "code_set": "20001", "code": "10", "name": "x"]]).check(against: base) }
        #expect(dup.contains { $0.contains("already") })
    }

    @Test("a new resource is checked whole and gets its identifier only on publication")
    func newResource() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/examples/catalogue/add-service-points.json")
        let d = try CatalogueDraft(json: JSONParser.parse(bytes: Array(try Data(contentsOf: url))))
        let checked = try d.check(against: base)
        #expect(checked.resource("service_point")?.meta.identifier == nil)
        #expect(checked.resource("service_point")?.share == .unconditional)
        let published = try d.publish(on: base, date: "2026-11-22")
        // The provider already has 000001 (place) and 000002 (event): the next is 000003.
        #expect(published.resource("service_point")?.meta.identifier == "202001/150600011517005000003")
        #expect(published.resource("service_point")?.meta.published == "2026-11-22")
        #expect(published.resource("person")?.meta.published == "2026-11-22")
        // An identifier given in a draft is ignored: the city assigns it.
        var withID = d
        withID.changes = d.changes.map { c in
            var c = c
            c.edit("resource") { r in r.edit("meta") { m in m.set("identifier", "202001/150600011517005000009") } }
            return c
        }
        #expect(try withID.publish(on: base, date: "2026-11-22").resource("service_point")?.meta.identifier == "202001/150600011517005000003")
        // …but one that breaks the coding rules is refused, naming the rule.
        var badID = d
        badID.changes = d.changes.map { c in
            var c = c
            c.edit("resource") { r in r.edit("meta") { m in m.set("identifier", "202001/150600011517013000001") } }
            return c
        }
        #expect(problems { _ = try badID.check(against: base) }.contains { $0.contains("provider's division and unit") })
    }

    @Test("a new resource with bad metadata is refused with every problem")
    func newResourceRefused() {
        let p = problems {
            _ = try draft([["op": "add_resource", "resource": ["name": "x", "label": "X", "key": "k", "scope": "c", "share": "有条件共享",
                "meta": ["category": "901001", "provider": "p", "provider_code": "bad", "abstract": "a", "format": "数据库",
                         "share_method": "m", "update_cycle": "实时", "data_range": "r", "management": "计算机"],
                "fields": [["name": "k", "format": "C..10", "required": true], ["name": "c", "format": "C12", "check": "division", "required": true]],
                "groups": [["name": "g", "authority": "community", "fields": ["k", "c"]]]]]]).check(against: base)
        }
        #expect(p.contains { $0.contains("meta.category") })
        #expect(p.contains { $0.contains("provider_code") })
        #expect(p.contains { $0.contains("share_condition") })
    }

    // MARK: Evolution

    @Test("incompatible changes are refused with an explanation", arguments: [
        ("remove a data item", "cannot be removed"),
        ("change a type", "type cannot change"),
        ("change the key", "key cannot change"),
        ("new required item", "must be optional"),
        ("narrow a format", "may only widen"),
        ("remove a code", "disable it instead"),
        ("不予共享 to shared", "cannot become shared"),
        ("change an authority", "authoritative level"),
        ("same version", "must be greater"),
    ])
    func incompatible(_ change: String, _ fragment: String) throws {
        var json = base.source
        json.set("version", .int(base.version + 1))
        var from = base
        switch change {
        case "remove a data item":
            json.editResource("person") { r in
                r.edit("fields") { $0.removeAll { $0["name"]?.stringValue == "political_status" } }
                r.edit("groups") { g in g.edit(named: "status") { $0.edit("fields") { $0.removeAll { $0.stringValue == "political_status" } } } }
            }
        case "change a type": json.editField("person", "name") { $0.set("format", "N..10") }
        case "change the key":
            json.editResource("place") { $0.set("key", "name") }
            json.editField("place", "name") { $0.set("required", true) }
        case "new required item":
            json.editResource("person") { r in
                r.edit("fields") { $0.append(["name": "x", "format": "C..5", "required": true]) }
                r.edit("groups") { g in g.edit(named: "contact") { $0.edit("fields") { $0.append("x") } } }
            }
        case "narrow a format": json.editField("person", "name") { $0.set("format", "C..20") }
        case "remove a code": json.edit("code_sets") { s in s.edit(at: 0) { $0.edit("entries") { $0.removeAll { $0.arrayValue?.first?.stringValue == "30" } } } }
        case "不予共享 to shared":
            var old = base.source
            old.editResource("event") { $0.set("share", "不予共享") }
            from = try Catalogue.parse(old)
        case "change an authority": json.editGroup("person", "contact") { $0.set("authority", "city") }
        case "same version": json.set("version", .int(base.version))
        default: Issue.record("unknown case")
        }
        let next = try Catalogue.parse(json)
        let p = CatalogueEvolution.problems(from: from, to: next)
        #expect(p.contains { $0.contains(fragment) }, "\(change): \(p)")
    }

    // MARK: Review chain

    @Test("who reviews: the author's district for 科室 and 部门, the city for 主管部门 (and everything for city drafts)")
    func reviewers() {
        #expect(ReviewStep.section.reviewer(forAuthor: "150603002001") == "150603")
        #expect(ReviewStep.department.reviewer(forAuthor: "150603002") == "150603")
        #expect(ReviewStep.section.reviewer(forAuthor: "150603") == "150603")
        #expect(ReviewStep.authority.reviewer(forAuthor: "150603002001") == "150600")
        #expect(ReviewStep.section.reviewer(forAuthor: "150600") == "150600")
        #expect(ReviewStep.step(forRole: "科室审核员") == .section)
        #expect(ReviewStep.step(forRole: "authority_reviewer") == .authority)
        #expect(ReviewStep.step(forRole: "admin") == nil)
    }

    @Test("a draft's state follows from its events, in any order")
    func draftState() throws {
        let d = try draft([Self.wechat])
        func e(_ id: String, _ kind: WorkflowEvent.Kind, _ at: String, step: ReviewStep? = nil, ok: Bool? = nil) -> WorkflowEvent {
            WorkflowEvent(id: id, draft: "150603002001-1", author: "150603002001", node: "150603", operator: "x", at: at, kind: kind,
                          step: step, approved: ok, comment: ok == false ? "不同意" : nil, body: kind == .drafted ? d : nil, version: kind == .published ? 2 : nil)
        }
        let drafted = e("150603002001-1", .drafted, "2026-11-22T01:00:00Z")
        let s1 = e("150603-1", .reviewed, "2026-11-22T02:00:00Z", step: .section, ok: true)
        let s2 = e("150603-2", .reviewed, "2026-11-22T03:00:00Z", step: .department, ok: true)
        #expect(DraftState(id: "150603002001-1", events: [drafted]).nextStep == .section)
        let mid = DraftState(id: "150603002001-1", events: [s2, drafted, s1])
        #expect(mid.status == .pending && mid.nextStep == .authority && mid.reviewer == "150600")
        let rejected = DraftState(id: "150603002001-1", events: [drafted, e("150603-3", .reviewed, "2026-11-22T02:00:00Z", step: .section, ok: false)])
        #expect(rejected.status == .rejected && rejected.rejection?.comment == "不同意" && rejected.nextStep == nil)
        let done = DraftState(id: "150603002001-1", events: [drafted, s1, s2, e("150600-1", .published, "2026-11-22T04:00:00Z")])
        #expect(done.status == .published && done.publishedVersion == 2)
        // Events survive the wire.
        for ev in [drafted, s1] { #expect(try WorkflowEvent(json: JSONParser.parse(ev.json.text)) == ev) }
        #expect(throws: CatalogueError.self) { try WorkflowEvent(json: ["id": "1", "kind": "reviewed", "author": "150603002001", "node": "150603"]) }
    }
}
