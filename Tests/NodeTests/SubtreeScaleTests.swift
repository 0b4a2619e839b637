import Foundation
import JSON
import Sync
import Testing
import Transport
@testable import Node

/// Ordos's real scale, simulated in-process (real agents would be too many for two cores):
/// 1 city, 9 districts, 90 streets, 1,300 communities. Every node reports up as its agent does
/// after a round, each parent keeps what it hears in its subtree-health.json; the city then
/// knows every node, and each report's size is measured.
@Suite("Subtree health at Ordos's scale")
struct SubtreeScaleTests {
    @Test("1 city, 9 districts, 90 streets, 1,300 communities: the city knows all 1,399 nodes below it after one report per level; sizes stay bounded")
    func ordos() throws {
        let city = "150600"
        let districts = (1...9).map { "1506" + String(format: "%02d", $0) }
        var streets: [String: [String]] = [:], communities: [String: [String]] = [:]
        var streetIndex = 0
        for d in districts {
            streets[d] = (1...10).map { d + String(format: "%03d", $0) }
            for s in streets[d]! {
                let count = streetIndex < 40 ? 15 : 14
                communities[s] = (1...count).map { s + String(format: "%03d", $0) }
                streetIndex += 1
            }
        }
        #expect(communities.values.map(\.count).reduce(0, +) == 1_300)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rs-scale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        func store(_ code: String) throws -> SubtreeHealthStore {
            let dir = base.appendingPathComponent(code).path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return SubtreeHealthStore(directory: dir)
        }
        func own(_ code: String, _ now: Int64) -> NodeHealth {
            NodeHealth(node: code, reportedMilliseconds: now, catalogueVersion: 1, agentVersion: AgentVersion.current, epoch: 1,
                       records: 12_345, openConflicts: 1, invalidWrites: 2, waitingUp: 0, worstChildBacklog: 0, lastParentSuccessMilliseconds: now)
        }
        func send(_ report: HealthReport, from child: String, to parent: SubtreeHealthStore, at now: Int64) throws -> (raw: Int, gzip: Int) {
            // Through the wire's bytes, as the HTTP link carries them.
            let bytes = Array(report.json.text.utf8)
            try parent.receive(HealthReport(json: JSONParser.parse(bytes: bytes)), from: child, at: now)
            return (bytes.count, Gzip.compress(bytes).count)
        }
        let cityStore = try store(city)
        var districtSizes: [(raw: Int, gzip: Int)] = []
        var streetSizes: [(raw: Int, gzip: Int)] = []
        var now: Int64 = 1_777_600_000_000
        for d in districts {
            let districtStore = try store(d)
            for s in streets[d]! {
                let streetStore = try store(s)
                for c in communities[s]! {
                    now += 1
                    _ = try send(SubtreeView.report(own: own(c, now), below: []), from: c, to: streetStore, at: now)
                }
                now += 1
                streetSizes.append(try send(SubtreeView.report(own: own(s, now), below: streetStore.load()), from: s, to: districtStore, at: now))
            }
            now += 1
            districtSizes.append(try send(SubtreeView.report(own: own(d, now), below: districtStore.load()), from: d, to: cityStore, at: now))
        }
        let known = cityStore.load()
        #expect(known.count == 9 + 90 + 1_300)
        #expect(Set(known.map(\.node)) == Set(districts + streets.values.flatMap { $0 } + communities.values.flatMap { $0 }))
        #expect(known.allSatisfy { $0.heardMilliseconds != nil }, "every node was heard by its own parent")
        let view = SubtreeView.json(own: own(city, now), below: known, now: now, staleAfter: 300, time: .standard)
        #expect(view["nodes_known"]?.int64Value == 1_400 && view["nodes_stale"]?.int64Value == 0)
        let file = try Data(contentsOf: URL(fileURLWithPath: cityStore.path)).count
        let largest = districtSizes.max { $0.raw < $1.raw }!
        let largestStreet = streetSizes.max { $0.raw < $1.raw }!
        // The numbers docs/OPERATIONS.md quotes.
        print("subtree health at Ordos scale: per node \(file / known.count) B; largest district report \(largest.raw) B (\(largest.gzip) B gzip); "
              + "largest street report \(largestStreet.raw) B (\(largestStreet.gzip) B gzip); city's file \(file) B for \(known.count) nodes")
        #expect(largest.raw < 1 << 20, "a district's report stays far below the 16 MiB body cap")
        #expect(file < 1 << 20)
    }
}

/// `POST /v1/sync/health` at the parent: only an authenticated child, only its own subtree.
@Suite("Subtree health endpoint")
struct SubtreeHealthEndpointTests {
    static let community = SecurityTests.community, neighbour = SecurityTests.neighbour

    static func report(_ nodes: [String], now: Int64 = 1_777_600_000_000) -> String {
        HealthReport(nodes: nodes.map {
            NodeHealth(node: $0, reportedMilliseconds: now, catalogueVersion: 1, agentVersion: "0.1.0", epoch: 1, records: 1,
                       openConflicts: 0, invalidWrites: 0, waitingUp: 0, worstChildBacklog: 0, lastParentSuccessMilliseconds: nil)
        }).json.text
    }

    @Test("a child's report is kept and shown in /v1/status/tree; another node's, a forged one and an unauthenticated one are refused and change nothing")
    func endpoint() throws {
        let s = try SecurityTests.Setup()
        let ok = s.request("POST", "/v1/sync/health", token: s.credential, body: Self.report([Self.community]))
        #expect(ok.status == 200, "\(ok.bodyText ?? "")")
        let tree = try JSONParser.parse(bytes: s.request("GET", "/v1/status/tree", token: nil).body)
        #expect(tree["nodes_known"]?.int64Value == 2, "\(tree)")
        #expect(tree["nodes"]?.arrayValue?.last?["node"]?.stringValue == Self.community)
        #expect(tree["nodes"]?.arrayValue?.last?["stale"] == .bool(false))
        let before = try Data(contentsOf: URL(fileURLWithPath: s.server.subtreeHealth.path))
        #expect(s.request("POST", "/v1/sync/health", token: s.credential, body: Self.report([Self.community, Self.neighbour])).status == 400)
        #expect(s.request("POST", "/v1/sync/health", token: s.credential, body: Self.report([Self.neighbour])).status == 400)
        #expect(s.request("POST", "/v1/sync/health", token: s.credential, body: "{\"nodes\": 5}").status == 400)
        #expect(s.request("POST", "/v1/sync/health", token: "wrong", body: Self.report([Self.community])).status == 401)
        #expect(try Data(contentsOf: URL(fileURLWithPath: s.server.subtreeHealth.path)) == before)
        #expect(s.request("GET", "/v1/status/tree", token: nil, from: "10.1.2.3").status == 403)
        for bad in ["abc", "0", "-3"] {
            let r = s.server.handle(HTTPRequest(method: "GET", path: "/v1/status/tree", queryItems: [URLQueryItem(name: "stale_after", value: bad)],
                                                remoteAddress: "127.0.0.1"))
            #expect(r.status == 400, "\(bad): \(r.bodyText ?? "")")
        }
    }
}
