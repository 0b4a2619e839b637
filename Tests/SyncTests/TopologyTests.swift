import Foundation
import Testing
import JSON
import Standards
@testable import Sync

/// The repository root, found from this file's path (Tests/SyncTests/TopologyTests.swift).
private let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let demoPath = repositoryRoot.appendingPathComponent("Topology/demo.json").path

/// A node object for hand-built topologies.
private func node(_ code: String, _ level: String, parent: String? = nil, listen: String? = nil) -> JSONValue {
    var o = JSONObject()
    o["code"] = .string(code)
    o["name"] = .string("node \(code)")
    o["level"] = .string(level)
    if let parent { o["parent"] = .string(parent) }
    if let listen { o["listen"] = .string(listen) }
    return .object(o)
}

/// city 150600 → district 150602 → street 150602001 → community 150602001001.
private let chain: [JSONValue] = [
    node("150600", "city", listen: "127.0.0.1:7600"),
    node("150602", "district", parent: "150600", listen: "127.0.0.1:7602"),
    node("150602001", "street", parent: "150602", listen: "127.0.0.1:7611"),
    node("150602001001", "community", parent: "150602001"),
]

private func document(_ nodes: [JSONValue]) -> JSONValue {
    .object(JSONObject([("name", "test"), ("description", "测试"), ("nodes", .array(nodes))]))
}

/// Replaces member `key` of the node with `code` (nil removes it).
private func setting(_ nodes: [JSONValue], _ code: String, _ key: String, _ value: JSONValue?) -> [JSONValue] {
    var found = false
    let out = nodes.map { n -> JSONValue in
        guard n["code"]?.stringValue == code, case .object(var o) = n else { return n }
        found = true
        o[key] = value
        return .object(o)
    }
    if !found { Issue.record("no node \(code) to edit") }
    return out
}

private func parse(_ json: JSONValue, divisions: DivisionTable? = nil) throws -> Topology {
    try Topology.parse(Array(json.text.utf8), divisions: divisions)
}

/// The problems a topology is refused with; records a failure if it is accepted.
private func problems(_ bytes: [UInt8], divisions: DivisionTable? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    do {
        _ = try Topology.parse(bytes, divisions: divisions)
        Issue.record("the topology was accepted", sourceLocation: sourceLocation)
        return []
    } catch let error as TopologyError {
        return error.problems
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

private func problems(_ nodes: [JSONValue], divisions: DivisionTable? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    problems(Array(document(nodes).text.utf8), divisions: divisions, sourceLocation: sourceLocation)
}

/// Expects exactly one problem, containing every fragment.
private func expectOnly(_ problems: [String], _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.count == 1, "expected one problem, got \(problems)", sourceLocation: sourceLocation)
    expectSome(problems, fragments, sourceLocation: sourceLocation)
}

private func expectSome(_ problems: [String], _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.contains { p in fragments.allSatisfy { p.contains($0) } },
            "no problem mentions \(fragments): \(problems)", sourceLocation: sourceLocation)
}

@Suite("Topology: the demo file")
struct DemoTopologyTests {
    @Test("demo.json parses: 15 nodes, one city, 2 districts, 4 streets, 8 communities")
    func demoParses() throws {
        let topology = try Topology.load(path: demoPath)
        #expect(topology.name == "demo")
        #expect(!topology.description.isEmpty)
        #expect(topology.nodes.count == 15)
        #expect(topology.city.code == "150600")
        #expect(topology.city.name == "鄂尔多斯市")
        #expect(topology.city.parent == nil)
        let byLevel = Dictionary(grouping: topology.nodes, by: \.level).mapValues(\.count)
        #expect(byLevel == [.city: 1, .district: 2, .street: 4, .community: 8])
        // Nodes keep file order.
        #expect(topology.nodes.first?.code == "150600")
        #expect(topology.nodes.last?.code == "150603002002")
    }

