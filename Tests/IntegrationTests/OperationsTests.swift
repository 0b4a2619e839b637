// Issue 14, operations: one agent per replica, `rootsync up` reporting what really happened,
// `/healthz`, with real agents as separate processes on loopback.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Node
import Standards
import Testing
import TestSupport

/// A `rootsync up` running in the background, its standard output and error in a file.
final class UpProcess {
    let process: ChildProcess
    let outPath: String

    init(_ arguments: [String]) throws {
        outPath = FileManager.default.temporaryDirectory.appendingPathComponent("rs-up-\(UUID().uuidString).out").path
        process = try ChildProcess(try RootsyncExecutable.path(), ["up"] + arguments, stdout: outPath, stderr: outPath)
    }

    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `text` (or the process ended); bounded.
    func wait(for text: String, timeout: TimeInterval = 40) -> Bool {
        waitUntil(timeout) { output.contains(text) || !process.isRunning } && output.contains(text)
    }

    /// SIGTERM (what Ctrl-C does), then the exit code; SIGKILL after 20 s.
    @discardableResult
    func stop() -> Int32 {
        process.stop(SIGTERM, grace: 20)?.status ?? -1
    }

    /// The pid `up` printed for `code`'s agent.
    func pid(_ code: String) -> Int32? {
        for line in output.split(separator: "\n") where line.contains("✓ \(code) ") {
            if let r = line.range(of: "pid ") {
                return Int32(line[r.upperBound...].prefix { $0.isNumber })
            }
        }
        return nil
    }

    deinit { stop(); try? FileManager.default.removeItem(atPath: outPath) }
}

@Suite("Operations (real agents)", .serialized)
struct OperationsTests {
    static let city = "150600", district = "150603", community = "150603002001"

    func topology(_ h: Hierarchy) -> String { h.base.appendingPathComponent("topology.json").path }
    func nodes(_ h: Hierarchy) -> String { h.base.appendingPathComponent("nodes").path }

    @Test("a second agent on a replica fails at once naming the first one's PID (both languages); writers and readers still work; the lock goes with the process")
    func oneAgentPerReplica() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        try h.startAll()
        let pid = try #require(h.pid(Self.district))

        let started = Date()
        let second = try rootsync(["serve", "--dir", h.dir(Self.district)], timeout: 20)
        #expect(second.code == 1)
        #expect(Date().timeIntervalSince(started) < 10, "must fail at once, not wait")
        #expect(second.err.contains("PID \(pid)"), "\(second.err)")
        #expect(second.err.contains("另一个 rootsync 代理") && second.err.contains("another rootsync agent"), "\(second.err)")
        #expect(h.isRunning(Self.district), "the first agent keeps running")
        let json = try rootsync(["serve", "--dir", h.dir(Self.district), "--json"], timeout: 20)
        #expect(json.code == 1)
        let error = try JSONParser.parse(json.err.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(error["holder_pid"]?.int64Value == Int64(pid))
        #expect(error["lock"]?.stringValue == NodeLock.path(directory: h.dir(Self.district)))

        // Writing commands and readers run beside the agent, as before.
        let id = CitizenID.complete("15060319800101001")!
        try h.put(Self.district, "person", person(id, name: "张三", community: Self.community))
        #expect(try h.sync(Self.district).code == 0)
        #expect(try h.get(Self.district, "person", id)?["name"] == "张三")
        #expect(try rootsync(["status", "--dir", h.dir(Self.district)]).code == 0)
        #expect(try rootsync(["history", "person", id, "--dir", h.dir(Self.district)]).code == 0)

        // A killed agent leaves nothing behind that blocks the next one.
        h.stop(Self.district, signal: SIGKILL)
        try h.start([Self.district])
        #expect(h.isRunning(Self.district))
    }

