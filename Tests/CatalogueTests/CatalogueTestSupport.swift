import Foundation
import Testing
import JSON
import Standards
@testable import Catalogue

// MARK: - Small editors for JSON trees, used to build broken variants of the default catalogue.

extension JSONValue {
    /// Sets (or with nil removes) the member `key` of an object.
    mutating func set(_ key: String, _ value: JSONValue?) {
        guard case .object(var object) = self else {
            Issue.record("set(\(key)): not an object: \(text)")
            return
        }
        object[key] = value
        self = .object(object)
    }

    /// Edits the member `key` of an object in place.
    mutating func edit(_ key: String, _ body: (inout JSONValue) -> Void) {
        guard case .object(var object) = self, var member = object[key] else {
            Issue.record("edit(\(key)): no such member in \(text.prefix(120))")
            return
        }
        body(&member)
        object[key] = member
        self = .object(object)
    }

    /// Edits the array element at `index` in place.
    mutating func edit(at index: Int, _ body: (inout JSONValue) -> Void) {
        guard case .array(var array) = self, array.indices.contains(index) else {
            Issue.record("edit(at: \(index)): not an array or out of range")
            return
        }
        body(&array[index])
        self = .array(array)
    }

    /// Edits the element of an array of objects whose "name" is `name`.
    mutating func edit(named name: String, _ body: (inout JSONValue) -> Void) {
        guard case .array(let array) = self, let index = array.firstIndex(where: { $0["name"]?.stringValue == name }) else {
            Issue.record("edit(named: \(name)): no element with that name")
            return
        }
        edit(at: index, body)
    }

    /// Appends to an array.
    mutating func append(_ element: JSONValue) {
        guard case .array(var array) = self else {
            Issue.record("append: not an array")
            return
        }
        array.append(element)
        self = .array(array)
    }

    /// Removes the elements of an array that match.
    mutating func removeAll(where predicate: (JSONValue) -> Bool) {
        guard case .array(var array) = self else {
            Issue.record("removeAll: not an array")
            return
        }
        array.removeAll(where: predicate)
        self = .array(array)
    }

    /// The array's string elements (group field lists).
    var strings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }

    // Catalogue-shaped shortcuts.

    mutating func editResource(_ name: String, _ body: (inout JSONValue) -> Void) {
        edit("resources") { $0.edit(named: name, body) }
    }

    mutating func editField(_ resource: String, _ field: String, _ body: (inout JSONValue) -> Void) {
        editResource(resource) { $0.edit("fields") { $0.edit(named: field, body) } }
    }

    mutating func editGroup(_ resource: String, _ group: String, _ body: (inout JSONValue) -> Void) {
        editResource(resource) { $0.edit("groups") { $0.edit(named: group, body) } }
    }
}

extension JSONObject {
    init(_ literal: KeyValuePairs<String, JSONValue>) {
        self.init(literal.map { ($0.key, $0.value) })
    }
}

// MARK: - Fixtures

enum CatalogueFixtures {
    static let catalogue: Catalogue = {
        do { return try Catalogue.bundledDefault() } catch {
            fatalError("the default catalogue does not load: \(error)")
        }
    }()

    static var source: JSONValue { catalogue.source }

    static let today = CalendarDate(year: 2026, month: 6, day: 1)!

    static var validator: RecordValidator {
        RecordValidator(catalogue: catalogue, divisions: DivisionTable.bundled, today: today)
    }

    static func resource(_ name: String) -> Resource {
        guard let r = catalogue.resource(name) else { fatalError("no resource \(name)") }
        return r
    }

    /// A valid 18-digit ID number from its first 17 digits.
    static func id(_ first17: String) -> String {
        guard let check = CitizenID.checkCharacter(for: first17) else { fatalError("bad first17 \(first17)") }
        return first17 + String(check)
    }

    /// 东胜区, born 1990-01-01, sequence 123 (odd: male).
    static let maleID = id("15060219900101123")
    /// The same person's old 15-digit number.
    static let maleLegacyID = "150602900101123"
    /// 康巴什区, born 1985-12-31, sequence 246 (even: female).
    static let femaleID = id("15060319851231246")

    /// A valid credit code (enterprise, 东胜区) built with the GB 32100 / GB 11714 checks.
    static let uscc: String = {
        let body = "MA0N1234"
        let org = body + String(CreditCode.organizationCheckCharacter(for: body)!)
        let first17 = "91" + "150602" + org
        return first17 + String(CreditCode.checkCharacter(for: first17)!)
    }()

    static let community = "150602001001"
}

/// Parses a variant of the default catalogue and returns the problems it is refused with
/// (recording a test failure if it is accepted).
func problems(of json: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    do {
        _ = try Catalogue.parse(json, standardCodeSets: CodeSets.bundled)
        Issue.record("the catalogue was accepted", sourceLocation: sourceLocation)
        return []
    } catch let error as CatalogueError {
        return error.problems
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// The problems of the default catalogue after `mutate`.
func problemsAfter(sourceLocation: SourceLocation = #_sourceLocation,
                   _ mutate: (inout JSONValue) -> Void) -> [String] {
    var json = CatalogueFixtures.source
    mutate(&json)
    return problems(of: json, sourceLocation: sourceLocation)
}

/// Expects exactly one problem containing every fragment (one problem per mutation keeps
/// messages precise).
func expectOneProblem(_ problems: [String], mentioning fragments: [String],
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.count == 1, "expected exactly one problem, got \(problems)", sourceLocation: sourceLocation)
    expectProblem(problems, mentioning: fragments, sourceLocation: sourceLocation)
}

/// Expects some problem to contain every fragment.
func expectProblem(_ problems: [String], mentioning fragments: [String],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.contains { p in fragments.allSatisfy { p.contains($0) } },
            "no problem mentions \(fragments): \(problems)", sourceLocation: sourceLocation)
}

extension Array where Element == ValidationIssue {
    var rules: [String] { map(\.rule) }
    func has(field: String, rule: String) -> Bool { contains { $0.field == field && $0.rule == rule } }
}