    @Test("demo.json also passes the GB/T 2260 check")
    func demoWithDivisions() throws {
        let plain = try Topology.load(path: demoPath)
        let checked = try Topology.load(path: demoPath, divisions: DivisionTable.bundled)
        #expect(plain == checked)
    }

    @Test("children and listen addresses")
    func children() throws {
        let t = try Topology.load(path: demoPath)
        #expect(t.children(of: "150600").map(\.code) == ["150602", "150603"])
        #expect(t.children(of: "150602").map(\.code) == ["150602001", "150602002"])
        #expect(t.children(of: "150603002").map(\.code) == ["150603002001", "150603002002"])
        #expect(t.children(of: "150603002002").isEmpty)
        #expect(t.children(of: "999999").isEmpty)
        for n in t.nodes {
            // Every node with children listens; communities (leaves) do not need to.
            if !t.children(of: n.code).isEmpty { #expect(n.listen != nil, "\(n.code)") }
            if n.level == .community { #expect(n.listen == nil) }
        }
        #expect(t.node("150602001")?.listen == "127.0.0.1:7611")
        #expect(t.node("150602001")?.name == "交通街道")
        #expect(Set(t.nodes.compactMap(\.listen)).count == 7)
    }

    @Test("ancestry runs from the node up to the city")
    func ancestry() throws {
        let t = try Topology.load(path: demoPath)
        #expect(t.ancestry(of: "150603002002").map(\.code) == ["150603002002", "150603002", "150603", "150600"])
        #expect(t.ancestry(of: "150602001").map(\.code) == ["150602001", "150602", "150600"])
        #expect(t.ancestry(of: "150600").map(\.code) == ["150600"])
        #expect(t.ancestry(of: "150699").isEmpty)
        for n in t.nodes {
            let line = t.ancestry(of: n.code)
            #expect(line.last?.code == "150600")
            #expect(zip(line, line.dropFirst()).allSatisfy { $0.parent == $1.code })
        }
    }

    @Test("a missing file is reported")
    func missingFile() {
        #expect(throws: TopologyError(["cannot read /nonexistent/topology.json"])) {
            try Topology.load(path: "/nonexistent/topology.json")
        }
    }

    @Test("a hand-built chain parses")
    func chainParses() throws {
        let t = try parse(document(chain), divisions: DivisionTable.bundled)
        #expect(t.nodes.map(\.level) == [.city, .district, .street, .community])
        #expect(t.name == "test")
        #expect(t.ancestry(of: "150602001001").count == 4)
        // IPv6 and host names are host:port too.
        _ = try parse(document(setting(chain, "150600", "listen", "[::1]:7600")))
        _ = try parse(document(setting(chain, "150600", "listen", "city.example.gov.cn:443")))
    }
}

@Suite("Topology: every rule is enforced")
struct TopologyRuleTests {
    @Test("duplicate code")
    func duplicateCode() {
        let p = problems(chain + [node("150602", "district", parent: "150600", listen: "127.0.0.1:7699")])
        expectOnly(p, "node 150602 appears twice")
    }

    @Test("two cities, or none")
    func cityCount() {
        let p = problems(chain + [node("150700", "city", listen: "127.0.0.1:7700")])
        expectOnly(p, "exactly one city node, found 2")
        let q = problems(Array(chain.dropFirst()))
        expectSome(q, ["exactly one city node, found 0"])
        expectSome(q, ["node 150602", "parent 150600 is not in the topology"])
    }

    @Test("the city has no parent")
    func cityWithParent() {
        expectOnly(problems(setting(chain, "150600", "parent", "150000")), "node 150600: the city has no parent")
    }

