import Causality
import JSON
import Testing
@testable import Sync

/// The push answer and the pull page: each survives its JSON, fields that later releases of
/// protocol 1 added are optional, and malformed answers are refused naming what is wrong.
@Suite("Push answers and pull pages")
struct PullPageTests {
    static let version = GroupVersion(resource: "person", key: "150603199001010012", group: "contact",
                                      dot: Dot(actor: Actor(node: "150603002001", epoch: 1), seq: 3),
                                      vector: VersionVector([Actor(node: "150603002001", epoch: 1): 3]), hlc: 1_000 << 16,
                                      values: JSONObject([("phone", "13900000000")]), scope: "150603002001")

    func message(_ json: JSONValue, _ parse: (JSONValue) throws -> Void) -> String? {
        do { try parse(json) } catch let e as WireError { return e.message } catch { return "\(error)" }
        return nil
    }

    @Test func roundTrips() throws {
        #expect(try PushOutcome(json: PushOutcome(applied: 7, skipped: 2).json) == PushOutcome(applied: 7, skipped: 2))
        let have = HaveVector([Actor(node: "150603002001", epoch: 1): 40, Actor(node: "150600", epoch: 2): 3],
                              fingerprints: [Actor(node: "150603002001", epoch: 1): .init(seq: 40, digest: "ab12")])
        let withHave = PushOutcome(applied: 7, skipped: 2, have: have)
        #expect(try PushOutcome(json: JSONParser.parse(withHave.json.text)) == withHave)
        #expect(try PushOutcome(json: ["applied": 1, "skipped": 0]).have == nil, "an earlier release's answer has no parent_have")
        var page = PullPage(versions: [Self.version], cursor: PullCursor(database: "D", mode: .route, position: 9, routeStart: 4), more: true, catalogue: 3)
        #expect(try PullPage(json: page.json) == page)
        page.more = false
        page.rewound = true
        page.received = RootPosition(database: "CITY", position: 120)
        #expect(try PullPage(json: JSONParser.parse(page.json.text)) == page)
        page.remaining = 1_999_000
        #expect(try PullPage(json: JSONParser.parse(page.json.text)) == page)
    }

    @Test func fieldsOfLaterReleasesAreOptional() throws {
        let old: JSONValue = ["versions": .array([]), "cursor": PullCursor(database: "D", mode: .scan, position: 0, routeStart: 0).json, "more": false]
        let page = try PullPage(json: old)
        #expect(page.catalogue == 0 && page.rewound == false && page.received == nil && page.remaining == nil)
    }

    @Test func malformedAnswersAreRefused() throws {
        #expect(message(["applied": 1]) { _ = try PushOutcome(json: $0) }?.contains("skipped") == true)
        #expect(message(["applied": .int(-1), "skipped": 0]) { _ = try PushOutcome(json: $0) }?.contains("applied") == true)
        #expect(message(["applied": "1", "skipped": 0]) { _ = try PushOutcome(json: $0) } != nil)
        #expect(message(["applied": 1, "skipped": 0, "parent_have": ["have": ["nobody": 3]]]) { _ = try PushOutcome(json: $0) }?.contains("parent_have") == true)
        #expect(message(["applied": 1, "skipped": 0, "parent_have": "all"]) { _ = try PushOutcome(json: $0) }?.contains("parent_have") == true)
        let good = PullPage(versions: [Self.version], cursor: PullCursor(database: "D", mode: .route, position: 9, routeStart: 4), more: false).json.objectValue!
        func page(_ change: (inout JSONObject) -> Void) -> String? {
            var o = good
            change(&o)
            return message(.object(o)) { _ = try PullPage(json: $0) }
        }
        #expect(page { $0["remaining"] = .int(-1) }?.contains("remaining") == true)
        #expect(page { $0["remaining"] = "many" }?.contains("remaining") == true)
        #expect(page { $0["more"] = nil }?.contains("more") == true, "no silent default for more")
        #expect(page { $0["more"] = "yes" }?.contains("more") == true)
        #expect(page { $0["cursor"] = nil }?.contains("cursor") == true)
        #expect(page { $0["cursor"] = ["mode": "scan"] }?.contains("cursor") == true)
        #expect(page { $0["versions"] = "all" } != nil)
        #expect(page { $0["catalogue"] = .int(-3) }?.contains("catalogue") == true)
        #expect(page { $0["rewound"] = "no" }?.contains("rewound") == true)
        #expect(page { $0["received"] = ["database": "X"] }?.contains("root position") == true)
        #expect(message(.array([])) { _ = try PullPage(json: $0) } != nil)
    }
}
