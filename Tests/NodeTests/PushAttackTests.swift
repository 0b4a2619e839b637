import Causality
import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// Issue 11's push-level findings, each sent by an enrolled community to its street through the
/// real HTTP server on loopback: the push is refused whole, naming what it cannot verify, the
/// street's replica is unchanged, and later rounds of every honest node still work.
@Suite("Hostile pushes through the HTTP server", .serialized)
struct PushAttackTests {
    static let street = SecurityTests.street, community = SecurityTests.community, neighbour = SecurityTests.neighbour

    /// The street's agent serving on a loopback port, and a client holding the community's credential.
    final class Serving {
        let s: SecurityTests.Setup
        let http: HTTPServer
        let client: HTTPClient
        var street: Replica { s.tree[PushAttackTests.street] }
        var community: Replica { s.tree[PushAttackTests.community] }

        init() throws {
            s = try SecurityTests.Setup()
            let server = s.server
            http = HTTPServer(host: "127.0.0.1", port: 0, handler: { server.handle($0) })
            try http.start()
            client = try HTTPClient(baseURL: "http://127.0.0.1:\(http.port)")
        }

        deinit { http.stop(grace: 1) }

        func push(_ body: String, as node: String = PushAttackTests.community) throws -> HTTPResponse {
            try client.send(method: "POST", path: "/v1/sync/push",
                            headers: ["X-Rootsync-Node": node, "Authorization": "Bearer \(s.credential)",
                                      "Content-Type": "application/json"], body: Array(body.utf8))
        }

        func push(versions: [JSONValue], through: String = "{}") throws -> HTTPResponse {
            try push("{\"catalogue\":1,\"through\":\(through),\"versions\":\(JSONValue.array(versions).text)}")
        }

        /// Everything the street stores about records and counters, to compare before and after.
        func streetState() throws -> [String] {
            let versions = try VersionFile(street.db).rows().map { "v \($0.actor)#\($0.seq) \($0.resource) \($0.key) \($0.values)" }
            return try (versions + street.db.all("""
                SELECT 'h ' || a.name || ' ' || h.seq FROM _rs_have h JOIN _rs_actor a ON a.id = h.actor
                UNION ALL SELECT 'r ' || child || ' ' || version FROM _rs_route
                UNION ALL SELECT 'p ' || id_number || ' ' || coalesce(name, '') || ' ' || coalesce(community_code, '') FROM person
                """) { $0.string(0) }).sorted()
        }

        /// A real round of the honest community, and of the honest neighbour, in process.
        func honestRounds() throws {
            try s.tree.sync(PushAttackTests.community)
            try s.tree.sync(PushAttackTests.neighbour)
            try s.tree.sync(PushAttackTests.street)
        }
    }

