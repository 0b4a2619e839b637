import Testing
import JSON
import Standards
@testable import Causality

@Suite("Causality: actors, vectors, clocks, version encoding")
struct CausalMetadataTests {
    // MARK: Actor

    @Test func actorRoundTrips() throws {
        let a = try #require(Actor("150603002001:3"))
        #expect(a.node == "150603002001")
        #expect(a.epoch == 3)
        #expect(a.description == "150603002001:3")
        #expect(Actor(a.description) == a)
        #expect(Actor(node: "150600", epoch: 12).description == "150600:12")
    }

    @Test(arguments: [
        "", ":", ":3", "150603", "150603:", "150603:0", "150603:-1", "150603:x", "150603:3x",
        "15060a:1", "abc:1", "1506 03:1", "150603 :1", "150603: 1", "1506:03:1", "150603:1.5",
        "１５０６０３:1", "150603:99999999999999999999",
    ])
    func malformedActorsAreRejected(_ text: String) {
        #expect(Actor(text) == nil, "\(text) should not parse")
    }

    @Test
    func actorTextIsCanonical() throws {
        for text in ["150603:+3", "150603:03", "150603:-1", "150603:", ":3", "1:1", "15060:1", "150603001x:1"] {
            #expect(Actor(text) == nil, "\(text) must be rejected")
        }
        // A second spelling of the same actor cannot lower an entry: it is refused outright.
        #expect(throws: CausalityError.self) {
            try VersionVector(json: JSONParser.parse(#"{"150603:3":5,"150603:03":2}"#))
        }
    }

    @Test func nodeLevelsFromCodeShape() {
        #expect(actor("150600:1").level == .city)
        #expect(actor("150603:1").level == .district)
        #expect(actor("150603002001:1").level == .community)
        #expect(actor("150603002:1").level == .street)
    }

    @Test func actorAndDotOrdering() {
        #expect(actor("150603:1") < actor("150603:2"))
        #expect(actor("150603:9") < actor("150604:1"))
        #expect(dot("150603:1", 2) < dot("150603:1", 10))
        #expect(dot("150603:1", 10) < dot("150603:2", 1))
        #expect(dot("150603002001:3", 7).description == "150603002001:3#7")
    }

    // MARK: VersionVector

    @Test func vectorCoversAndDominates() {
        let a = actor("150603002001:1"), b = actor("150603:1"), c = actor("150600:1")
        let v = VersionVector([a: 3, b: 1])
        #expect(v.covers(Dot(actor: a, seq: 1)))
        #expect(v.covers(Dot(actor: a, seq: 3)))
        #expect(!v.covers(Dot(actor: a, seq: 4)))
        #expect(!v.covers(Dot(actor: c, seq: 1)))
        #expect(v[c] == 0)

        #expect(v.dominates(v))
        #expect(v.dominates(VersionVector()))
        #expect(v.dominates(VersionVector([a: 2, b: 1])))
        #expect(!v.dominates(VersionVector([a: 4])))
        #expect(!v.dominates(VersionVector([c: 1])))
        let w = VersionVector([a: 1, c: 2])
        #expect(!v.dominates(w) && !w.dominates(v)) // concurrent
        #expect(VersionVector([a: 0]) == VersionVector()) // zero entries are dropped
    }

    @Test func vectorMergeIsPointwiseMaxAndCommutative() {
        let a = actor("150603002001:1"), b = actor("150603:1"), c = actor("150600:1")
        let v = VersionVector([a: 3, b: 1])
        let w = VersionVector([a: 1, b: 4, c: 2])
        let m = v.merging(w)
        #expect(m == VersionVector([a: 3, b: 4, c: 2]))
        #expect(m == w.merging(v))
        #expect(m.dominates(v) && m.dominates(w))
        #expect(m.merging(v) == m) // idempotent
        var x = v
        x.add(Dot(actor: a, seq: 2)) // never lowers
        #expect(x[a] == 3)
        x.add(Dot(actor: c, seq: 5))
        #expect(x[c] == 5)
    }

    @Test func vectorJSONRoundTripIsSortedAndStable() throws {
        let v = VersionVector([actor("150603002001:2"): 7, actor("150600:1"): 3, actor("150603:1"): 12])
        let text = v.json.text
        #expect(text == #"{"150600:1":3,"150603:1":12,"150603002001:2":7}"#)
        let back = try VersionVector(json: JSONParser.parse(text))
        #expect(back == v)
        #expect(back.json.text == text)
        #expect(try VersionVector(json: JSONParser.parse("{}")) == VersionVector())
    }

    @Test(arguments: [
        "null", "[]", "[1]", "3", #""150603:1""#, #"{"150603":1}"#, #"{"x:1":1}"#, #"{"150603:1":0}"#,
        #"{"150603:1":-2}"#, #"{"150603:1":"3"}"#, #"{"150603:1":1.5}"#, #"{"150603:1":null}"#,
        #"{"150603:1":99999999999999999999}"#, #"{"150603:1":{"a":1}}"#,
    ])
    func malformedVectorsAreRejected(_ text: String) throws {
        let json = try JSONParser.parse(text)
        #expect(throws: CausalityError.self) { try VersionVector(json: json) }
    }

    // MARK: HybridClock

    @Test func tickIsMonotonicWhenWallTimeGoesBackwards() {
        var clock = HybridClock()
        var previous: Int64 = 0
        for now: Int64 in [1_000, 1_000, 1_001, 900, 500, 1_001, 2_000, 1_999, 0] {
            let t = clock.tick(now: now)
            #expect(t > previous, "tick at \(now) went from \(previous) to \(t)")
            #expect(clock.last == t)
            previous = t
        }
        // Back near real time once the wall clock passes the last timestamp.
        let t = clock.tick(now: 5_000)
        #expect(HybridClock.milliseconds(of: t) == 5_000)
        #expect(t == HybridClock.timestamp(milliseconds: 5_000))
    }

    @Test func observeTakesTheRemoteMaximum() throws {
        var clock = HybridClock()
        let local = clock.tick(now: 1_000)
        let remote = HybridClock.timestamp(milliseconds: 3_000, logical: 7)
        try clock.observe(remote, now: 1_000)
        #expect(clock.last == remote)
        #expect(clock.tick(now: 1_000) > remote) // the next local event is after what we saw
        let before = clock.last
        try clock.observe(local, now: 1_000) // an older remote never moves us back
        #expect(clock.last == before)
    }

    @Test func remoteTooFarAheadIsRefused() throws {
        var clock = HybridClock(maxDriftMilliseconds: 60_000)
        _ = clock.tick(now: 1_000_000)
        let last = clock.last
        try clock.observe(HybridClock.timestamp(milliseconds: 1_060_000), now: 1_000_000) // exactly at the limit
        let tooFar = HybridClock.timestamp(milliseconds: 1_060_001)
        #expect(throws: CausalityError.clockTooFarAhead(remoteMilliseconds: 1_060_001, localMilliseconds: 1_000_000)) {
            try clock.observe(tooFar, now: 1_000_000)
        }
        #expect(clock.last == HybridClock.timestamp(milliseconds: 1_060_000))
        #expect(clock.last >= last)
    }