    @Test("level not matching the code's shape")
    func levelShape() {
        let p = problems(setting(chain, "150602001001", "level", "street"))
        expectSome(p, ["node 150602001001", "12-digit code", "is a community, not a street"])
        let q = problems(setting(chain, "150602", "level", "city"))
        expectSome(q, ["node 150602", "is a district, not a city"])
        let r = problems(setting(chain, "150600", "level", "district"))
        expectSome(r, ["node 150600", "is a city, not a district"])
        let s = problems(setting(chain, "150602001", "level", "community"))
        expectSome(s, ["node 150602001", "9-digit code", "is a street, not a community"])
    }

    @Test("a 6-digit province code is not a city")
    func provinceAsCity() {
        let p = problems([node("150000", "city", listen: "127.0.0.1:7600")])
        expectSome(p, ["node 150000", "province"])
    }

    @Test("unknown or missing level", arguments: ["province", "village", "City", ""])
    func badLevel(_ level: String) {
        let p = problems(setting(chain, "150602001001", "level", .string(level)))
        expectOnly(p, "node 150602001001: level must be city, district, street or community")
        let q = problems(setting(chain, "150602001001", "level", nil))
        expectOnly(q, "node 150602001001: level must be")
    }

    @Test("malformed code", arguments: ["15060", "1506020", "1506020010", "15060A", "１５０６００", "15060200100１"])
    func badCode(_ code: String) {
        let p = problems(chain + [node(code, "community", parent: "150602001")])
        expectOnly(p, "nodes[4]: code must be a 6, 9 or 12-digit division code")
    }

    @Test("a code that is a JSON number is refused")
    func numericCode() {
        let n: JSONValue = ["code": 150603, "level": "district", "parent": "150600"]
        expectOnly(problems(chain + [n]), "nodes[4]: code must be")
    }

    @Test("missing parent, or a parent not in the topology")
    func missingParent() {
        expectOnly(problems(setting(chain, "150602", "parent", nil)), "node 150602: parent is required")
        let p = problems(chain + [node("150603", "district", parent: "150700")])
        expectOnly(p, "node 150603: parent 150700 is not in the topology")
    }

    @Test("parent of the wrong level")
    func parentLevel() {
        let p = problems(setting(chain, "150602001001", "parent", "150602"))
        expectOnly(p, "node 150602001001", "a community's parent must be a street, 150602 is a district")
        let q = problems(chain + [node("150602002", "street", parent: "150600")])
        expectSome(q, ["node 150602002", "a street's parent must be a district, 150600 is a city"])
        let r = problems(chain + [node("150603", "district", parent: "150602")])
        expectSome(r, ["node 150603", "a district's parent must be a city, 150602 is a district"])
    }

    @Test("a child's code must start with its parent's prefix")
    func prefix() {
        let p = problems(chain + [node("150603001", "street", parent: "150602")])
        expectOnly(p, "node 150603001: code must start with its parent's 150602")
        let q = problems(chain + [node("150702", "district", parent: "150600")])
        expectOnly(q, "node 150702: code must start with its parent's 1506")
        let r = problems(chain + [node("150602002001", "community", parent: "150602001")])
        expectOnly(r, "node 150602002001: code must start with its parent's 150602001")
    }

    @Test("a node with children needs a listen address")
    func listenRequired() {
        expectOnly(problems(setting(chain, "150602001", "listen", nil)),
                   "node 150602001 has children and so needs a listen address")
        expectOnly(problems(setting(chain, "150600", "listen", nil)),
                   "node 150600 has children and so needs a listen address")
        // A leaf may listen (local API) or not.
        #expect(throws: Never.self) { try parse(document(setting(chain, "150602001001", "listen", "127.0.0.1:7700"))) }
    }

    @Test("two nodes on the same listen address")
    func sameListen() {
        let p = problems(setting(chain, "150602001", "listen", "127.0.0.1:7602"))
        expectOnly(p, "nodes 150602 and 150602001 both listen on 127.0.0.1:7602")
    }

    @Test("malformed listen", arguments: [
        "localhost", "127.0.0.1", ":7600", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:port", "", "127.0.0.1:-1",
    ])
    func malformedListen(_ listen: String) {
        let p = problems(setting(chain, "150602", "listen", .string(listen)))
        expectOnly(p, "node 150602: listen must be host:port, found \(listen)")
    }