    /// A version as the community would write it, for the attacker to edit.
    static func version(_ resource: String = "person", key: String, group: String, seq: Int64,
                        vv: [(String, Int64)] = [], values: JSONObject, scope: String = community,
                        actor: String = community + ":1") -> JSONValue {
        var vector = JSONObject([(actor, .int(seq))])
        for (a, n) in vv { vector[a] = .int(n) }
        return ["resource": .string(resource), "key": .string(key), "group": .string(group), "actor": .string(actor),
                "seq": .int(seq), "vv": .object(vector), "hlc": .int(HybridClock.timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))),
                "scope": .string(scope), "values": .object(values)]
    }

    static func residence(_ community: String) -> JSONObject {
        JSONObject([("residence_address", "康巴什区青春山街道1号"), ("community_code", .string(community))])
    }

    static func refused(_ r: HTTPResponse, _ status: Int, mentioning text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.status) \(r.bodyText ?? "")", sourceLocation: sourceLocation)
        #expect(r.isJSON && r.bodyText?.contains("message_en") == true, sourceLocation: sourceLocation)
        if let text { #expect(r.bodyText?.contains(text) == true, "\(r.bodyText ?? "")", sourceLocation: sourceLocation) }
    }

    @Test("finding 1: a `through` range ending at or near 2^63−1 is refused; status keeps working")
    func overflowingThrough() throws {
        let t = try Serving()
        let before = try t.streetState()
        for top in ["9223372036854775807", "9223372036854775806", "9007199254740992", "-1"] {
            let r = try t.push("{\"catalogue\":1,\"through\":{\"\(Self.community):9\":[0,\(top)]},\"versions\":[]}")
            Self.refused(r, 400, mentioning: "through")
        }
        // A range inside the bounds, for an epoch never confirmed here: refused too.
        Self.refused(try t.push("{\"catalogue\":1,\"through\":{\"\(Self.community):9\":[0,5]},\"versions\":[]}"), 403, mentioning: "epoch 9")
        #expect(try t.streetState() == before)
        let status = try t.client.send(path: "/v1/status")
        #expect(status.status == 200, "\(status.bodyText ?? "")")
        _ = try StatusReport.make(t.street)
        try t.honestRounds()
    }

    @Test("finding 2: the scope comes from the record's data; a sibling's record can be neither created, moved, changed nor deleted")
    func scopeThatLies() throws {
        let t = try Serving()
        // The neighbour's resident, known to the street.
        let victim = Tree.id(50)
        try t.s.tree[Self.neighbour].put("person", JSONObject([("id_number", .string(victim)), ("name", "王五"), ("community_code", .string(Self.neighbour))]))
        try t.honestRounds()
        let before = try t.streetState()
        let routesBefore = try t.street.routesPending(child: Self.neighbour)
        let intruder = Tree.id(51)
        let attacks: [(String, JSONValue, Int, String)] = [
            // A new record in the sibling's community, scope claimed as our own.
            ("create", Self.version(key: intruder, group: "residence", seq: 100, values: Self.residence(Self.neighbour)), 403, "scope claim"),
            // The same with an honest claim: outside the subtree.
            ("create honestly", Self.version(key: intruder, group: "residence", seq: 100, values: Self.residence(Self.neighbour), scope: Self.neighbour), 403, "outside"),
            // Moving the neighbour's resident into our community.
            ("move in", Self.version(key: victim, group: "residence", seq: 100, values: Self.residence(Self.community)), 403, Self.neighbour),
            // Overwriting the neighbour's resident's phone, scope claimed as ours.
            ("overwrite", Self.version(key: victim, group: "contact", seq: 100, values: JSONObject([("phone", "13800000000")])), 403, Self.neighbour),
            // Deleting it.
            ("tombstone", Self.version(key: victim, group: "_exists", seq: 100, values: JSONObject([("deleted", true)])), 403, Self.neighbour),
        ]
        for (name, v, status, text) in attacks {
            let r = try t.push(versions: [v])
            Self.refused(r, status, mentioning: text)
            // The answer names the version, so an honest child can set it aside and go on.
            let refused = (try? JSONParser.parse(bytes: r.body))?["refused"]
            #expect(refused?["actor"]?.stringValue == Self.community + ":1" && refused?["seq"]?.int64Value == 100, "\(name): \(r.bodyText ?? "")")
            #expect(try t.streetState() == before, "\(name) changed the street")
        }
        #expect(try t.street.routesPending(child: Self.neighbour) == routesBefore)
        #expect(try t.street.get("person", key: victim)?["community_code"]?.stringValue == Self.neighbour)
        try t.honestRounds()
        #expect(try t.s.tree[Self.neighbour].get("person", key: victim)?["name"] == "王五")
    }

    @Test("a move the child has not received yet: its concurrent edit is taken, not wedged; once it confirmed the move, it is refused")
    func concurrentMove() throws {
        let t = try Serving()
        let key = Tree.id(55)
        try t.community.put("person", JSONObject([("id_number", .string(key)), ("name", "孙八"), ("community_code", .string(Self.community))]))
        try t.honestRounds()
        // The street moves the resident to the neighbour while the community, offline, changes the phone.
        try t.street.put("person", JSONObject([("id_number", .string(key)), ("community_code", .string(Self.neighbour))]))
        try t.community.put("person", JSONObject([("id_number", .string(key)), ("phone", "13900000001")]))
        let report = try t.s.tree.sync(Self.community)
        #expect(report.pushed > 0)
        #expect(try t.street.get("person", key: key)?["phone"] == "13900000001")
        try t.honestRounds()
        try t.honestRounds()
        #expect(try t.s.tree[Self.neighbour].get("person", key: key)?["phone"] == "13900000001")
        #expect(try t.community.get("person", key: key) == nil)
        // Now the community holds the move: a further edit is not its to make.
        let late = Self.version(key: key, group: "contact", seq: 900, values: JSONObject([("phone", "13900000002")]))
        Self.refused(try t.push(versions: [late]), 403, mentioning: Self.neighbour)
    }

    @Test("two communities enter the same resident offline: the second one's versions are set aside, its other writes still go up")
    func concurrentCreationDoesNotWedge() throws {
        let t = try Serving()
        let both = Tree.id(57), other = Tree.id(58)
        let neighbour = t.s.tree[Self.neighbour]
        try t.community.put("person", JSONObject([("id_number", .string(both)), ("name", "周九"), ("community_code", .string(Self.community))]))
        try neighbour.put("person", JSONObject([("id_number", .string(both)), ("name", "周九"), ("community_code", .string(Self.neighbour))]))
        try neighbour.put("person", JSONObject([("id_number", .string(other)), ("name", "吴十"), ("community_code", .string(Self.neighbour))]))
        try t.s.tree.sync(Self.community)
        let report = try t.s.tree.sync(Self.neighbour)
        #expect(report.setAside > 0)
        #expect(try t.street.get("person", key: other)?["name"] == "吴十", "the neighbour's other resident reached the street")
        #expect(try t.street.get("person", key: both)?["community_code"]?.stringValue == Self.community)
        // Kept at the neighbour, listed, never sent again: the next rounds are clean.
        #expect(try neighbour.get("person", key: both) != nil)
        #expect(try neighbour.setAsideVersions().count == report.setAside)
        #expect(try StatusReport.make(neighbour)["versions_set_aside"]?.int64Value == Int64(report.setAside))
        #expect(try neighbour.diagnose(repair: false).contains { $0.kind == .setAside })
        #expect(try t.s.tree.sync(Self.neighbour).setAside == 0)
        try neighbour.put("person", JSONObject([("id_number", .string(other)), ("phone", "13500000005")]))
        try t.s.tree.sync(Self.neighbour)
        #expect(try t.street.get("person", key: other)?["phone"] == "13500000005")
    }

    @Test("finding 3: a vector naming counters the parent never issued or held is refused, and nothing wedges")
    func poisonedVector() throws {
        let t = try Serving()
        let key = Tree.id(60)
        try t.community.put("person", JSONObject([("id_number", .string(key)), ("name", "赵六"), ("community_code", .string(Self.community))]))
        try t.honestRounds()
        let before = try t.streetState()
        // Counters the street issues or its subtree writes: a forgery, 403. Counters that reach
        // the child only through the street (ancestors, other branches): 409, "not yet" — a street
        // restored from a backup lacks them honestly until it pulls again; refused all the same.
        let poisons: [(String, Int64, Int, String)] = [
            (Self.street + ":1", 999_999, 403, "cannot be verified"),   // the street's own actor, beyond what it issued
            ("150603:1", 5, 409, "cannot be taken yet"),               // an ancestor, never sent down
            ("150603002002:1", 7, 409, "cannot be taken yet"),         // a sibling, never held
            (Self.street + ":3", 1, 403, "cannot be verified"),        // the street's own future epoch
            ("150600:1", 2, 409, "cannot be taken yet"),               // the city, never sent down
        ]
        for (actor, seq, status, text) in poisons {
            let v = Self.version(key: key, group: "contact", seq: 500, vv: [(actor, seq)], values: JSONObject([("phone", "13800000001")]))
            let r = try t.push(versions: [v])
            Self.refused(r, status, mentioning: text)
            #expect(try t.streetState() == before, "\(actor)#\(seq) changed the street")
        }
        // A tag element naming a counter never issued is refused the same way.
        let tags = JSONObject([("tags", [["独居老人", .string(Self.street + ":1"), 424_242]])])
        Self.refused(try t.push(versions: [Self.version(key: key, group: "tags", seq: 500, values: tags)]), 403, mentioning: "cannot be verified")
        // The street writes the record, and every link keeps syncing.
        try t.street.put("person", JSONObject([("id_number", .string(key)), ("phone", "13800000002")]))
        try t.honestRounds()
        try t.s.tree.sync(Self.street)
        #expect(try t.community.get("person", key: key)?["phone"] == "13800000002")
    }

    @Test("finding 6: received keys, required fields and control characters pass the same validation as local data")
    func dataThatCouldNeverPass() throws {
        let t = try Serving()
        let before = try t.streetState()
        let good = Tree.id(70)
        let badKeys = ["../../../etc/passwd", "abc", good + "\n", "1506\u{0}", good.lowercased() + " "]
        for key in badKeys {
            let r = try t.push(versions: [Self.version(key: key, group: "residence", seq: 100, values: Self.residence(Self.community))])
            Self.refused(r, 422, mentioning: "key")
        }
        let nul = Self.version(key: good, group: "identity", seq: 100,
                               values: JSONObject([("id_number", .string(good)), ("name", "张\u{0}三"), ("sex", .null), ("ethnicity", .null), ("birth_date", .null)]))
        Self.refused(try t.push(versions: [nul]), 422, mentioning: "control character")
        // Another record's key inside the identity group.
        let other = Self.version(key: good, group: "identity", seq: 100,
                                 values: JSONObject([("id_number", .string(Tree.id(71))), ("name", "张三"), ("sex", .null), ("ethnicity", .null), ("birth_date", .null)]))
        Self.refused(try t.push(versions: [other]), 422, mentioning: "differs")
        #expect(try t.streetState() == before)
        // An existence-only record is kept as versions, but never gets a row without its required fields.
        let bare = Self.version(key: good, group: "_exists", seq: 100, values: JSONObject([("deleted", false)]))
        let r = try t.push(versions: [bare])
        #expect(r.status == 200, "\(r.bodyText ?? "")")
        #expect(try t.street.db.scalarInt("SELECT count(*) FROM person WHERE id_number = ?", good) == 0)
        #expect(try t.street.get("person", key: good) == nil)
        // Local writes refuse control characters too.
        #expect(throws: ReplicaError.self) {
            try t.community.put("person", JSONObject([("id_number", .string(Tree.id(72))), ("name", "李\u{7}四"), ("community_code", .string(Self.community))]))
        }
    }

    @Test("finding 8: a forged later epoch of the child's own code is refused; a forged next epoch does not wedge the real child")
    func forgedEpoch() throws {
        let t = try Serving()
        let key = Tree.id(80)
        try t.community.put("person", JSONObject([("id_number", .string(key)), ("name", "钱七"), ("community_code", .string(Self.community))]))
        try t.honestRounds()
        let before = try t.streetState()
        let forged = Self.version(key: key, group: "contact", seq: 15, values: JSONObject([("phone", "13800000003")]), actor: Self.community + ":8")
        Self.refused(try t.push(versions: [forged]), 403, mentioning: "epoch 8")
        #expect(try t.streetState() == before)
        // Epoch 2 is the one a restored community would take, so the street takes it; the real
        // community, still at epoch 1 with a write not yet pushed, moves above it and loses nothing.
        try t.community.put("person", JSONObject([("id_number", .string(key)), ("name", "钱七七")]))
        let next = Self.version(key: key, group: "contact", seq: 15, vv: [(Self.community + ":1", 3)],
                                values: JSONObject([("phone", "13800000004")]), actor: Self.community + ":2")
        #expect(try t.push(versions: [next], through: "{\"\(Self.community):2\":[0,15]}").status == 200)
        try t.honestRounds()
        #expect(try t.community.currentActor().epoch > 2)
        #expect(try t.street.get("person", key: key)?["name"] == "钱七七")
        try t.honestRounds()
    }
}
