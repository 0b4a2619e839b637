// Issue 14: `/metrics` of real agents, checked by Prometheus's own promtool.
import Foundation
import JSON
import Node
import Standards
import Testing
import TestSupport

/// promtool: on PATH, or where Scripts/install-test-tools unpacked it (.build/test-tools).
func promtool() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var candidates = [root.appendingPathComponent(".build/test-tools/promtool").path]
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/promtool") }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw HarnessError("promtool not found (looked in \(candidates)); run Scripts/install-test-tools (Scripts/test does)")
    }
    return found
}

/// `promtool check metrics` on a scrape: exit code and what it said.
func checkWithPromtool(_ text: String) throws -> ProcessResult {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rs-metrics-\(UUID().uuidString).txt").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    defer { try? FileManager.default.removeItem(atPath: file) }
    return try programs.run("/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", try promtool(), file], timeout: 60)
}

/// Series → value of a Prometheus text page.
func metricValues(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        out[String(line[..<space])] = Double(line[line.index(after: space)...])
    }
    return out
}

@Suite("Metrics (real agents)", .serialized)
struct MetricsIntegrationTests {
    static let city = "150600", district = "150603", street = "150603002"

    @Test("every agent's /metrics passes promtool check metrics and tells links, held data, auth failures and rounds; a parent that goes away shows as failures by reason")
    func scrapedByPromtool() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city), (Self.street, Self.district)])
        defer { h.shutdown() }
        try h.startAll()
        let id = CitizenID.complete("15060319800101003")!
        try h.put(Self.street, "person", person(id, name: "赵六", community: "150603002001"))
        #expect(try h.waitFor(Self.city, "person", id) != nil, "\(h.logs())")
        #expect(try curl("GET", "\(h.url(Self.district))/v1/sync/have", headers: ["X-Rootsync-Node": Self.street, "Authorization": "Bearer wrong"]).status == 401)

        let page = try curl("GET", "\(h.url(Self.district))/metrics", timeout: 10)
        #expect(page.status == 200)
        let check = try checkWithPromtool(page.body)
        #expect(check.code == 0, "promtool: \(check.out) \(check.err)\n\(page.body)")
        #expect(check.out.isEmpty && check.err.isEmpty, "promtool lint findings: \(check.out) \(check.err)")
        let m = metricValues(page.body)
        #expect(m["rootsync_records{resource=\"person\"}"] == 1)
        #expect((m["rootsync_versions{resource=\"person\"}"] ?? 0) >= 1)
        #expect(m["rootsync_agent_info{node=\"\(Self.district)\",level=\"district\",version=\"\(AgentVersion.current)\"}"] == 1)
        #expect((m["rootsync_sync_rounds_total{result=\"ok\"}"] ?? 0) >= 1)
        #expect((m["rootsync_auth_failures_total{reason=\"invalid_credential\"}"] ?? 0) >= 1)
        #expect(m["rootsync_http_requests_total{endpoint=\"/v1/sync/have\",method=\"GET\",status=\"401\"}"] == 1)
        #expect(m["rootsync_link_last_success_age_seconds{link=\"\(Self.city)\",role=\"parent\"}"].map { $0 < 60 } == true, "\(page.body)")
        #expect(m["rootsync_link_last_success_age_seconds{link=\"\(Self.street)\",role=\"child\"}"].map { $0 < 60 } == true, "\(page.body)")
        #expect(m["rootsync_link_versions_behind{link=\"\(Self.city)\",role=\"parent\",direction=\"up\"}"] == 0)
        #expect((m["rootsync_link_sent_bytes_total"] ?? 0) > 0 && (m["rootsync_link_received_bytes_total"] ?? 0) > 0)

        // The street is a leaf: its /metrics is on its recorded local API address.
        let local = try #require(try NodeConfig.load(directory: h.dir(Self.street)).localAPI)
        let leaf = try curl("GET", "http://\(local)/metrics", timeout: 10)
        #expect(leaf.status == 200)
        let leafCheck = try checkWithPromtool(leaf.body)
        #expect(leafCheck.code == 0 && leafCheck.out.isEmpty && leafCheck.err.isEmpty, "promtool: \(leafCheck.out) \(leafCheck.err)")

        // The city goes away: the district's rounds fail, counted as unreachable.
        h.stop(Self.city)
        let failing = waitUntil(30) {
            let m = metricValues((try? curl("GET", "\(h.url(Self.district))/metrics", timeout: 5))?.body ?? "")
            return (m["rootsync_link_failures_total{link=\"\(Self.city)\",reason=\"unreachable\"}"] ?? 0) >= 1
        }
        #expect(failing, "\(h.logs([Self.district]))")
    }
}
