import Foundation
import JSON
import Node
import Replica
import SQLite
import Standards
import Testing
@testable import Agent

/// The commands that work on a node's replica, in-process and through the real binary.
@Suite("rootsync replica commands")
struct ReplicaCommandTests {
    static let community = "150603002001"
    static let street = "150603002"

    /// Topology/demo.json, found from this file's place in the package.
    static var demoTopology: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Topology/demo.json").path
    }

    static func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// A valid GB 11643 number: county 150603, born 1990-01-01, sequence `seq`.
    static func id(_ seq: Int, birth: String = "19900101") -> String {
        let body = "150603" + birth + String(format: "%03d", seq % 1000)
        return CitizenID.complete(body)!
    }

    static func person(_ seq: Int, name: String = "张三", community: String = community, extra: String = "") -> String {
        "{\"id_number\":\"\(id(seq))\",\"name\":\"\(name)\",\"community_code\":\"\(community)\"\(extra)}"
    }

    /// A new node directory initialised for `code`.
    static func initNode(_ code: String = community) throws -> String {
        let dir = tempDir() + "/node"
        let r = runCLI(["init", "--dir", dir, "--topology", demoTopology, "--node", code])
        #expect(r.code == .success, "\(r.err)")
        return dir
    }

    static func json(_ r: CLIResult) throws -> [JSONValue] { try r.jsonLines() }

    static func errorJSON(_ r: CLIResult) throws -> JSONValue {
        try JSONParser.parse(r.err.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: init

    @Test func initCreatesReplicaAndNodeFile() throws {
        let dir = Self.tempDir() + "/a/b"
        let r = runCLI(["init", "--dir", dir, "--topology", Self.demoTopology, "--node", Self.community, "--json"])
        #expect(r.code == .success, "\(r.err)")
        let o = try #require(try r.jsonLines().first)
        #expect(o["node"] == .string(Self.community))
        #expect(o["level"] == "community")
        #expect(o["parent"] == .string(Self.street))
        #expect(FileManager.default.fileExists(atPath: dir + "/replica.sqlite"))
        let nodeFile = try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/node.json"))))
        #expect(nodeFile["node"] == .string(Self.community))
        #expect(nodeFile["parent"] == .string(Self.street))
        #expect(nodeFile["listen"] == .null)
        let topology = try #require(nodeFile["topology"]?.stringValue)
        #expect(topology.hasPrefix("/") && topology.hasSuffix("Topology/demo.json"))

        // The street has a listen address.
        let streetDir = Self.tempDir()
        #expect(runCLI(["init", "--dir", streetDir, "--topology", Self.demoTopology, "--node", Self.street]).code == .success)
        let streetFile = try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: streetDir + "/node.json"))))
        #expect(streetFile["listen"] == "127.0.0.1:7622")
        #expect(streetFile["parent"] == "150603")
    }

    @Test func initRefusesAnExistingReplicaAndUnknownNodes() throws {
        let dir = try Self.initNode()
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/replica.sqlite"))
        let again = runCLI(["init", "--dir", dir, "--topology", Self.demoTopology, "--node", Self.community])
        #expect(again.code == .failure)
        #expect(again.err.contains("已经存在副本"))
        #expect(again.err.contains("already exists"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/replica.sqlite")) == before)

        let other = Self.tempDir()
        let unknown = runCLI(["init", "--dir", other, "--topology", Self.demoTopology, "--node", "150603002009"])
        #expect(unknown.code == .failure)
        #expect(unknown.err.contains("150603002009"))
        #expect(!FileManager.default.fileExists(atPath: other + "/replica.sqlite"))
        #expect(runCLI(["init", "--dir", other, "--topology", other + "/missing.json", "--node", Self.community]).code == .failure)
        #expect(runCLI(["init", "--dir", other, "--topology", Self.demoTopology]).code == .usage)
    }

    @Test func commandsWithoutAReplicaPointToInit() {
        let dir = Self.tempDir()
        let r = runCLI(["list", "person", "--dir", dir])
        #expect(r.code == .failure)
        #expect(r.err.contains("rootsync init"))
    }

    // MARK: put, get, list, delete

    @Test func putGetListDeleteRoundTrip() throws {
        let dir = try Self.initNode()
        let id = Self.id(1)
        let put = runCLI(["put", "person", "--dir", dir, "--json", "--data", Self.person(1, extra: ",\"sex\":\"1\",\"tags\":[\"独居老人\"]")])
        #expect(put.code == .success, "\(put.err)")
        let result = try #require(try put.jsonLines().first)
        #expect(result["resource"] == "person")
        #expect(result["key"] == .string(id))
        #expect(result["created"] == true)
        #expect(Set(result["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["identity", "residence", "tags"])

        // Fields not given stay as they are.
        let update = runCLI(["put", "person", "--dir", dir, "--json", "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000000\"}"])
        #expect(update.code == .success, "\(update.err)")
        #expect(try update.jsonLines().first?["groups"] == ["contact"])
        #expect(try update.jsonLines().first?["created"] == false)

        let got = runCLI(["get", "person", id, "--dir", dir, "--json"])
        #expect(got.code == .success)
        let record = try #require(try got.jsonLines().first)
        #expect(record["name"] == "张三")
        #expect(record["phone"] == "13800000000")
        #expect(record["tags"] == ["独居老人"])
        #expect(record["_conflict"] == nil)

        let readable = runCLI(["get", "person", id, "--dir", dir])
        #expect(readable.out.contains("姓名 name"))
        #expect(readable.out.contains("张三"))
        #expect(readable.out.contains("公民身份号码 id_number"))
        #expect(readable.out.contains("1（男"))

        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(2, name: "李四")]).code == .success)
        let list = runCLI(["list", "person", "--dir", dir, "--json"])
        #expect(list.code == .success)
        let rows = try list.jsonLines()
        #expect(rows.map { $0["id_number"] } == [.string(Self.id(1)), .string(Self.id(2))])
        let table = runCLI(["list", "person", "--dir", dir])
        #expect(table.lines.count == 4)
        #expect(table.out.contains("李四"))
        #expect(table.out.contains("150603002001"))

        let deleted = runCLI(["delete", "person", id, "--dir", dir])
        #expect(deleted.code == .success)
        #expect(runCLI(["get", "person", id, "--dir", dir]).code == .notFound)
        #expect(runCLI(["delete", "person", id, "--dir", dir]).code == .notFound)
        #expect(try runCLI(["list", "person", "--dir", dir, "--json"]).jsonLines().count == 1)
    }

    @Test("history lists each change with its writer, group and fields from → to; --json; absent is not found")
    func history() throws {
        let dir = try Self.initNode()
        let id = Self.id(1)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(1)]).code == .success)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", "{\"id_number\":\"\(id)\",\"name\":\"张三丰\"}"]).code == .success)
        #expect(runCLI(["delete", "person", id, "--dir", dir]).code == .success)
        let text = runCLI(["history", "person", id, "--dir", dir])
        #expect(text.code == .success, "\(text.err)")
        #expect(text.out.contains("姓名 name: 张三 → 张三丰"), "\(text.out)")
        #expect(text.out.contains("删除 · deleted"), "\(text.out)")
        #expect(text.out.contains("已被取代 · superseded"), "\(text.out)")
        let json = try #require(try runCLI(["history", "person", id, "--dir", dir, "--json"]).jsonLines().first)
        let changes = json["changes"]?.arrayValue ?? []
        #expect(changes.map { $0["group"]?.stringValue ?? "" } == ["_exists", "identity", "residence", "identity", "_exists"])
        #expect(changes.allSatisfy { $0["writer"] == "150603002001" && $0["received_from"] == "" })
        #expect(changes[3]["fields"] == [["field": "name", "before": "张三", "after": "张三丰"]])
        #expect(runCLI(["history", "person", Self.id(9), "--dir", dir]).code == .notFound)
        #expect(runCLI(["history", "person", "--dir", dir]).code == .usage)
        // Bad input names what is wrong, in both languages, and changes nothing.
        let unknown = runCLI(["history", "nosuch", id, "--dir", dir])
        #expect(unknown.code != .success && unknown.err.contains("nosuch"), "\(unknown.err)")
        let badKey = runCLI(["history", "person", "12345", "--dir", dir])
        #expect(badKey.code != .success && badKey.err.contains("id_number") && badKey.err.contains("身份"), "\(badKey.err)")
        #expect(try runCLI(["history", "person", id, "--dir", dir, "--json"]).jsonLines().first?["changes"]?.arrayValue?.count == changes.count)
    }

    @Test("versions prints the wire's JSON of one record's versions or of all, in arrival order")
    func versionsAsWireJSON() throws {
        let dir = try Self.initNode()
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(1)]).code == .success)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(2, name: "李四")]).code == .success)
        let one = runCLI(["versions", "person", Self.id(1), "--dir", dir])
        #expect(one.code == .success, "\(one.err)")
        let versions = try #require(try JSONParser.parse(one.out)["versions"]?.arrayValue)
        #expect(versions.map { $0["group"]?.stringValue ?? "" } == ["_exists", "identity", "residence"])
        #expect(versions.allSatisfy { $0["key"] == .string(Self.id(1)) && $0["actor"] == "150603002001:1" && $0["vv"]?.objectValue != nil })
        #expect(versions.map { $0["seq"]?.int64Value ?? 0 } == [1, 2, 3])
        let all = try #require(try JSONParser.parse(runCLI(["versions", "--dir", dir]).out)["versions"]?.arrayValue)
        #expect(all.map { $0["seq"]?.int64Value ?? 0 } == [1, 2, 3, 4, 5, 6])
        #expect(runCLI(["versions", "person", Self.id(9), "--dir", dir]).code == .notFound)
        #expect(runCLI(["versions", "person", "--dir", dir]).code == .usage)
        let unknown = runCLI(["versions", "nosuch", Self.id(1), "--dir", dir])
        #expect(unknown.code != .success && unknown.err.contains("nosuch") && unknown.out.isEmpty, "\(unknown.err)")
        let badKey = runCLI(["versions", "person", "12345", "--dir", dir])
        #expect(badKey.code != .success && badKey.err.contains("id_number") && badKey.out.isEmpty, "\(badKey.err)")
    }

    @Test func getAbsentIsNotFoundAndBadCommandLinesAreUsageErrors() throws {
        let dir = try Self.initNode()
        let absent = runCLI(["get", "person", Self.id(9), "--dir", dir])
        #expect(absent.code == .notFound)
        #expect(absent.err.contains("找不到"))
        #expect(runCLI(["get", "person", Self.id(9), "--dir", dir, "--frobnicate"]).code == .usage)
        #expect(runCLI(["put", "person", "--dir", dir]).code == .usage)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", "{}", "--file", "x"]).code == .usage)
        #expect(runCLI(["get", "person", "--dir", dir]).code == .usage)
        let unknownResource = runCLI(["list", "people", "--dir", dir])
        #expect(unknownResource.code == .failure)
        #expect(unknownResource.err.contains("person"))
        #expect(runCLI(["put", "person", "--dir", dir, "--data", "[1]"]).code == .failure)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", "{nope"]).code == .failure)
    }

    @Test func invalidPutChangesNothingAndNamesEveryField() throws {
        let dir = try Self.initNode()
        let r = runCLI(["put", "person", "--dir", dir, "--json", "--data", Self.person(1, extra: ",\"sex\":\"7\",\"phone\":\"x\"")])
        #expect(r.code == .failure)
        let e = try Self.errorJSON(r)
        #expect(e["problems"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["sex", "phone"])
        let readable = runCLI(["put", "person", "--dir", dir, "--data", Self.person(1, extra: ",\"sex\":\"7\"")])
        #expect(readable.code == .failure)
        #expect(readable.err.contains("性别（sex）"))
        #expect(readable.err.contains("sex:"))
        #expect(runCLI(["get", "person", Self.id(1), "--dir", dir]).code == .notFound)
        let status = try #require(try runCLI(["status", "--dir", dir, "--json"]).jsonLines().first)
        #expect(status["versions"] == 0)
        #expect(status["records"]?["person"] == 0)
    }

    @Test func outsideJurisdictionIsRefused() throws {
        let dir = try Self.initNode()
        let r = runCLI(["put", "person", "--dir", dir, "--data", Self.person(1, community: "150603002002")])
        #expect(r.code == .failure)
        #expect(r.err.contains("辖区"))
        #expect(r.err.contains("jurisdiction"))
        #expect(runCLI(["get", "person", Self.id(1), "--dir", dir]).code == .notFound)
    }

    @Test func fileIsAllOrNothingWithLineNumbers() throws {
        let dir = try Self.initNode()
        let file = Self.tempDir() + "/people.jsonl"
        let bad = [
            Self.person(1),
            Self.person(2, extra: ",\"sex\":\"7\""),
            "",
            "{not json",
            "[1, 2]",
            Self.person(3, community: "150603002002"),
            Self.person(4),
        ].joined(separator: "\n") + "\n"
        try bad.write(toFile: file, atomically: true, encoding: .utf8)
        let r = runCLI(["put", "person", "--dir", dir, "--file", file])
        #expect(r.code == .failure)
        for line in ["line 2", "line 4", "line 5", "line 6", "第2行", "第4行"] { #expect(r.err.contains(line), "\(line): \(r.err)") }
        #expect(!r.err.contains("line 1:"))
        #expect(!r.err.contains("line 7"))
        #expect(!r.err.contains("\u{1}"))
        let e = try Self.errorJSON(runCLI(["put", "person", "--dir", dir, "--file", file, "--json"]))
        #expect(e["problems"]?.arrayValue?.compactMap { $0["line"]?.int64Value } == [2, 4, 5, 6])
        #expect(try runCLI(["list", "person", "--dir", dir, "--json"]).jsonLines().isEmpty)
        #expect(try runCLI(["status", "--dir", dir, "--json"]).jsonLines().first?["versions"] == 0)

        let good = (1...5).map { Self.person($0) }.joined(separator: "\r\n") + "\r\n\r\n"
        try good.write(toFile: file, atomically: true, encoding: .utf8)
        let ok = runCLI(["put", "person", "--dir", dir, "--file", file, "--json"])
        #expect(ok.code == .success, "\(ok.err)")
        let summary = try #require(try ok.jsonLines().first)
        #expect(summary["records"] == 5)
        #expect(summary["created"] == 5)
        #expect(try runCLI(["list", "person", "--dir", dir, "--json"]).jsonLines().count == 5)

        // Standard input with "-"; unchanged records are counted as such.
        let stdin = runCLI(["put", "person", "--dir", dir, "--file", "-", "--json"], stdin: Self.person(1) + "\n" + Self.person(6) + "\n")
        #expect(stdin.code == .success, "\(stdin.err)")
        #expect(try stdin.jsonLines().first?["unchanged"] == 1)
        #expect(try stdin.jsonLines().first?["created"] == 1)
        #expect(runCLI(["put", "person", "--dir", dir, "--file", file + ".missing"]).code == .failure)
    }

    // MARK: conflicts, resolve

    @Test func conflictsAreListedAndResolvedThroughTheCLI() throws {
        let aDir = try Self.initNode(Self.community)
        let bDir = try Self.initNode(Self.street)
        let id = Self.id(1)
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", Self.person(1)]).code == .success)
        let a = try Replica.open(path: aDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        let b = try Replica.open(path: bDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        try b.apply(a.feed(after: 0, limit: 1000).map(\.version), from: Self.community)
        // Concurrent edits of the contact group at the community and at the street.
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000001\"}"]).code == .success)
        #expect(runCLI(["put", "person", "--dir", bDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000002\"}"]).code == .success)
        try b.apply(a.feed(after: 0, limit: 1000).map(\.version), from: Self.community)
        try a.apply(b.feed(after: 0, limit: 1000).map(\.version), from: Self.street)

        let listed = runCLI(["conflicts", "--dir", aDir, "--json"])
        #expect(listed.code == .success)
        let conflicts = try listed.jsonLines()
        #expect(conflicts.count == 1)
        let c = try #require(conflicts.first)
        let conflictID = "person/\(id)/contact"
        #expect(c["conflict"] == .string(conflictID))
        #expect(c["resource"] == "person")
        #expect(c["key"] == .string(id))
        #expect(c["group"] == "contact")
        let versions = try #require(c["versions"]?.arrayValue)
        #expect(versions.count == 2)
        #expect(versions.map { $0["visible"] } == [true, false])
        #expect(Set(versions.compactMap { $0["writer"]?.stringValue }) == [Self.community, Self.street])
        #expect(Set(versions.compactMap { $0["writer_level"]?.stringValue }) == ["community", "street"])
        for v in versions {
            let dot = try #require(v["version"]?.stringValue)
            #expect(dot.contains(":") && dot.contains("#"))
            #expect(v["time"]?.stringValue?.hasPrefix("20") == true)
            #expect(v["values"]?["phone"]?.stringValue?.hasPrefix("1380000000") == true)
        }
        // The community is the authority for contact: its value is visible.
        #expect(versions.first?["writer"] == .string(Self.community))
        #expect(try runCLI(["get", "person", id, "--dir", aDir, "--json"]).jsonLines().first?["_conflict"] == true)
        let readable = runCLI(["conflicts", "--dir", aDir])
        #expect(readable.out.contains("权威来源 authority"))
        #expect(readable.out.contains(conflictID))
        #expect(readable.out.contains("珠江社区"))
        #expect(readable.out.contains("13800000002"))
        #expect(runCLI(["list", "person", "--dir", aDir]).out.contains("⚠"))
        #expect(runCLI(["status", "--dir", aDir, "--json"]).out.contains("\"open_conflicts\":1"))

        // Clear errors for an unknown conflict or version, and for fields outside the group.
        let unknown = runCLI(["resolve", "person/\(id)/identity", "--take", "x", "--dir", aDir])
        #expect(unknown.code == .failure)
        #expect(unknown.err.contains(conflictID))
        let badVersion = runCLI(["resolve", conflictID, "--take", "150603002001:1#999", "--dir", aDir])
        #expect(badVersion.code == .failure)
        #expect(badVersion.err.contains("150603002001:1#999"))
        #expect(runCLI(["resolve", conflictID, "--data", "{\"name\":\"王五\"}", "--dir", aDir]).code == .failure)
        #expect(runCLI(["resolve", conflictID, "--dir", aDir]).code == .usage)

        // Take the street's version.
        let streetVersion = try #require(versions.first { $0["writer"] == .string(Self.street) }?["version"]?.stringValue)
        let resolved = runCLI(["resolve", conflictID, "--take", streetVersion, "--dir", aDir, "--json"])
        #expect(resolved.code == .success, "\(resolved.err)")
        #expect(try resolved.jsonLines().first?["resolved"] == true)
        #expect(try runCLI(["conflicts", "--dir", aDir, "--json"]).jsonLines().isEmpty)
        let after = try #require(try runCLI(["get", "person", id, "--dir", aDir, "--json"]).jsonLines().first)
        #expect(after["phone"] == "13800000002")
        #expect(after["_conflict"] == nil)
        // The resolution travels like any version.
        try b.apply(a.feed(after: 0, limit: 1000).map(\.version), from: Self.community)
        #expect(try runCLI(["conflicts", "--dir", bDir, "--json"]).jsonLines().isEmpty)
        #expect(runCLI(["conflicts", "--dir", bDir]).out.contains("没有未解决的冲突"))
    }

    @Test func resolveWithNewValues() throws {
        let aDir = try Self.initNode(Self.community)
        let bDir = try Self.initNode(Self.street)
        let id = Self.id(1)
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", Self.person(1)]).code == .success)
        let a = try Replica.open(path: aDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        let b = try Replica.open(path: bDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        try b.apply(a.feed(after: 0, limit: 1000).map(\.version), from: Self.community)
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000001\"}"]).code == .success)
        #expect(runCLI(["put", "person", "--dir", bDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000002\"}"]).code == .success)
        try a.apply(b.feed(after: 0, limit: 1000).map(\.version), from: Self.street)
        let conflictID = "person/\(id)/contact"
        #expect(runCLI(["resolve", conflictID, "--data", "{\"phone\":\"x\"}", "--dir", aDir]).code == .failure)
        let r = runCLI(["resolve", conflictID, "--data", "{\"phone\":\"13900000000\"}", "--dir", aDir])
        #expect(r.code == .success, "\(r.err)")
        #expect(try runCLI(["get", "person", id, "--dir", aDir, "--json"]).jsonLines().first?["phone"] == "13900000000")
        #expect(try runCLI(["conflicts", "--dir", aDir, "--json"]).jsonLines().isEmpty)
    }

    // MARK: direct SQL writes, status

    @Test("rootsync doctor: a sound replica passes, a row missing required fields is found (exit 1) and repaired, bad arguments are refused")
    func doctorFindsAndRepairs() throws {
        let dir = try Self.initNode()
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(1)]).code == .success)
        let sound = runCLI(["doctor", "--dir", dir])
        #expect(sound.code == .success && sound.out.contains("the replica is sound"), "\(sound.out)\(sound.err)")
        // A row without its name, written past the capture triggers (as an old release could leave it).
        let other = try Database(path: dir + "/replica.sqlite")
        try other.execute("INSERT INTO _rs_guard(name) VALUES('x'); INSERT INTO person(id_number) VALUES('\(Self.id(2))'); DELETE FROM _rs_guard")
        let found = runCLI(["doctor", "--dir", dir, "--json"])
        #expect(found.code == .failure)
        let lines = try found.jsonLines()
        #expect(lines.count == 1 && lines.first?["kind"] == "incomplete_row" && lines.first?["repaired"] == false, "\(found.out)")
        #expect(runCLI(["doctor", "--dir", dir, "--repair"]).code == .success)
        #expect(try other.scalarInt("SELECT count(*) FROM person WHERE id_number = ?", Self.id(2)) == 0)
        #expect(runCLI(["doctor", "--dir", dir]).code == .success)
        #expect(try runCLI(["get", "person", Self.id(1), "--dir", dir, "--json"]).jsonLines().first?["name"] == "张三")
        // Bad arguments: a usage error, and a directory that holds no replica.
        #expect(runCLI(["doctor", "--dir", dir, "--repiar"]).code == .usage)
        let missing = runCLI(["doctor", "--dir", Self.tempDir() + "/nothing"])
        #expect(missing.code != .success && missing.err.contains("rootsync init"), "\(missing.err)")
    }

    @Test func invalidDirectWriteIsListed() throws {
        let dir = try Self.initNode()
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(1)]).code == .success)
        #expect(try runCLI(["invalid", "--dir", dir, "--json"]).jsonLines().isEmpty)
        let other = try Database(path: dir + "/replica.sqlite")
        try other.execute("UPDATE person SET sex = '7' WHERE id_number = '\(Self.id(1))'")
        try other.execute("UPDATE person SET phone = '13700000000' WHERE id_number = '\(Self.id(1))'")

        let status = try #require(try runCLI(["status", "--dir", dir, "--json"]).jsonLines().first)
        #expect(status["pending_captured_writes"] == 2)
        #expect(status["invalid_writes"] == 1)

        let listed = runCLI(["invalid", "--dir", dir, "--json"])
        #expect(listed.code == .success)
        let writes = try listed.jsonLines()
        #expect(writes.count == 1)
        #expect(writes.first?["resource"] == "person")
        #expect(writes.first?["key"] == .string(Self.id(1)))
        #expect(writes.first?["problems"]?.arrayValue?.first?["field"] == "sex")
        #expect(writes.first?["row"]?["sex"] == "7")
        let readable = runCLI(["invalid", "--dir", dir])
        #expect(readable.out.contains("性别（sex）"))
        // The table holds what the other program wrote; get flags it as not versioned.
        let flagged = try #require(try runCLI(["get", "person", Self.id(1), "--dir", dir, "--json"]).jsonLines().first)
        #expect(flagged["_invalid"] == true)
        #expect(runCLI(["get", "person", Self.id(1), "--dir", dir]).out.contains("rootsync invalid"))

        try other.execute("UPDATE person SET sex = '1' WHERE id_number = '\(Self.id(1))'")
        #expect(try runCLI(["invalid", "--dir", dir, "--json"]).jsonLines().isEmpty)
        let fixed = try #require(try runCLI(["get", "person", Self.id(1), "--dir", dir, "--json"]).jsonLines().first)
        #expect(fixed["sex"] == "1")
        #expect(fixed["phone"] == "13700000000")
        #expect(fixed["_invalid"] == nil)
    }

    @Test func statusReportsLocalFacts() throws {
        let dir = try Self.initNode()
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(1)]).code == .success)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", Self.person(2)]).code == .success)
        let r = runCLI(["status", "--dir", dir, "--json"])
        #expect(r.code == .success)
        let o = try #require(try r.jsonLines().first)
        #expect(o["node"] == .string(Self.community))
        #expect(o["name"] == "珠江社区（示意代码）")
        #expect(o["level"] == "community")
        #expect(o["parent"] == .string(Self.street))
        #expect(o["epoch"] == 1)
        #expect(o["records"]?["person"] == 2)
        #expect(o["records"]?["house"] == 0)
        #expect(o["versions"] == 6)
        #expect(o["open_conflicts"] == 0)
        #expect(o["invalid_writes"] == 0)
        #expect(o["pending_captured_writes"] == 0)
        let readable = runCLI(["status", "--dir", dir])
        #expect(readable.out.contains("珠江社区"))
        #expect(readable.out.contains("人口 person"))
    }

    // MARK: the real binary

    @Test func executableRoundTrip() throws {
        let dir = Self.tempDir() + "/node"
        let initResult = try runProcess(["init", "--dir", dir, "--topology", Self.demoTopology, "--node", Self.community])
        #expect(initResult.code == 0, "\(initResult.err)")
        #expect(initResult.out.contains("replica.sqlite"))
        let file = URL(fileURLWithPath: Self.tempDir() + "/p.jsonl")
        try ((1...3).map { Self.person($0) }.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let put = try runProcess(["put", "person", "--dir", dir, "--file", file.path, "--json"])
        #expect(put.code == 0, "\(put.err)")
        #expect(put.out.contains("\"records\":3"))
        let viaStdin = try runProcess(["put", "person", "--dir", dir, "--file", "-"], stdinFile: file)
        #expect(viaStdin.code == 0, "\(viaStdin.err)")
        let got = try runProcess(["get", "person", Self.id(2), "--dir", dir, "--json"])
        #expect(got.code == 0)
        #expect(try JSONParser.parse(got.out.trimmingCharacters(in: .whitespacesAndNewlines))["name"] == "张三")
        #expect(try runProcess(["get", "person", Self.id(9), "--dir", dir]).code == 3)
        #expect(try runProcess(["list", "person", "--dir", dir, "--json"]).out.split(separator: "\n").count == 3)
        #expect(try runProcess(["status", "--dir", dir, "--bogus"]).code == 2)
        #expect(try runProcess(["put", "person", "--dir", dir, "--data", Self.person(4, extra: ",\"sex\":\"7\"")]).code == 1)
    }
}

