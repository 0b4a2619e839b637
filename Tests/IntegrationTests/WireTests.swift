#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Standards
import Testing
import TestSupport

/// Hand-made HTTP requests against a real street agent (through the system curl binary).
extension IntegrationSuite {
    @Test("A child pushing outside its jurisdiction is refused with 403 and nothing is applied")
    func pushOutsideJurisdiction() throws {
        let h = try Self.streetWithTwoCommunities()
        defer { h.shutdown() }
        // Only the street serves: the communities' own agents must not push anything.
        try h.start([qingchunshan])
        let a = CitizenID.complete("15060319800101001")!, b = CitizenID.complete("15060319811111005")!
        try h.put(zhujiang, "person", person(a, name: "张三", community: zhujiang, phone: "13800000001"))
        try h.put(shenhua, "person", person(b, name: "钱七", community: shenhua))
        let real = try h.wireVersions(zhujiang, "person", a)
        #expect(real.count >= 3)

        // A's own write, re-scoped to B.
        let rescoped: [JSONValue] = real.map { v in
            guard var o = v.objectValue else { return v }
            o["scope"] = .string(shenhua)
            if var values = o["values"]?.objectValue, values["community_code"] != nil {
                values["community_code"] = .string(shenhua)
                o["values"] = .object(values)
            }
            return .object(o)
        }
        let push = h.url(qingchunshan) + "/v1/sync/push"
        let headersA = try h.syncHeaders(as: zhujiang)
        for (label, versions) in [("A's record re-scoped to B", rescoped),
                                  ("B's own record", try h.wireVersions(shenhua, "person", b)),
                                  ("A's valid versions followed by a forged one", real + [rescoped[0]])] {
            let body: JSONValue = ["versions": .array(versions)]
            let r = try curl("POST", push, headers: headersA, body: body.text)
            #expect(r.status == 403, "\(label): expected 403, got \(r.status) \(r.body)")
            let message = r.json?["message_en"]?.stringValue ?? ""
            #expect(message.contains("outside this node's jurisdiction"), "\(label): unclear message \(r.body)")
            #expect(r.json?["message_zh"]?.stringValue?.contains("辖区") == true, "\(label): \(r.body)")
        }
        #expect(try h.versionCount(qingchunshan, resource: "person") == 0, "a refused batch left versions at the street")
        #expect(try h.getExitCode(qingchunshan, "person", a) == 3)
        #expect(try h.getExitCode(qingchunshan, "person", b) == 3)

        // Control: the same credential with A's genuine versions is accepted.
        let ok = try curl("POST", push, headers: headersA, body: (["versions": .array(real)] as JSONValue).text)
        #expect(ok.status == 200, "\(ok.body)")
        #expect(ok.json?["applied"]?.int64Value == Int64(real.count))
        #expect(try h.get(qingchunshan, "person", a)?["community_code"]?.stringValue == zhujiang)
    }

    @Test("Garbage in: bad credentials 401, bad JSON 400, oversized body 413; the server keeps serving")
    func garbageIn() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.start([qingchunshan])
        let base = h.url(qingchunshan)
        let good = try h.syncHeaders(as: zhujiang)
        let validBody = #"{"versions":[]}"#

        var wrong = good
        wrong["Authorization"] = "Bearer " + String(repeating: "0", count: 43)
        var r = try curl("POST", base + "/v1/sync/push", headers: wrong, body: validBody)
        #expect(r.status == 401, "wrong credential: \(r.status) \(r.body)")
        #expect(r.json?["message_en"]?.stringValue?.contains("invalid credential") == true, "\(r.body)")

        var stranger = good
        stranger["X-Rootsync-Node"] = "150603002009"
        r = try curl("POST", base + "/v1/sync/push", headers: stranger, body: validBody)
        #expect(r.status == 401, "unknown child: \(r.status) \(r.body)")

        r = try curl("POST", base + "/v1/sync/push", headers: ["Content-Type": "application/json"], body: validBody)
        #expect(r.status == 401, "missing headers: \(r.status) \(r.body)")
        #expect(r.json?["message_en"]?.stringValue?.contains("missing") == true, "\(r.body)")
        r = try curl("GET", base + "/v1/sync/have", headers: ["X-Rootsync-Node": zhujiang])
        #expect(r.status == 401, "missing Authorization: \(r.status) \(r.body)")
        r = try curl("GET", base + "/v1/sync/have", headers: ["Authorization": good["Authorization"]!])
        #expect(r.status == 401, "missing X-Rootsync-Node: \(r.status) \(r.body)")

        for bad in ["{\"versions\": [", "not json at all", "", "{\"versions\": 5}", "[1,2,3]"] {
            r = try curl("POST", base + "/v1/sync/push", headers: good, body: bad)
            #expect(r.status == 400, "body \(bad.debugDescription): \(r.status) \(r.body)")
            #expect(r.json?["message_en"] != nil, "the 400 must explain itself: \(r.body)")
        }
        r = try curl("POST", base + "/v1/sync/pull", headers: good, body: "{\"cursor\": {\"oops\": tru")
        #expect(r.status == 400, "pull with broken JSON: \(r.status) \(r.body)")

