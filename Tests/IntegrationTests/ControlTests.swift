// Issue 14: controlling running agents: `up --stop` and `up --restart CODE` on a running up,
// SIGHUP (reload node.json) and SIGTERM (stop after the batch in flight) on serve, JSON logs.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Node
import Standards
import Testing
import TestSupport

@Suite("Controlling agents (real processes)", .serialized)
struct ControlTests {
    static let city = "150600", district = "150603", street = "150603002"

    func topology(_ h: Hierarchy) -> String { h.base.appendingPathComponent("topology.json").path }
    func nodes(_ h: Hierarchy) -> String { h.base.appendingPathComponent("nodes").path }

    @Test("up --restart CODE restarts one node of a running up at once; up --stop stops it and all its agents; both fail clearly with no up running; --log-format json reaches the agents")
    func stopAndRestartARunningUp() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city), (Self.street, Self.district)])
        defer { h.shutdown() }
        let up = try UpProcess([topology(h), "--dir", nodes(h), "--log-format", "json"])
        #expect(up.wait(for: "All 3 nodes running"), "\(up.output)")
        let old = try #require(up.pid(Self.district))

        let restart = try rootsync(["up", "--restart", Self.district, "--dir", nodes(h), "--json"], timeout: 90)
        #expect(restart.code == 0, "\(restart.out) \(restart.err)")
        let answer = try restart.json()
        let fresh = try #require(answer["pid"]?.int64Value)
        #expect(fresh != Int64(old) && answer["previous_pid"]?.int64Value == Int64(old), "\(restart.out)")
        #expect(try NodeLock.holder(directory: h.dir(Self.district), slot: .agent) == Int32(fresh))
        #expect(up.wait(for: "\(Self.district) 按请求重启 / restarting on request"), "\(up.output)")
        #expect(waitUntil(20) { (try? curl("GET", "\(h.url(Self.district))/healthz", timeout: 2))?.status == 200 })
        #expect(kill(old, 0) != 0, "the old agent is gone")
        #expect(!up.output.contains("exited ("), "a requested restart is no crash: \(up.output)")

        // The agents log one JSON object per line.
        let log = try String(contentsOfFile: (h.dir(Self.district) as NSString).appendingPathComponent("serve.log"), encoding: .utf8)
        let lines = log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty && lines.allSatisfy { (try? JSONParser.parse(String($0)))?["time"]?.stringValue?.hasSuffix("+08:00") == true }, "\(log)")
        #expect(lines.contains { (try? JSONParser.parse(String($0)))?["event"]?.stringValue == "listening" }, "\(log)")

        let unknown = try rootsync(["up", "--restart", "150699", "--dir", nodes(h)])
        #expect(unknown.code == 1 && unknown.err.contains("150699 is not a node under"), "\(unknown.err)")

        let stop = try rootsync(["up", "--stop", "--dir", nodes(h)], timeout: 60)
        #expect(stop.code == 0, "\(stop.out) \(stop.err)")
        #expect(stop.out.contains("stopped rootsync up (PID \(up.process.pid)) and all its nodes"), "\(stop.out)")
        #expect(waitUntil(10) { !up.process.isRunning })
        #expect(up.process.exit?.status == 0, "up ends as on Ctrl-C: \(up.output)")
        for code in h.codes { #expect(try NodeLock.holder(directory: h.dir(code), slot: .agent) == nil, "\(code)'s agent stopped") }
        let again = try rootsync(["up", "--stop", "--dir", nodes(h)])
        #expect(again.code == 1 && again.err.contains("no rootsync up is running in"), "\(again.err)")
    }

    @Test("serve: SIGHUP reads node.json again (a new parent address and time zone take effect, a damaged file is kept out and said in the log); SIGTERM exits 0")
    func reloadOnHangUp() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        try h.startAll()
        let file = (h.dir(Self.district) as NSString).appendingPathComponent(NodeConfig.fileName)
        let original = try String(contentsOfFile: file, encoding: .utf8)
        func write(_ change: (inout JSONObject) -> Void) throws {
            var o = try #require(try JSONParser.parse(original).objectValue)
            change(&o)
            try Data(JSONValue.object(o).text.utf8).write(to: URL(fileURLWithPath: file))
        }
        // The parent moves to an address where nobody answers: the next rounds fail.
        let nowhere = try Loopback.freePort()
        try write { $0["parent_url"] = .string("http://127.0.0.1:\(nowhere)"); $0["time_zone"] = "UTC" }
        h.signal(Self.district, SIGHUP)
        #expect(waitUntil(20) { h.logs([Self.district]).contains("event=config_reloaded changed=parent_url,time_zone") }, "\(h.logs([Self.district]))")
        #expect(waitUntil(20) { h.logs([Self.district]).contains("127.0.0.1:\(nowhere)") }, "rounds go to the new address: \(h.logs([Self.district]))")
        let id = CitizenID.complete("15060319800101004")!
        try h.put(Self.district, "person", person(id, name: "钱七", community: "150603002001"))
        // Back to the real parent: the record arrives.
        try Data(original.utf8).write(to: URL(fileURLWithPath: file))
        h.signal(Self.district, SIGHUP)
        #expect(try h.waitFor(Self.city, "person", id, timeout: 30) != nil, "\(h.logs([Self.district]))")
        #expect(h.logs([Self.district]).contains("+00:00 event=sync_failed"), "log times followed the reloaded zone: \(h.logs([Self.district]))")

        // A damaged node.json is refused and the agent goes on with what it had.
        try write { $0["time_zone"] = "Nowhere/Else" }
        h.signal(Self.district, SIGHUP)
        #expect(waitUntil(20) { h.logs([Self.district]).contains("event=config_reload_failed") }, "\(h.logs([Self.district]))")
        #expect(h.logs([Self.district]).contains("time_zone is not a known time zone name"))
        // The district serves no child: its health is on its local API address.
        let local = try #require(try JSONParser.parse(original)["local_api"]?.stringValue)
        #expect(try curl("GET", "http://\(local)/healthz", timeout: 5).status == 200)
        try Data(original.utf8).write(to: URL(fileURLWithPath: file))
        #expect(h.stop(Self.district) == 0, "SIGTERM stops cleanly with exit 0: \(h.logs([Self.district]))")
    }

    @Test("SIGTERM while a push is under way: exit 0, both replicas consistent, and after a restart everything arrives")
    func terminateDuringAPush() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        try h.startAll()
        // 3,000 people (three versions each: nine push batches) written at the district at once.
        var lines: [String] = []
        for i in 0..<3_000 {
            let body = "150603" + String(format: "1981%02d%02d", i / 28 / 100 % 12 + 1, i / 100 % 28 + 1) + String(format: "%03d", i % 100 + 100)
            lines.append(person(CitizenID.complete(body)!, name: "孙\(i)", community: "150603002001").text)
        }
        let file = h.base.appendingPathComponent("people.jsonl").path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let imported = try rootsync(["import", "person", file, "--dir", h.dir(Self.district)], timeout: 300)
        #expect(imported.code == 0, "\(imported.err)")
        // Wait until the push has started (some arrived at the city), then stop the district.
        _ = waitUntil(30, interval: 0.05) { ((try? h.versionCount(Self.city, resource: "person")) ?? 0) > 0 }
        #expect(h.stop(Self.district) == 0, "\(h.logs([Self.district]))")
        #expect(!h.logs([Self.district]).contains("stop_timeout"), "the batch in flight ended within the wait")
        // Whatever the city holds is whole batches it applied; the rest comes after a restart.
        try h.start([Self.district])
        let written = try h.versionCount(Self.district, resource: "person")
        #expect(written >= 9_000)
        #expect(try awaitCount(written, timeout: 240) { try h.versionCount(Self.city, resource: "person") } == .done, "\(h.logs([Self.district]))")
        #expect(try h.count(Self.city, "person") == 3_000)
    }
}