    @Test("an unknown 6-digit division code is refused when a DivisionTable is given")
    func unknownDivision() throws {
        let extra = chain + [node("150699", "district", parent: "150600")]
        // Without a table only the shape is checked.
        #expect(throws: Never.self) { try parse(document(extra)) }
        let p = problems(extra, divisions: DivisionTable.bundled)
        expectOnly(p, "node 150699: not a GB/T 2260 code")
        // The city itself.
        let cityOnly = [node("159900", "city")]
        #expect(throws: Never.self) { try parse(document(cityOnly)) }
        expectOnly(problems(cityOnly, divisions: DivisionTable.bundled), "node 159900: not a GB/T 2260 code")
    }

    @Test("bad JSON, or no nodes")
    func badJSON() {
        let p = problems(Array("{\"nodes\": [".utf8))
        #expect(p.count == 1)
        expectSome(p, ["invalid JSON"])
        expectOnly(problems(Array("{\"nodes\": [],}".utf8)), "invalid JSON")
        expectOnly(problems(Array("[]".utf8)), "\"nodes\" must be a non-empty array")
        expectOnly(problems(Array("{}".utf8)), "\"nodes\" must be a non-empty array")
        expectOnly(problems(Array("{\"nodes\": []}".utf8)), "\"nodes\" must be a non-empty array")
        expectOnly(problems(Array("{\"nodes\": {}}".utf8)), "\"nodes\" must be a non-empty array")
    }

    @Test("several problems are reported together")
    func severalProblems() {
        var nodes = chain
        nodes = setting(nodes, "150602001", "listen", nil)               // children but no listen
        nodes = setting(nodes, "150602", "listen", "127.0.0.1:7600")      // same listen as the city
        nodes += [
            node("150700", "city", listen: "localhost"),                  // second city, bad listen
            node("150602", "district", parent: "150600", listen: "127.0.0.1:7699"), // duplicate
            node("150603001", "street", parent: "150602"),                // wrong prefix
            node("150603", "district"),                                   // no parent
            node("150699", "district", parent: "150600"),                 // unknown with a table
            node("12345", "district", parent: "150600"),                  // bad code
        ]
        let p = problems(nodes, divisions: DivisionTable.bundled)
        expectSome(p, ["node 150602001 has children and so needs a listen address"])
        expectSome(p, ["nodes 150600 and 150602 both listen on 127.0.0.1:7600"])
        expectSome(p, ["node 150700: listen must be host:port"])
        expectSome(p, ["exactly one city node, found 2"])
        expectSome(p, ["node 150602 appears twice"])
        expectSome(p, ["node 150603001: code must start with its parent's 150602"])
        expectSome(p, ["node 150603: parent is required"])
        expectSome(p, ["node 150699: not a GB/T 2260 code"])
        expectSome(p, ["nodes[9]: code must be"])
        #expect(p.count == 9, "\(p)")

        do {
            _ = try Topology.parse(Array(document(nodes).text.utf8), divisions: DivisionTable.bundled)
        } catch let e as TopologyError {
            #expect(e.description.hasPrefix("拓扑文件无效 / invalid topology:"))
            #expect(e.description.split(separator: "\n").count == e.problems.count + 1)
        } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite("Topology listen addresses")
struct ListenAddressTests {
    @Test(arguments: ["127.0.0.1:7600", "localhost:1", "[::1]:8080", "10.0.0.1:65535"])
    func accepted(_ s: String) { #expect(Topology.isHostPort(s)) }

    @Test(arguments: ["127.0.0.1:0", "host:+80", "a:b:80", "host:65536", ":80", "host:", "host", "[::1:80", "ho st:80"])
    func refused(_ s: String) { #expect(!Topology.isHostPort(s)) }
}
