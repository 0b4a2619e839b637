import Foundation
import Testing
import JSON
import Standards
@testable import Catalogue

@Suite("Default catalogue")
struct DefaultCatalogueTests {
    let catalogue = CatalogueFixtures.catalogue

    @Test("loads with the five root resources")
    func loads() throws {
        let loaded = try Catalogue.bundledDefault()
        #expect(loaded.version == 1)
        #expect(loaded.source["format"]?.stringValue == Catalogue.format)
        #expect(loaded.resources.map(\.name) == ["person", "house", "enterprise", "place", "event"])
        #expect(loaded.localCodeSets.map(\.id) == ["20001", "20002", "20003", "20004", "20005"])
    }

    @Test("its source parses again to the same catalogue, from JSON and from bytes")
    func sourceRoundTrip() throws {
        let again = try Catalogue.parse(catalogue.source, standardCodeSets: CodeSets.bundled)
        #expect(again == catalogue)
        let fromBytes = try Catalogue.parse(data: Array(catalogue.source.text.utf8))
        #expect(fromBytes == catalogue)
    }

    @Test("every resource's key is a required field")
    func keysRequired() {
        for r in catalogue.resources {
            let key = r.field(r.key)
            #expect(key != nil, "\(r.name): key \(r.key) is not a field")
            #expect(key?.required == true, "\(r.name): key \(r.key) is not required")
        }
    }

    @Test("every resource's scope is a required division field, distinct from the key")
    func scopesAreDivisions() {
        for r in catalogue.resources {
            let scope = r.field(r.scope)
            #expect(scope?.check == .division, "\(r.name): scope \(r.scope) has no division check")
            #expect(scope?.required == true, "\(r.name): scope \(r.scope) is not required")
            #expect(r.scope != r.key)
        }
    }