    // MARK: GroupVersion encoding

    private func sample() -> GroupVersion {
        version("150603002001:2", 5, group: "address", seen: [dot("150603:1", 3)], hlc: 123_456_789,
                values: values(("addr", "建设路 1 号"), ("community_code", "150603002001"), ("n", .number("85.50"))))
    }

    @Test func groupVersionJSONRoundTrip() throws {
        let v = sample()
        let text = v.json.text
        let back = try GroupVersion(json: JSONParser.parse(text))
        #expect(back == v)
        #expect(back.json.text == text)
        #expect(back.dot == dot("150603002001:2", 5))
        #expect(back.vector.covers(dot("150603:1", 3)))
    }

    private func mutated(_ edit: (inout JSONObject) -> Void) -> JSONValue {
        var o = sample().json.objectValue!
        edit(&o)
        return .object(o)
    }

    @Test(arguments: ["resource", "key", "group", "actor", "seq", "vv", "hlc", "scope", "values"])
    func groupVersionMissingFieldIsRejected(_ field: String) {
        let json = mutated { $0[field] = nil }
        #expect(throws: CausalityError.self) { try GroupVersion(json: json) }
    }

    @Test(arguments: [
        ("seq", JSONValue.int(0)), ("seq", .int(-1)), ("seq", .string("5")), ("seq", .number("5.0")),
        ("hlc", .int(-1)), ("actor", .string("nope")), ("actor", .string("")), ("resource", .string("")),
        ("vv", .array([])), ("values", .array([])), ("scope", .int(1)),
    ])
    func groupVersionBadFieldIsRejected(_ field: String, _ value: JSONValue) {
        let json = mutated { $0[field] = value }
        #expect(throws: CausalityError.self, "\(field) = \(value.text)") { try GroupVersion(json: json) }
    }

    @Test func groupVersionVectorMustIncludeOwnDot() {
        // The vector misses the writer entirely.
        let json1 = mutated { $0["vv"] = [ "150603:1": 3 ] }
        #expect(throws: CausalityError.self) { try GroupVersion(json: json1) }
        // The vector has the writer but below the version's own seq.
        let json2 = mutated { $0["vv"] = [ "150603002001:2": 4, "150603:1": 3 ] }
        #expect(throws: CausalityError.self) { try GroupVersion(json: json2) }
        // Same node, other epoch does not count.
        let json3 = mutated { $0["vv"] = [ "150603002001:1": 9 ] }
        #expect(throws: CausalityError.self) { try GroupVersion(json: json3) }
    }

    @Test
    func groupVersionVectorMustNotClaimOwnFutureWrites() {
        let json = mutated { $0["vv"] = [ "150603002001:2": 9, "150603:1": 3 ] }
        #expect(throws: CausalityError.self) { try GroupVersion(json: json) }
    }

    @Test func existenceFlags() {
        let del = version("150603:1", 1, group: GroupVersion.existence, values: values(("deleted", true)))
        let live = version("150603:1", 2, group: GroupVersion.existence, values: values(("deleted", false)))
        #expect(del.isExistence && del.isDelete)
        #expect(live.isExistence && !live.isDelete)
        #expect(!sample().isExistence && !sample().isDelete)
        #expect(!del.isCovered(by: del)) // a version never covers itself
        #expect(del.isCovered(by: live))
    }

    // MARK: TagElement encoding

    @Test func tagElementsRoundTripAndRejectMalformed() throws {
        let e = [TagElement(tag: "低保", dot: dot("150603002001:1", 4)), TagElement(tag: "残疾", dot: dot("150603:1", 2))]
        let json = TagElement.encode(e)
        #expect(try TagElement.decode(JSONParser.parse(json.text)) == e.sorted())
        #expect(try TagElement.decode(nil) == [])
        #expect(try TagElement.decode(.null) == [])
        for bad in [#""x""#, #"[["t","150603:1"]]"#, #"[["t","bad",1]]"#, #"[["t","150603:1",0]]"#, #"[[1,"150603:1",1]]"#] {
            let v = try JSONParser.parse(bad)
            #expect(throws: CausalityError.self, "\(bad)") { try TagElement.decode(v) }
        }
    }
}