        // 33 MiB: over the 32 MiB cap, once with curl's default Expect: 100-continue, once without.
        let huge = h.base.appendingPathComponent("huge.json").path
        var payload = Data(#"{"versions":[""#.utf8)
        payload.append(Data(repeating: 0x61, count: 33 * 1024 * 1024))
        payload.append(Data(#""]}"#.utf8))
        try payload.write(to: URL(fileURLWithPath: huge))
        for extra in [[], ["-H", "Expect:"]] {
            r = try curl("POST", base + "/v1/sync/push", headers: good, bodyFile: huge, extra: extra)
            #expect(r.status == 413, "huge body \(extra): \(r.status) \(r.body.prefix(300))")
        }

        // Still serving, and still sane.
        r = try curl("GET", base + "/v1/hello")
        #expect(r.status == 200, "\(r.body)")
        #expect(r.json?["node"]?.stringValue == qingchunshan)
        r = try curl("GET", base + "/v1/sync/have", headers: good)
        #expect(r.status == 200, "\(r.status) \(r.body)")
        #expect(h.isRunning(qingchunshan))
        let id = CitizenID.complete("15060319800101001")!
        try h.put(zhujiang, "person", person(id, name: "张三", community: zhujiang))
        let sync = try h.sync(zhujiang)
        #expect(sync.code == 0, "a real child can still sync: \(sync.err)")
        #expect(try h.get(qingchunshan, "person", id)?["name"]?.stringValue == "张三")
    }

    @Test("Duplicated push: the replay is all skipped and changes nothing")
    func duplicatedPush() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.start([qingchunshan])
        // A link that has run before (the child's identity is confirmed with its parent):
        // duplicated requests are retries on a live link.
        #expect(try h.sync(zhujiang).code == 0)
        let id = CitizenID.complete("15060319800101001")!
        try h.put(zhujiang, "person", person(id, name: "张三", community: zhujiang, phone: "13800000001"))
        let versions = try h.wireVersions(zhujiang, "person", id)
        let body = (["versions": .array(versions)] as JSONValue).text
        let push = h.url(qingchunshan) + "/v1/sync/push"
        let headers = try h.syncHeaders(as: zhujiang)

        let first = try curl("POST", push, headers: headers, body: body)
        #expect(first.status == 200, "\(first.body)")
        #expect(first.json?["applied"]?.int64Value == Int64(versions.count))
        #expect(first.json?["skipped"]?.int64Value == 0)
        let record = try h.get(qingchunshan, "person", id)
        #expect(record?["name"]?.stringValue == "张三")
        let stored = try h.versionCount(qingchunshan, resource: "person")
        let have = try curl("GET", h.url(qingchunshan) + "/v1/sync/have", headers: headers)

        let second = try curl("POST", push, headers: headers, body: body)
        #expect(second.status == 200, "\(second.body)")
        #expect(second.json?["applied"]?.int64Value == 0)
        #expect(second.json?["skipped"]?.int64Value == Int64(versions.count))
        #expect(try h.get(qingchunshan, "person", id) == record)
        #expect(try h.versionCount(qingchunshan, resource: "person") == stored)
        #expect(try curl("GET", h.url(qingchunshan) + "/v1/sync/have", headers: headers).body == have.body)
        #expect(try h.conflicts(qingchunshan).isEmpty)

        // The child's own round afterwards has nothing left to push.
        let sync = try h.sync(zhujiang)
        #expect(sync.code == 0, "\(sync.err)")
        #expect(try sync.json()["pushed"]?.int64Value == 0, "\(sync.out)")
    }

    @Test("Long polls held by children do not starve other requests")
    func longPollsDoNotStarveOtherRequests() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        try h.start([qingchunshan])
        let base = h.url(qingchunshan)
        let headers = try h.syncHeaders(as: zhujiang)
        // A cursor at the head of the community's routes: a wait with it has nothing pending.
        let page = try curl("POST", base + "/v1/sync/pull", headers: headers, body: #"{"cursor":null,"limit":1}"#)
        let cursor = try #require(page.json?["cursor"], "\(page.body)")
        let waitBody = (["cursor": cursor, "timeout_ms": 6000] as JSONValue).text
        var args = ["-s", "-o", "/dev/null", "--max-time", "20", "-X", "POST", "--data-binary", waitBody]
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        args.append(base + "/v1/sync/wait")
        // One per child of a street with two dozen communities, as every running child holds one.
        var polls: [ChildProcess] = []
        defer { for p in polls { p.stop(SIGKILL) } }
        for _ in 0..<24 { polls.append(try ChildProcess("/usr/bin/curl", args)) }
        usleep(500_000)
        for i in 0..<4 {
            let started = Date()
            let hello = try? curl("GET", base + "/v1/hello", timeout: 10)
            let took = Date().timeIntervalSince(started)
            #expect(hello?.status == 200, "hello #\(i) got no answer within 10 s while children held long polls")
            #expect(took < 2, "hello #\(i) took \(String(format: "%.1f", took)) s while children held long polls")
        }
    }
}
