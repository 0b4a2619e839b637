#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Standards
import Testing
import TestSupport

// Codes used throughout (NBS 2023 street codes; the 12-digit community codes are illustrative).
let city = "150600"            // 鄂尔多斯市
let dongsheng = "150602"       // 东胜区
let kangbashi = "150603"       // 康巴什区
let jiaotong = "150602001"     // 交通街道 (东胜区)
let qingchunshan = "150603002" // 青春山街道 (康巴什区)
let jiaotong1 = "150602001001"
let zhujiang = "150603002001"  // community A under 青春山街道
let shenhua = "150603002002"   // community B under 青春山街道

/// Real agents as separate processes on loopback. Serialized: each test runs 4–7 agents and the
/// machine has two cores; timing-sensitive steps (the SIGKILL mid-transfer) need them.
@Suite("Integration: real agents over HTTP", .serialized)
struct IntegrationSuite {
    /// city → district → street → community A, and community B beside A.
    static func streetWithTwoCommunities() throws -> Hierarchy {
        try Hierarchy([(city, nil), (kangbashi, city), (qingchunshan, kangbashi), (zhujiang, qingchunshan), (shenhua, qingchunshan)])
    }

    @Test("4-level chain: a community's record reaches the city, the city's edit reaches the community")
    func chain() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.startAll()
        let id = CitizenID.complete("15060319800101001")!
        try h.put(zhujiang, "person", person(id, name: "张三", community: zhujiang, phone: "13800000001"))

        let atCity = try h.waitFor(city, "person", id)
        #expect(atCity?["name"]?.stringValue == "张三", "the record did not reach the city\n\(h.logs())")
        #expect(atCity?["phone"]?.stringValue == "13800000001")
        #expect(atCity?["community_code"]?.stringValue == zhujiang)
        for node in [kangbashi, qingchunshan] {
            #expect(try h.get(node, "person", id)?["name"]?.stringValue == "张三", "missing at \(node)")
        }

        try h.put(city, "person", person(id, name: "张叁"))
        let back = try h.waitFor(zhujiang, "person", id) { $0["name"]?.stringValue == "张叁" }
        #expect(back != nil, "the city's edit did not reach the community\n\(h.logs())")
        #expect(back?["phone"]?.stringValue == "13800000001", "fields outside the edited group must stay")
        for node in [kangbashi, qingchunshan] {
            #expect(try h.waitFor(node, "person", id) { $0["name"]?.stringValue == "张叁" } != nil, "edit missing at \(node)")
        }
        for node in h.codes { #expect(try h.conflicts(node).isEmpty, "unexpected conflict at \(node)") }
    }

    @Test("Branching tree: the city's authoritative data reaches the resident's community and no other")
    func branching() throws {
        let h = try Hierarchy([(city, nil), (dongsheng, city), (kangbashi, city), (jiaotong, dongsheng), (qingchunshan, kangbashi),
                               (jiaotong1, jiaotong), (zhujiang, qingchunshan), (shenhua, qingchunshan)])
        defer { h.shutdown() }
        try h.startAll()
        let id = CitizenID.complete("15060319850505002")!
        try h.put(zhujiang, "person", person(id, name: "李四", community: zhujiang, phone: "13900000002"))
        #expect(try h.waitFor(city, "person", id) != nil, "the record did not reach the city\n\(h.logs())")

        try h.put(city, "person", person(id, extra: [("ethnicity", "02"), ("household_address", "鄂尔多斯市康巴什区青春山街道")]))
        let atHome = try h.waitFor(zhujiang, "person", id) { $0["ethnicity"]?.stringValue == "02" }
        #expect(atHome?["household_address"]?.stringValue == "鄂尔多斯市康巴什区青春山街道", "city data did not reach the community\n\(h.logs())")
        #expect(atHome?["name"]?.stringValue == "李四")

        // Give every other branch a complete round (streets first, then their communities).
        for node in [jiaotong, qingchunshan, dongsheng, jiaotong1, shenhua] {
            let r = try h.sync(node)
            #expect(r.code == 0, "sync at \(node) failed: \(r.err)")
        }
        for node in [shenhua, jiaotong1, jiaotong, dongsheng] {
            #expect(try h.getExitCode(node, "person", id) == 3, "\(node) must not hold a resident of \(zhujiang)")
            #expect(try h.versionCount(node, resource: "person", key: id) == 0, "\(node) holds versions of \(id)")
        }
        for node in [qingchunshan, kangbashi] {
            #expect(try h.get(node, "person", id)?["ethnicity"]?.stringValue == "02", "\(node) lacks the city's data")
        }
    }

    @Test("Offline street: writes above and below it while it is down converge after it restarts")
    func offlineChild() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.startAll()
        let p0 = CitizenID.complete("15060319700303003")!, p1 = CitizenID.complete("15060319910909004")!
        try h.put(zhujiang, "person", person(p0, name: "王五", community: zhujiang))
        #expect(try h.waitFor(city, "person", p0) != nil, "\(h.logs())")