    @Test("every field is in exactly one group, and groups name only fields")
    func fieldsInExactlyOneGroup() {
        for r in catalogue.resources {
            let fieldNames = Set(r.fields.map(\.name))
            #expect(fieldNames.count == r.fields.count, "\(r.name) repeats a field")
            for f in r.fields {
                let holders = r.groups.filter { $0.fields.contains(f.name) }.map(\.name)
                #expect(holders.count == 1, "\(r.name).\(f.name) is in groups \(holders)")
            }
            for g in r.groups {
                #expect(!g.fields.isEmpty)
                #expect(Set(g.fields).isSubset(of: fieldNames), "\(r.name).\(g.name) names unknown fields")
                // Tag groups hold tag fields only, value groups value fields only.
                for name in g.fields { #expect((r.field(name)?.kind == .tags) == g.isTagSet) }
                // Value groups have an authoritative level (一数一源); tag sets are open to all.
                if !g.isTagSet { #expect(g.authority != nil, "\(r.name).\(g.name) has no authority") }
            }
        }
    }

    @Test("person: groups and authorities as designed")
    func personGroups() throws {
        let person = try #require(catalogue.resource("person"))
        #expect(person.key == "id_number")
        #expect(person.scope == "community_code")
        #expect(person.share == .conditional)
        #expect(person.existenceAuthority == .community)
        #expect(person.groups.map(\.name) == ["identity", "household", "residence", "contact", "status", "tags"])

        let identity = try #require(person.group("identity"))
        #expect(identity.authority == .city)
        #expect(identity.fields == ["id_number", "name", "sex", "ethnicity", "birth_date"])
        #expect(!identity.isTagSet)

        let residence = try #require(person.group("residence"))
        #expect(residence.authority == .community)
        #expect(residence.fields.contains("community_code"))
        #expect(person.group(containing: "community_code")?.name == "residence")

        #expect(person.group("household")?.authority == .city)
        #expect(person.group("contact")?.authority == .community)
        #expect(person.group("status")?.authority == .community)

        let tags = try #require(person.group("tags"))
        #expect(tags.isTagSet)
        #expect(tags.authority == nil)
        #expect(tags.fields == ["tags"])
        #expect(person.field("tags")?.kind == .tags)
        #expect(person.field("tags")?.sqlType == "TEXT")

        #expect(person.rules == [.idAgrees(id: "id_number", sex: "sex", birthDate: "birth_date")])
    }

    @Test("person fields: formats, code sets and checks")
    func personFields() throws {
        let person = try #require(catalogue.resource("person"))
        let id = try #require(person.field("id_number"))
        #expect(id.format.description == "C18")
        #expect(id.check == .citizenID)
        #expect(person.field("sex")?.codeSet == "GB/T 2261.1")
        #expect(person.field("birth_date")?.format.type == .date)
        #expect(person.field("phone")?.check == .phone)
        #expect(person.field(nameOrLabel: "公民身份号码")?.name == "id_number")
        #expect(person.field(nameOrLabel: "sex")?.label == "性别")
    }

    @Test("other resources: keys, checks and numeric columns")
    func otherResources() throws {
        let house = try #require(catalogue.resource("house"))
        #expect(house.key == "house_code")
        #expect(house.field("owner_id_number")?.check == .citizenID)
        #expect(house.group("owner")?.authority == .district)
        #expect(house.field("area_m2")?.format.fractionDigits == 2)
        #expect(house.field("area_m2")?.sqlType == "NUMERIC")
        #expect(house.field("residents")?.sqlType == "INTEGER")
        #expect(house.field("use_type")?.sqlType == "TEXT")

        let enterprise = try #require(catalogue.resource("enterprise"))
        #expect(enterprise.key == "uscc")
        #expect(enterprise.field("uscc")?.check == .uscc)
        #expect(enterprise.existenceAuthority == .city)

        let event = try #require(catalogue.resource("event"))
        #expect(event.field("occurred_at")?.format.description == "D14")
        #expect(event.group("handling")?.authority == .street)
    }

    @Test("every code set a field names resolves, local and national")
    func codeSetsResolve() throws {
        for r in catalogue.resources {
            for f in r.fields {
                guard let id = f.codeSet else { continue }
                #expect(catalogue.codeSet(id) != nil, "\(r.name).\(f.name): code set \(id)")
            }
        }
        #expect(catalogue.codeSet("20001")?.code(forName: "自住") == "10")
        #expect(catalogue.codeSet("20001")?.title == "房屋用途")
        #expect(catalogue.codeSet("GB/T 2261.1")?.code(forName: "男性") == "1")
        #expect(catalogue.codeSet("GB/T 2261.1-2003") != nil)
        #expect(catalogue.codeSet("29999") == nil)
    }
}

@Suite("Bad catalogues are refused")
struct BadCatalogueTests {
    @Test("unknown format string")
    func unknownFormat() {
        let p = problemsAfter { $0.editField("person", "name") { $0.set("format", "X..50") } }
        expectProblem(p, mentioning: ["person.name", "X..50", "unknown type letter"])
        let q = problemsAfter { $0.editField("house", "area_m2") { $0.set("format", "N..2,5") } }
        expectProblem(q, mentioning: ["house.area_m2", "fraction digits"])
        let r = problemsAfter { $0.editField("event", "occurred_at") { $0.set("format", "D10") } }
        expectProblem(r, mentioning: ["event.occurred_at", "D8"])
    }

    @Test("missing format")
    func missingFormat() {
        let p = problemsAfter { $0.editField("person", "phone") { $0.set("format", nil) } }
        expectProblem(p, mentioning: ["person.phone", "format is required"])
    }

    @Test("unknown code set")
    func unknownCodeSet() {
        let p = problemsAfter { $0.editField("person", "sex") { $0.set("code_set", "GB/T 9999") } }
        expectOneProblem(p, mentioning: ["person.sex", "unknown code set GB/T 9999"])
        let q = problemsAfter { $0.editField("house", "use_type") { $0.set("code_set", "20099") } }
        expectOneProblem(q, mentioning: ["house.use_type", "unknown code set 20099"])
    }

    @Test("unknown check")
    func unknownCheck() {
        let p = problemsAfter { $0.editField("person", "phone") { $0.set("check", "mobile") } }
        expectOneProblem(p, mentioning: ["person.phone", "unknown check mobile"])
    }

    @Test("field in no group")
    func fieldInNoGroup() {
        let p = problemsAfter { json in
            json.editGroup("person", "identity") { $0.edit("fields") { $0.removeAll { $0 == "ethnicity" } } }
        }
        expectOneProblem(p, mentioning: ["resource person", "field ethnicity is in no group"])
        let q = problemsAfter { json in
            json.editResource("house") { $0.edit("fields") { $0.append(["name": "floor", "format": "I..3"]) } }
        }
        expectOneProblem(q, mentioning: ["resource house", "field floor is in no group"])
    }

    @Test("field in two groups")
    func fieldInTwoGroups() {
        let p = problemsAfter { $0.editGroup("person", "status") { $0.edit("fields") { $0.append("phone") } } }
        expectOneProblem(p, mentioning: ["resource person", "field phone is in groups contact and status"])
    }

    @Test("group naming an unknown field, empty group, duplicate group")
    func badGroups() {
        let p = problemsAfter { $0.editGroup("place", "contact") { $0.edit("fields") { $0.append("email") } } }
        expectOneProblem(p, mentioning: ["resource place", "group contact names unknown field email"])
        let q = problemsAfter { json in
            json.editResource("place") { $0.edit("groups") { $0.append(["name": "extra", "authority": "city", "fields": []]) } }
        }
        expectOneProblem(q, mentioning: ["resource place", "group extra has no fields"])
        let r = problemsAfter { json in
            json.editResource("event") { r in
                r.edit("groups") { groups in
                    groups.edit(named: "handling") { $0.set("name", "report") }
                }
            }
        }
        expectProblem(r, mentioning: ["resource event", "group report is defined twice"])
    }

    @Test("field defined twice")
    func duplicateField() {
        let p = problemsAfter { json in
            json.editResource("place") { $0.edit("fields") { $0.append(["name": "phone", "format": "C..20"]) } }
        }
        expectProblem(p, mentioning: ["resource place", "field phone is defined twice"])
    }

    @Test("tag field in a value group, value field in a tag group")
    func tagGroupMismatch() {
        let p = problemsAfter { $0.editField("person", "tags") { $0.set("kind", nil) } }
        expectOneProblem(p, mentioning: ["resource person", "tag fields go in tag groups only", "tags in tags"])
        let q = problemsAfter { json in
            json.editGroup("person", "contact") { $0.edit("fields") { $0.removeAll { $0 == "phone" } } }
            json.editGroup("person", "tags") { $0.edit("fields") { $0.append("phone") } }
            json.editResource("person") { $0.edit("groups") { $0.removeAll { $0["name"]?.stringValue == "contact" } } }
        }
        expectOneProblem(q, mentioning: ["resource person", "phone in tags"])
    }

    @Test("key not a field, key not required")
    func badKey() {
        let p = problemsAfter { $0.editResource("house") { $0.set("key", "house_id") } }
        expectOneProblem(p, mentioning: ["resource house", "key house_id is not one of its fields"])
        let q = problemsAfter { $0.editField("house", "house_code") { $0.set("required", false) } }
        expectOneProblem(q, mentioning: ["resource house", "key field house_code must be required"])
        let r = problemsAfter { $0.editResource("house") { $0.set("key", nil) } }
        expectOneProblem(r, mentioning: ["resource house", "is not one of its fields"])
    }

    @Test("scope without division check, scope not required, scope not a field")
    func badScope() {
        let p = problemsAfter { $0.editField("person", "community_code") { $0.set("check", nil) } }
        expectOneProblem(p, mentioning: ["resource person", "scope field community_code must be a required division code"])
        let q = problemsAfter { $0.editResource("place") { $0.set("scope", "name") } }
        expectOneProblem(q, mentioning: ["resource place", "scope field name must be a required division code"])
        let r = problemsAfter { $0.editField("place", "community_code") { $0.set("required", false) } }
        expectOneProblem(r, mentioning: ["resource place", "scope field community_code"])
        let s = problemsAfter { $0.editResource("place") { $0.set("scope", "street_code") } }
        expectOneProblem(s, mentioning: ["resource place", "scope street_code is not one of its fields"])
    }

    @Test("bad share type")
    func badShare() {
        let p = problemsAfter { $0.editResource("event") { $0.set("share", "共享") } }
        expectOneProblem(p, mentioning: ["resource event", "share must be one of", "无条件共享", "有条件共享", "不予共享"])
        let q = problemsAfter { $0.editResource("event") { $0.set("share", nil) } }
        expectOneProblem(q, mentioning: ["resource event", "share must be one of"])
    }

    @Test("duplicate resource")
    func duplicateResource() {
        let p = problemsAfter { json in
            let person = json["resources"]!.arrayValue![0]
            json.edit("resources") { $0.append(person) }
        }
        expectOneProblem(p, mentioning: ["resource person is defined twice"])
    }

    @Test("bad identifiers: uppercase, Chinese, leading digit, too long", arguments: [
        "Person", "人口", "1person", "person-x", String(repeating: "a", count: 49),
    ])
    func badResourceName(_ name: String) {
        let p = problemsAfter { $0.editResource("person") { $0.set("name", .string(name)) } }
        expectOneProblem(p, mentioning: ["resources[0]", "lowercase identifier"])
    }

    @Test("bad field and group identifiers")
    func badFieldIdentifiers() {
        let p = problemsAfter { $0.editField("house", "residents") { $0.set("name", "Residents") } }
        expectProblem(p, mentioning: ["resource house", "fields[7] needs a lowercase identifier name"])
        let q = problemsAfter { $0.editGroup("house", "use") { $0.set("name", "使用") } }
        expectProblem(q, mentioning: ["resource house", "groups[2] needs a lowercase identifier name"])
    }

    @Test("bad authority level", arguments: ["province", "village", "市级", "City"])
    func badAuthority(_ level: String) {
        let p = problemsAfter { $0.editGroup("person", "identity") { $0.set("authority", .string(level)) } }
        expectOneProblem(p, mentioning: ["person.identity", "authority must be city, district, street or community", level])
        let q = problemsAfter { $0.editResource("house") { $0.set("existence_authority", .string(level)) } }
        expectOneProblem(q, mentioning: ["house.existence_authority", level])
    }

    @Test("non-object root")
    func nonObjectRoot() {
        for root: JSONValue in [[], "catalogue", 1, nil, [CatalogueFixtures.source]] {
            expectOneProblem(problems(of: root), mentioning: ["the catalogue must be a JSON object"])
        }
    }

    @Test("invalid JSON text")
    func invalidJSON() {
        #expect(throws: CatalogueError.self) { try Catalogue.parse(data: Array("{\"format\": ".utf8)) }
        do {
            _ = try Catalogue.parse(data: Array("{\"format\": \"rootsync-catalogue/1\",}".utf8))
            Issue.record("accepted")
        } catch let e as CatalogueError {
            #expect(e.problems.count == 1)
            #expect(e.problems.first?.contains("invalid JSON") == true, "\(e.problems)")
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try Catalogue.parse(data: Array("[1, 2]".utf8))
            Issue.record("accepted")
        } catch let e as CatalogueError {
            #expect(e.problems == ["the catalogue must be a JSON object"])
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("wrong or missing format marker")
    func wrongFormatMarker() {
        let p = problemsAfter { $0.set("format", "rootsync-catalogue/2") }
        expectOneProblem(p, mentioning: ["format must be \"rootsync-catalogue/1\""])
        let q = problemsAfter { $0.set("format", nil) }
        expectOneProblem(q, mentioning: ["format must be"])
        let r = problemsAfter { $0.set("format", 1) }
        expectOneProblem(r, mentioning: ["format must be"])
    }

    @Test("bad version, missing or empty resources")
    func badTopLevel() {
        for v: JSONValue in [0, -1, "1", nil, .number("1.5")] {
            let p = problemsAfter { $0.set("version", v) }
            expectOneProblem(p, mentioning: ["version must be a positive integer"])
        }
        expectOneProblem(problemsAfter { $0.set("resources", []) }, mentioning: ["resources must be a non-empty array"])
        expectOneProblem(problemsAfter { $0.set("resources", nil) }, mentioning: ["resources must be a non-empty array"])
    }

    @Test("bad local code sets")
    func badLocalCodeSets() {
        let p = problemsAfter { $0.edit("code_sets") { $0.append(["id": "2001", "entries": [["1", "a"]]]) } }
        expectOneProblem(p, mentioning: ["code_sets[5]", "5-digit"])
        let q = problemsAfter { $0.edit("code_sets") { $0.append(["id": "20009", "entries": []]) } }
        expectOneProblem(q, mentioning: ["code set 20009 has no entries"])
        let r = problemsAfter { $0.edit("code_sets") { $0.append(["id": "20009", "entries": [["1", "a"], ["1", "b"]]]) } }
        expectOneProblem(r, mentioning: ["code set 20009 repeats a code"])
        let s = problemsAfter { $0.edit("code_sets") { $0.append(["id": "20009", "entries": [["1"], ["2", "b"]]]) } }
        expectOneProblem(s, mentioning: ["code set 20009", "[code, name]"])
    }

    @Test("a local code set id defined twice")
    func duplicateLocalCodeSet() {
        let p = problemsAfter { $0.edit("code_sets") { $0.append(["id": "20001", "title": "又一个", "entries": [["99", "其他"]]]) } }
        expectProblem(p, mentioning: ["20001"])
    }

    @Test("unknown or incomplete rule")
    func badRule() {
        let p = problemsAfter { $0.editResource("person") { $0.set("rules", [["rule": "id_agrees", "id": "passport"]]) } }
        expectOneProblem(p, mentioning: ["resource person", "unknown or incomplete rule"])
        let q = problemsAfter { $0.editResource("house") { $0.set("rules", [["rule": "area_positive"]]) } }
        expectOneProblem(q, mentioning: ["resource house", "unknown or incomplete rule"])
    }

    @Test("several problems are reported together")
    func severalProblems() {
        let p = problemsAfter { json in
            json.set("format", "rootsync-catalogue/0")
            json.editField("person", "sex") { $0.set("code_set", "GB/T 9999") }
            json.editGroup("person", "status") { $0.edit("fields") { $0.append("phone") } }
            json.editGroup("person", "household") { $0.set("authority", "province") }
            json.editResource("house") { $0.set("share", "随便") }
            json.editResource("enterprise") { $0.set("key", "credit_code") }
            json.editField("place", "community_code") { $0.set("check", nil) }
            json.editResource("event") { $0.set("name", "Event") }
        }
        #expect(p.count == 8, "\(p)")
        expectProblem(p, mentioning: ["format must be"])
        expectProblem(p, mentioning: ["unknown code set GB/T 9999"])
        expectProblem(p, mentioning: ["field phone is in groups contact and status"])
        expectProblem(p, mentioning: ["person.household", "not province"])
        expectProblem(p, mentioning: ["resource house", "share must be one of"])
        expectProblem(p, mentioning: ["key credit_code is not one of its fields"])
        expectProblem(p, mentioning: ["resource place", "scope field community_code"])
        expectProblem(p, mentioning: ["resources[4]", "lowercase identifier"])

        // The error's description lists every problem for the editor.
        var json = CatalogueFixtures.source
        json.set("format", "x")
        json.editResource("house") { $0.set("share", "随便") }
        do {
            _ = try Catalogue.parse(json, standardCodeSets: CodeSets.bundled)
            Issue.record("accepted")
        } catch let e as CatalogueError {
            #expect(e.description.hasPrefix("数据目录无效 / invalid catalogue:"))
            #expect(e.description.split(separator: "\n").count == 3)
        } catch { Issue.record("unexpected \(error)") }
    }
}