/// Issue 14: every time a command shows is in the node's zone with its offset; --json in RFC 3339.
@Suite("rootsync times in the node's zone")
struct TimeZoneCommandTests {
    @Test("status, audit, history and invalid show Asia/Shanghai by default, another zone when node.json says so; a bad time_zone is refused naming the field")
    func oneZone() throws {
        let dir = try ReplicaCommandTests.initNode()
        let id = ReplicaCommandTests.id(41)
        #expect(runCLI(["put", "person", "--dir", dir, "--data", ReplicaCommandTests.person(41)]).code == .success)
        #expect(runCLI(["consumer", "add", "民政局系统", "--dir", dir]).code == .success, "an audited action")
        let rfc3339 = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/#
        let audit = try runCLI(["audit", "--dir", dir, "--json"]).jsonLines()
        #expect(!audit.isEmpty && audit.allSatisfy { ($0["at"]?.stringValue ?? "").wholeMatch(of: rfc3339) != nil }, "\(audit)")
        #expect(runCLI(["audit", "--dir", dir]).out.contains(" +08:00  "))
        let history = try JSONParser.parse(runCLI(["history", "person", id, "--dir", dir, "--json"]).out)
        let changes = history["changes"]?.arrayValue ?? []
        #expect(!changes.isEmpty && changes.allSatisfy { ($0["at"]?.stringValue ?? "").wholeMatch(of: rfc3339) != nil }, "\(history)")
        #expect(runCLI(["history", "person", id, "--dir", dir]).out.contains(" +08:00  "))
        #expect(!runCLI(["history", "person", id, "--dir", dir]).out.contains("UTC"))

        // The same instant in another zone.
        let file = (dir as NSString).appendingPathComponent("node.json")
        var o = try #require(try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: file)))).objectValue)
        o["time_zone"] = "UTC"
        try Data(JSONValue.object(o).text.utf8).write(to: URL(fileURLWithPath: file))
        let utc = try runCLI(["audit", "--dir", dir, "--json"]).jsonLines()
        #expect(!utc.isEmpty && utc.allSatisfy { $0["at"]?.stringValue?.hasSuffix("+00:00") == true }, "\(utc)")
        #expect(NodeTime.milliseconds(stored: utc.first?["at"]?.stringValue ?? "") == NodeTime.milliseconds(stored: audit.first?["at"]?.stringValue ?? "x"))
        let consumers = try runCLI(["consumer", "list", "--dir", dir, "--json"]).jsonLines()
        #expect(consumers.first?["created_at"]?.stringValue?.hasSuffix("+00:00") == true, "\(consumers)")

        o["time_zone"] = "Asia/Nowhere"
        let bad = JSONValue.object(o).text
        try Data(bad.utf8).write(to: URL(fileURLWithPath: file))
        for command in [["status"], ["audit"], ["history", "person", id]] {
            let r = runCLI(command + ["--dir", dir])
            #expect(r.code == .failure)
            #expect(r.err.contains("time_zone is not a known time zone name") && r.err.contains("time_zone 不是已知的时区名称"), "\(command): \(r.err)")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == bad, "node.json is left as it was")
    }
}
