import Causality
import JSON
import Testing
@testable import Sync

/// The purge exchange's messages: each survives its JSON; malformed ones are refused with a
/// protocol error naming what is wrong; the stable position is the lowest of one root database.
@Suite("Purge exchange messages")
struct PurgeExchangeTests {
    static let notice = PurgeNotice(resource: "person", key: "150603199001010012", scope: "150603002001",
                                    covered: VersionVector([Actor(node: "150603002001", epoch: 1): 4, Actor(node: "150600", epoch: 2): 1]))

    func refusal(_ json: JSONValue, _ parse: (JSONValue) throws -> Void) -> String? {
        do { try parse(json) } catch let e as WireError { return e.message } catch { return "not a WireError: \(error)" }
        return nil
    }

    @Test func roundTrips() throws {
        let position = RootPosition(database: "DE1FD5E9-A547-44FC-8978-62F2174DFF3C", position: 4_812)
        #expect(try RootPosition(json: position.json) == position)
        #expect(try PurgeNotice(json: Self.notice.json) == Self.notice)
        let request = PurgeExchange(stable: position, cursor: PurgeExchange.Cursor(database: "abc", position: 7), limit: 50)
        #expect(try PurgeExchange(json: request.json) == request)
        let first = PurgeExchange(stable: nil, cursor: nil)
        #expect(try PurgeExchange(json: first.json) == first)
        let answer = PurgeExchange.Answer(notices: [Self.notice, Self.notice], cursor: PurgeExchange.Cursor(database: "abc", position: 9), more: true)
        #expect(try PurgeExchange.Answer(json: answer.json) == answer)
        // Over the wire as text too.
        #expect(try PurgeExchange.Answer(json: JSONParser.parse(answer.json.text)) == answer)
    }

    @Test func malformedMessagesAreRefusedNamingTheField() throws {
        func notice(_ change: (inout JSONObject) -> Void) -> String? {
            var o = Self.notice.json.objectValue!
            change(&o)
            return refusal(.object(o)) { _ = try PurgeNotice(json: $0) }
        }
        #expect(notice { $0["scope"] = "15060300200x" }?.contains("scope") == true)
        #expect(notice { $0["scope"] = .string(String(repeating: "1", count: 13)) }?.contains("scope") == true)
        #expect(notice { $0["key"] = "" }?.contains("key") == true)
        #expect(notice { $0["resource"] = .int(3) }?.contains("resource") == true)
        #expect(notice { $0["covered"] = .object(JSONObject()) }?.contains("covered") == true)
        #expect(notice { $0["covered"] = ["150600:1": "many"] }?.contains("covered") == true)
        #expect(notice { $0["covered"] = .null }?.contains("covered") == true)

        #expect(refusal(.array([])) { _ = try PurgeExchange(json: $0) } != nil)
        #expect(refusal(["stable": ["database": "x", "position": .int(-1)], "cursor": .null, "limit": 5]) { _ = try PurgeExchange(json: $0) }?
            .contains("root position") == true)
        #expect(refusal(["stable": .null, "cursor": ["database": "x"], "limit": 5]) { _ = try PurgeExchange(json: $0) }?
            .contains("cursor") == true)
        #expect(refusal(["stable": .null, "cursor": .null, "limit": 0]) { _ = try PurgeExchange(json: $0) }?.contains("limit") == true)
        // A huge limit is cut to the bound, not refused.
        #expect(try PurgeExchange(json: ["stable": .null, "cursor": .null, "limit": .int(Int64.max)]).limit == PurgeExchange.maxNotices)

        let good = PurgeExchange.Answer(notices: [Self.notice], cursor: PurgeExchange.Cursor(database: "a", position: 1), more: false).json.objectValue!
        func answer(_ change: (inout JSONObject) -> Void) -> String? {
            var o = good
            change(&o)
            return refusal(.object(o)) { _ = try PurgeExchange.Answer(json: $0) }
        }
        #expect(answer { $0["notices"] = "none" }?.contains("notices") == true)
        #expect(answer { $0["more"] = .null }?.contains("more") == true)
        #expect(answer { $0["cursor"] = nil }?.contains("cursor") == true)
        #expect(answer { $0["notices"] = .array([["resource": "person"]]) }?.contains("notices[0]") == true)
        #expect(answer { $0["notices"] = .array(Array(repeating: Self.notice.json, count: PurgeExchange.maxNotices + 1)) } != nil)
    }

    @Test func theStablePositionIsTheLowestOfOneRootDatabase() {
        let a = RootPosition(database: "A", position: 10), b = RootPosition(database: "A", position: 4)
        #expect(RootPosition.lowest([a, b]) == b)
        #expect(RootPosition.lowest([a]) == a)
        #expect(RootPosition.lowest([a, nil]) == nil, "a node that has not reported holds everything up")
        #expect(RootPosition.lowest([a, RootPosition(database: "B", position: 1)]) == nil, "positions of another root database count as nothing")
        #expect(RootPosition.lowest([]) == nil)
    }
}