        h.stop(qingchunshan, signal: SIGTERM)
        #expect(!h.isRunning(qingchunshan))
        #expect(h.logs([qingchunshan]).contains("stopped"), "serve did not stop cleanly on SIGTERM\n\(h.logs([qingchunshan]))")

        try h.put(zhujiang, "person", person(p1, name: "赵六", community: zhujiang, phone: "13700000004"))
        try h.put(city, "person", person(p0, name: "王伍", extra: [("household_address", "康巴什区")]))
        let failed = try h.sync(zhujiang)
        #expect(failed.code != 0, "sync must fail while the street is down")
        #expect(failed.err.contains("cannot reach the parent") && failed.err.contains("无法连接上级"),
                "the failure must say why: \(failed.err)")

        try h.start([qingchunshan])
        let up = try h.waitFor(city, "person", p1, timeout: 40)
        #expect(up?["phone"]?.stringValue == "13700000004", "the community's offline write did not reach the city\n\(h.logs())")
        let down = try h.waitFor(zhujiang, "person", p0, timeout: 40) { $0["name"]?.stringValue == "王伍" }
        #expect(down?["household_address"]?.stringValue == "康巴什区", "the city's write did not reach the community\n\(h.logs())")
        for node in h.codes {
            #expect(try h.waitFor(node, "person", p0) { $0["name"]?.stringValue == "王伍" } != nil, "\(node) did not converge on \(p0)")
            #expect(try h.waitFor(node, "person", p1) != nil, "\(node) lacks \(p1)")
        }
    }

    @Test("Concurrent edits: the city's identity value wins everywhere and every node lists one conflict")
    func concurrentEdits() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.startAll()
        let id = CitizenID.complete("15060319800101001")!
        try h.put(zhujiang, "person", person(id, name: "张三", community: zhujiang, phone: "13800000001"))
        #expect(try h.waitFor(city, "person", id) != nil, "\(h.logs())")

        // Cut the community off, then edit the same name on both sides.
        h.stop(zhujiang)
        try h.put(zhujiang, "person", person(id, name: "张三丰"))
        try h.put(city, "person", person(id, name: "张叁"))
        #expect(try h.waitFor(qingchunshan, "person", id) { $0["name"]?.stringValue == "张叁" } != nil, "\(h.logs())")
        try h.start([zhujiang])

        for node in h.codes {
            let record = try h.waitFor(node, "person", id, timeout: 30) {
                $0["name"]?.stringValue == "张叁" && $0["_conflict"]?.boolValue == true
            }
            let seen = record == nil ? try h.get(node, "person", id) : record
            #expect(record != nil, "\(node) did not converge on the city's value with an open conflict: \(String(describing: seen))\n\(h.logs())")
        }
        for node in h.codes {
            let conflicts = try h.conflicts(node)
            #expect(conflicts.count == 1, "\(node) lists \(conflicts.count) conflicts: \(conflicts.map(\.text))")
            guard let c = conflicts.first else { continue }
            #expect(c["key"]?.stringValue == id)
            #expect(c["group"]?.stringValue == "identity")
            let versions = c["versions"]?.arrayValue ?? []
            #expect(versions.count == 2)
            #expect(versions.first?["writer"]?.stringValue == city, "the visible version must be the city's at \(node)")
            #expect(versions.first?["visible"]?.boolValue == true)
            #expect(versions.first?["values"]?["name"]?.stringValue == "张叁")
            #expect(versions.last?["writer"]?.stringValue == zhujiang)
            #expect(versions.last?["values"]?["name"]?.stringValue == "张三丰")
        }
    }

    @Test("Move: the street moves a resident from community A to B; B gets the whole record, A loses it")
    func move() throws {
        let h = try Self.streetWithTwoCommunities()
        defer { h.shutdown() }
        try h.startAll()
        let id = CitizenID.complete("15060319920315002")!
        try h.put(zhujiang, "person", person(id, name: "李四", community: zhujiang, phone: "13900000002",
                                             extra: [("residence_address", "珠江社区 3 栋"), ("tags", ["独居老人"])]))
        #expect(try h.waitFor(qingchunshan, "person", id) != nil, "\(h.logs())")
        #expect(try h.getExitCode(shenhua, "person", id) == 3)

        try h.put(qingchunshan, "person", person(id, community: shenhua, extra: [("residence_address", "神华康城 12 栋")]))
        let atB = try h.waitFor(shenhua, "person", id) { $0["community_code"]?.stringValue == shenhua && $0["name"] != nil }
        #expect(atB?["name"]?.stringValue == "李四", "B did not get the whole record: \(String(describing: atB))\n\(h.logs())")
        #expect(atB?["phone"]?.stringValue == "13900000002")
        #expect(atB?["residence_address"]?.stringValue == "神华康城 12 栋")
        #expect(atB?["tags"]?.arrayValue?.compactMap(\.stringValue) == ["独居老人"])
        #expect(try h.waitGone(zhujiang, "person", id), "A still holds the resident who moved out\n\(h.logs())")
        #expect(try h.waitFor(city, "person", id) { $0["community_code"]?.stringValue == shenhua } != nil, "the city did not see the move")
    }

    /// True when the transfer completed; a transfer still moving at the deadline, or one that
    /// stopped moving, is a failure.
    static func converged(_ result: Convergence, _ what: String, _ target: Int, _ h: Hierarchy) -> Bool {
        switch result {
        case .done:
            return true
        case .slow(let n):
            Issue.record("transfer \(what) still moving at the deadline: \(n) of \(target) versions\n\(h.logs())")
            return false
        case .stalled(let n):
            Issue.record("transfer \(what) stopped at \(n) of \(target) versions\n\(h.logs())")
            return false
        }
    }

    @Test("SIGKILL of the street mid-transfer: after a restart every record reaches the city exactly once")
    func killMidSync() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.start([city, kangbashi, qingchunshan])
        let n = 3000
        var lines = ""
        var ids: [String] = []
        for i in 0..<n {
            let id = CitizenID.complete("150603" + String(1980 + i / 900) + "0101" + String(format: "%03d", 1 + i % 900))!
            ids.append(id)
            lines += person(id, name: "居民\(i)", community: zhujiang, phone: String(format: "138%08d", i)).text + "\n"
        }
        #expect(Set(ids).count == n)
        let file = h.base.appendingPathComponent("people.jsonl").path
        try Data(lines.utf8).write(to: URL(fileURLWithPath: file))
        try h.putFile(zhujiang, "person", file)
        let total = try h.versionCount(zhujiang, resource: "person")
        #expect(try h.count(zhujiang, "person") == n)

        try h.start([zhujiang])
        // Kill the street as soon as the first batch has landed there: the transfer is under way.
        let started = try waitUntil(20, interval: 0.02) { try h.versionCount(qingchunshan, resource: "person") > 0 }
        #expect(started, "no batch reached the street\n\(h.logs())")
        h.stop(qingchunshan, signal: SIGKILL)
        let atStreet = try h.versionCount(qingchunshan, resource: "person")
        let atCity = try h.versionCount(city, resource: "person")
        #expect(atCity < total, "the transfer had already finished when the street was killed (street \(atStreet), city \(atCity) of \(total))")

        try h.start([qingchunshan])
        let up = try awaitCount(total, timeout: 45) { try h.versionCount(city, resource: "person") }
        guard Self.converged(up, "upwards to the city", total, h) else { return }
        for node in [qingchunshan, kangbashi, city] {
            #expect(try h.versionCount(node, resource: "person") == total, "\(node): versions lost or duplicated")
            let listed = try rootsync(["list", "person", "--dir", h.dir(node), "--json"]).jsonLines()
            let keys = listed.compactMap { $0["id_number"]?.stringValue }
            #expect(keys.count == n, "\(node) lists \(keys.count) people, expected \(n)")
            #expect(Set(keys) == Set(ids), "\(node): records lost or duplicated")
        }
        let sample = try h.get(city, "person", ids[n - 1])
        #expect(sample?["phone"]?.stringValue == String(format: "138%08d", n - 1))
        print("killMidSync up: street killed holding \(atStreet), city \(atCity) of \(total) versions")

        // Downwards: the city updates every phone; kill the street while it pulls them.
        var updates = ""
        for (i, id) in ids.enumerated() { updates += person(id, phone: String(format: "139%08d", i)).text + "\n" }
        let updateFile = h.base.appendingPathComponent("phones.jsonl").path
        try Data(updates.utf8).write(to: URL(fileURLWithPath: updateFile))
        try h.putFile(city, "person", updateFile)
        let newTotal = try h.versionCount(city, resource: "person")
        #expect(newTotal == total + n, "one new contact version per record at the city")
        let pulling = try waitUntil(20, interval: 0.02) { try h.versionCount(qingchunshan, resource: "person") > total }
        #expect(pulling, "no page reached the street\n\(h.logs())")
        h.stop(qingchunshan, signal: SIGKILL)
        let streetDown = try h.versionCount(qingchunshan, resource: "person")
        let communityDown = try h.versionCount(zhujiang, resource: "person")
        #expect(communityDown < newTotal, "the pull had already finished when the street was killed")
        print("killMidSync down: street killed holding \(streetDown), community \(communityDown) of \(newTotal) versions")

        try h.start([qingchunshan])
        let down = try awaitCount(newTotal, timeout: 45) { try h.versionCount(zhujiang, resource: "person") }
        guard Self.converged(down, "downwards to the community", newTotal, h) else { return }
        for node in h.codes {
            #expect(try h.versionCount(node, resource: "person") == newTotal, "\(node): versions lost or duplicated")
        }
        let listed = try rootsync(["list", "person", "--dir", h.dir(zhujiang), "--json"]).jsonLines()
        #expect(listed.count == n)
        let phones = Dictionary(listed.map { ($0["id_number"]?.stringValue ?? "", $0["phone"]?.stringValue ?? "") }, uniquingKeysWith: { a, _ in a })
        let stale = ids.enumerated().filter { phones[$0.element] != String(format: "139%08d", $0.offset) }
        #expect(stale.isEmpty, "\(stale.count) records at the community lack the city's phone")
        for node in h.codes { #expect(try h.conflicts(node).isEmpty, "unexpected conflicts at \(node)") }
    }
}