    @Test("a leaf's local API keeps the address it picked at its first start: recorded in node.json, shown by status, the same after a restart")
    func localAPIAddressIsFixed() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        let before = try rootsync(["status", "--dir", h.dir(Self.district), "--json"])
        #expect(try JSONParser.parse(before.out)["local_api"] == .null, "no address before the first start")
        try h.startAll()
        #expect(waitUntil(20) { (try? NodeConfig.load(directory: h.dir(Self.district)))?.localAPI != nil })
        let recorded = try #require(try NodeConfig.load(directory: h.dir(Self.district)).localAPI)
        #expect(recorded.hasPrefix("127.0.0.1:") && !recorded.hasSuffix(":0"), "\(recorded)")
        let status = try rootsync(["status", "--dir", h.dir(Self.district), "--json"])
        #expect(try JSONParser.parse(status.out)["local_api"]?.stringValue == "http://\(recorded)")
        #expect(try rootsync(["status", "--dir", h.dir(Self.district)]).out.contains("http://\(recorded)"))
        #expect(try curl("GET", "http://\(recorded)/healthz", timeout: 10).status == 200)
        // Restarted, it answers at the same address.
        h.stop(Self.district)
        try h.start([Self.district])
        #expect(try NodeConfig.load(directory: h.dir(Self.district)).localAPI == recorded)
        #expect(waitUntil(10) { (try? curl("GET", "http://\(recorded)/healthz", timeout: 2))?.status == 200 })
        // A damaged address is refused naming the field, and node.json is left as it was.
        h.stop(Self.district)
        let configPath = (h.dir(Self.district) as NSString).appendingPathComponent(NodeConfig.fileName)
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "\"\(recorded)\"", with: "\"127.0.0.1:notaport\"")
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
        let refused = try rootsync(["serve", "--dir", h.dir(Self.district)], timeout: 20)
        #expect(refused.code != 0)
        #expect(refused.err.contains("local_api is not a valid host:port address: 127.0.0.1:notaport")
                && refused.err.contains("local_api 地址无效"), "\(refused.err)")
        #expect(try String(contentsOfFile: configPath, encoding: .utf8) == text)
    }

    @Test("the lock's holder is named: serve and up refuse a node whose agent slot another process holds; a writer waits for another writer")
    func lockHeldByThisProcess() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        let me = getpid()
        var agent: NodeLock? = try NodeLock.acquire(directory: h.dir(Self.district), slot: .agent)
        let serve = try rootsync(["serve", "--dir", h.dir(Self.district)], timeout: 20)
        #expect(serve.code == 1 && serve.err.contains("PID \(me)"), "\(serve.err)")
        let up = try rootsync(["up", topology(h), "--dir", nodes(h), "--no-serve"])
        #expect(up.code == 1, "\(up.out)")
        #expect(up.out.contains("✗ \(Self.district)") && up.out.contains("PID \(me)"), "\(up.out)")
        #expect(!up.out.contains("✗ \(Self.city)"), "\(up.out)")
        agent?.release()
        agent = nil
        #expect(try rootsync(["up", topology(h), "--dir", nodes(h), "--no-serve"]).code == 0)

        // A writer holding the replica: the next one waits for it, then writes.
        let writer = try NodeLock.acquire(directory: h.dir(Self.district), slot: .writer)
        let release = Thread { Thread.sleep(forTimeInterval: 1.5); writer.release() }
        release.start()
        let before = Date()
        let put = try rootsync(["put", "person", "--dir", h.dir(Self.district),
                                "--data", person(CitizenID.complete("15060319800101002")!, name: "李四", community: Self.community).text])
        #expect(put.code == 0, "\(put.err)")
        #expect(Date().timeIntervalSince(before) >= 1.2, "the put must have waited for the other writer")
        // Readers never wait.
        let reader = try NodeLock.acquire(directory: h.dir(Self.district), slot: .writer)
        defer { reader.release() }
        let readStart = Date()
        #expect(try rootsync(["status", "--dir", h.dir(Self.district)]).code == 0)
        #expect(Date().timeIntervalSince(readStart) < 5)
    }

    @Test("up: a node that cannot listen is reported as its own listen failure, the others run, no 'All nodes running', exit 1; a second up starts nothing and exits 1")
    func upReportsWhatHappened() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city), ("150603002", Self.district), (Self.community, "150603002")])
        defer { h.shutdown() }
        let districtPort = try #require(h.ports[Self.district])
        var blocker: PortBlocker? = try PortBlocker(districtPort)
        let first = try UpProcess([topology(h), "--dir", nodes(h)])
        #expect(first.wait(for: "failed"), "\(first.output)")
        let out = first.output
        #expect(out.contains("✗ \(Self.district)"), "\(out)")
        #expect(out.contains("cannot listen on 127.0.0.1:\(districtPort): Address already in use"), "\(out)")
        #expect(!out.contains("cannot reach the parent"), "\(out)")
        #expect(!out.contains("All") && !out.contains("全部"), "\(out)")
        for code in [Self.city, "150603002", Self.community] { #expect(out.contains("✓ \(code) "), "\(code): \(out)") }
        #expect(out.contains("3 nodes running, 1 failed"), "\(out)")
        #expect(first.stop() == 1)
        blocker = nil
        _ = blocker

        // All start; /healthz answers on the city with what it is.
        let running = try UpProcess([topology(h), "--dir", nodes(h)])
        #expect(running.wait(for: "All 4 nodes running"), "\(running.output)")
        let health = try curl("GET", "\(h.url(Self.city))/healthz", timeout: 10)
        #expect(health.status == 200, "\(health.body)")
        #expect(health.json?["node"]?.stringValue == Self.city && health.json?["level"]?.stringValue == "city")
        #expect(health.json?["replica_open"] == .bool(true) && health.json?["agent_version"]?.stringValue == AgentVersion.current)
        #expect(health.json?["catalogue_version"]?.int64Value == 1)

        // A second up on the running hierarchy: every node named with the PID running it.
        let again = try rootsync(["up", topology(h), "--dir", nodes(h)], timeout: 60)
        #expect(again.code == 1, "\(again.out)")
        #expect(!again.out.contains("All") && !again.out.contains("全部节点已启动"), "\(again.out)")
        for code in h.codes {
            let pid = try #require(running.pid(code), "\(running.output)")
            #expect(again.out.contains("✗ \(code)") && again.out.contains("PID \(pid)"), "\(code): \(again.out)")
        }
        #expect(again.out.contains("no node started: 4 failed"), "\(again.out)")
        let json = try rootsync(["up", topology(h), "--dir", nodes(h), "--json"], timeout: 60)
        #expect(json.code == 1)
        let lines = try json.jsonLines()
        #expect(lines.filter { $0["started"] == .bool(false) && $0["message_en"]?.stringValue?.contains("another rootsync agent") == true }.count == 4, "\(json.out)")
        #expect(lines.last?["started"]?.int64Value == 0 && lines.last?["failed"]?.int64Value == 4, "\(json.out)")
        #expect(try curl("GET", "\(h.url(Self.city))/healthz", timeout: 10).status == 200, "the first up's agents are untouched")
        #expect(running.stop() == 0)
        #expect(waitUntil(10) { (try? curl("GET", "\(h.url(Self.city))/healthz", timeout: 2)) == nil }, "its agents stopped with it")
    }

    @Test("up restarts an agent that died, with backoff, and says so")
    func upRestartsADeadAgent() throws {
        // The district serves the street, so it has a fixed port to probe.
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city), ("150603002", Self.district)])
        defer { h.shutdown() }
        let up = try UpProcess([topology(h), "--dir", nodes(h)])
        #expect(up.wait(for: "All 3 nodes running"), "\(up.output)")
        let pid = try #require(up.pid(Self.district))
        kill(pid, SIGKILL)
        #expect(up.wait(for: "the agent of \(Self.district) exited (signal 9); restarting in 1.0 s (attempt 1)", timeout: 10), "\(up.output)")
        #expect(up.wait(for: "\(Self.district) 已重新启动 / restarted", timeout: 20), "\(up.output)")
        #expect(waitUntil(10) { (try? curl("GET", "\(h.url(Self.district))/healthz", timeout: 2))?.status == 200 })
        let holder = try NodeLock.holder(directory: h.dir(Self.district), slot: .agent)
        #expect(holder != nil && holder != pid, "the new agent holds the lock")
        #expect(up.stop() == 0)
    }

    @Test("up never re-enrols a node that already has a credential: a moved node directory is refused, the real copy keeps working; --reenroll issues a new one")
    func upDoesNotReenrol() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city)])
        defer { h.shutdown() }
        let moved = h.base.appendingPathComponent("moved-\(Self.district)").path
        try FileManager.default.moveItem(atPath: h.dir(Self.district), toPath: moved)
        let hash = try h.database(Self.city).scalarText("SELECT credential_hash FROM _rs_link WHERE node = ?", Self.district)

        let up = try rootsync(["up", topology(h), "--dir", nodes(h), "--no-serve"])
        #expect(up.code == 1, "\(up.out)")
        #expect(up.out.contains("✗ \(Self.district)") && up.out.contains("--reenroll") && up.out.contains("Not re-enrolled"), "\(up.out)")
        #expect(try h.database(Self.city).scalarText("SELECT credential_hash FROM _rs_link WHERE node = ?", Self.district) == hash)
        // The real copy, moved away, still syncs with the city.
        try h.start([Self.city])
        let synced = try rootsync(["sync", "--dir", moved], timeout: 60)
        #expect(synced.code == 0, "\(synced.err)")

        // Told to, up issues a new credential: the new directory works, the moved copy is cut off.
        // (Not while the city's agent runs: up changes nothing under a running agent.)
        let whileRunning = try rootsync(["up", topology(h), "--dir", nodes(h), "--no-serve", "--reenroll"])
        #expect(whileRunning.code == 1 && whileRunning.out.contains("✗ \(Self.city)"), "\(whileRunning.out)")
        h.stop(Self.city)
        let reenrolled = try rootsync(["up", topology(h), "--dir", nodes(h), "--no-serve", "--reenroll"])
        #expect(reenrolled.code == 0, "\(reenrolled.out)")
        try h.start([Self.city])
        #expect(try rootsync(["sync", "--dir", h.dir(Self.district)], timeout: 60).code == 0)
        let refused = try rootsync(["sync", "--dir", moved], timeout: 60)
        #expect(refused.code == 1 && refused.err.contains("401"), "\(refused.err)")
    }
}
