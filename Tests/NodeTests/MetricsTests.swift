import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// Reads Prometheus text back into (series → value), for assertions.
func parseMetrics(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let value = line[line.index(after: space)...]
        out[String(line[..<space])] = value == "+Inf" ? .infinity : Double(value)
    }
    return out
}

@Suite("Node metrics", .serialized)
struct MetricsTests {
    static let street = SecurityTests.street, community = SecurityTests.community, neighbour = SecurityTests.neighbour

    @Test("the text format: HELP and TYPE once per family, labels escaped, histograms cumulative with +Inf, _sum and _count")
    func textFormat() {
        var p = PrometheusText()
        p.family("rootsync_x_total", .counter, "A line\\with \"quotes\"\nand a newline.")
        p.sample("rootsync_x_total", [("reason", "a\"b\\c\nd")], 3)
        var h = LatencyHistogram()
        for s in [0.001, 0.02, 0.02, 7.0, 99.0] { h.observe(s) }
        p.family("rootsync_t_seconds", .histogram, "Durations.")
        p.histogram("rootsync_t_seconds", [("endpoint", "/v1/hello")], h)
        let text = p.text
        #expect(text.contains("# HELP rootsync_x_total A line\\\\with \"quotes\"\\nand a newline.\n# TYPE rootsync_x_total counter\n"))
        #expect(text.contains("rootsync_x_total{reason=\"a\\\"b\\\\c\\nd\"} 3\n"))
        let m = parseMetrics(text)
        #expect(m["rootsync_t_seconds_bucket{endpoint=\"/v1/hello\",le=\"0.005\"}"] == 1)
        #expect(m["rootsync_t_seconds_bucket{endpoint=\"/v1/hello\",le=\"0.025\"}"] == 3)
        #expect(m["rootsync_t_seconds_bucket{endpoint=\"/v1/hello\",le=\"10\"}"] == 4)
        #expect(m["rootsync_t_seconds_bucket{endpoint=\"/v1/hello\",le=\"30\"}"] == 4)
        #expect(m["rootsync_t_seconds_bucket{endpoint=\"/v1/hello\",le=\"+Inf\"}"] == 5)
        #expect(m["rootsync_t_seconds_count{endpoint=\"/v1/hello\"}"] == 5)
        #expect(abs((m["rootsync_t_seconds_sum{endpoint=\"/v1/hello\"}"] ?? 0) - 106.041) < 1e-9)
    }

    @Test("endpoint labels are routes, never paths with keys or codes in them")
    func endpointLabels() {
        #expect(NodeServer.endpoint("/v1/records/person/150603198001010018") == "/v1/records")
        #expect(NodeServer.endpoint("/v1/records/person/150603198001010018/history") == "/v1/records")
        #expect(NodeServer.endpoint("/v1/catalogue/drafts/150603002001-1/review") == "/v1/catalogue")
        #expect(NodeServer.endpoint("/v1/catalogue/exchange") == "/v1/catalogue/exchange")
        #expect(NodeServer.endpoint("/v1/sync/push") == "/v1/sync/push")
        #expect(NodeServer.endpoint("/v1/sync/anything") == "other")
        #expect(NodeServer.endpoint("/metrics") == "/metrics")
        #expect(NodeServer.endpoint("/") == "/")
        #expect(NodeServer.endpoint("/some/%2F/thing") == "other")
        // The web app's pages, API and files: one label each, whatever follows.
        #expect(NodeServer.endpoint("/app/records/person/150603198001010018") == "/app")
        #expect(NodeServer.endpoint("/app") == "/app")
        #expect(NodeServer.endpoint("/assets/app.js") == "/assets")
    }

    @Test("/metrics over HTTP counts requests by endpoint and status, failed authentications and refused pushes by reason, and shows the held data")
    func countsWhatHappened() throws {
        let s = try SecurityTests.Setup()
        let server = s.server
        let http = HTTPServer(host: "127.0.0.1", port: 0, admit: { server.admit($0) }, observe: { server.observe($0) }) { server.handle($0) }
        try http.start()
        defer { http.stop(grace: 1) }
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(http.port)")
        func sync(_ method: String, _ path: String, token: String, body: String = "") throws -> HTTPResponse {
            try client.send(method: method, path: path, headers: ["X-Rootsync-Node": Self.community, "Authorization": "Bearer \(token)",
                                                                  "Content-Type": "application/json"], body: Array(body.utf8))
        }
        #expect(try client.send(method: "GET", path: "/v1/hello").status == 200)
        #expect(try sync("GET", "/v1/sync/have", token: s.credential).status == 200)
        #expect(try sync("GET", "/v1/sync/have", token: "wrong").status == 401)
        // A push of a record outside the community's subtree: refused whole.
        let intruder = PushAttackTests.version(key: Tree.id(901), group: "residence", seq: 1,
                                               values: PushAttackTests.residence(Self.neighbour), scope: Self.neighbour)
        let push = try sync("POST", "/v1/sync/push", token: s.credential,
                            body: "{\"catalogue\":1,\"through\":{},\"versions\":\(JSONValue.array([intruder]).text)}")
        #expect(push.status == 403, "\(push.bodyText ?? "")")
        try s.tree[Self.street].put("person", JSONObject([("id_number", .string(Tree.id(7))), ("name", "王五"),
                                                            ("community_code", .string(Self.community))]))

        let page = try client.send(method: "GET", path: "/metrics")
        #expect(page.status == 200)
        #expect(page.headers["Content-Type"] == PrometheusText.contentType)
        let m = parseMetrics(try #require(page.bodyText))
        #expect(m["rootsync_http_requests_total{endpoint=\"/v1/hello\",method=\"GET\",status=\"200\"}"] == 1)
        #expect(m["rootsync_http_requests_total{endpoint=\"/v1/sync/have\",method=\"GET\",status=\"200\"}"] == 1)
        #expect(m["rootsync_http_requests_total{endpoint=\"/v1/sync/have\",method=\"GET\",status=\"401\"}"] == 1)
        #expect(m["rootsync_http_requests_total{endpoint=\"/v1/sync/push\",method=\"POST\",status=\"403\"}"] == 1)
        #expect(m["rootsync_http_request_duration_seconds_count{endpoint=\"/v1/hello\"}"] == 1)
        #expect((m["rootsync_http_request_body_bytes_total{endpoint=\"/v1/sync/push\"}"] ?? 0) > 100)
        #expect((m["rootsync_http_response_body_bytes_total{endpoint=\"/v1/hello\"}"] ?? 0) > 10)
        #expect(m["rootsync_auth_failures_total{reason=\"invalid_credential\"}"] == 1)
        #expect(m["rootsync_pushes_refused_total{reason=\"outside_jurisdiction\"}"] == 1, "\(m.filter { $0.key.contains("refused") })")
        #expect(m["rootsync_records{resource=\"person\"}"] == 1)
        #expect(m["rootsync_versions{resource=\"person\"}"] == Double(try s.tree[Self.street].versionCounts(updating: nil).perResource["person"] ?? -1))
        #expect(m["rootsync_agent_info{node=\"\(Self.street)\",level=\"street\",version=\"\(AgentVersion.current)\"}"] == 1)
        #expect(m["rootsync_catalogue_version"] == 1 && m["rootsync_epoch"] == 1)
        #expect((m["rootsync_database_size_bytes"] ?? 0) > 0)
        // The community was heard from: its last contact is shown; the parent link never succeeded: absent.
        #expect(m["rootsync_link_last_success_age_seconds{link=\"\(Self.community)\",role=\"child\"}"] != nil)
        #expect(m["rootsync_link_last_success_age_seconds{link=\"150603\",role=\"parent\"}"] == nil)
        #expect(m["rootsync_link_versions_behind{link=\"\(Self.community)\",role=\"child\",direction=\"down\"}"].map { $0 > 0 } == true)
        #expect(m["rootsync_link_versions_behind{link=\"150603\",role=\"parent\",direction=\"up\"}"].map { $0 > 0 } == true)
    }

    @Test("/metrics follows the local API's rule: loopback, or elsewhere only with the local API credential")
    func accessRule() throws {
        let s = try SecurityTests.Setup()
        #expect(s.request("GET", "/metrics", token: nil).status == 200)
        let away = s.request("GET", "/metrics", token: nil, from: "10.20.30.40")
        #expect(away.status == 403, "\(away.bodyText ?? "")")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-metrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let credential = try LocalAPICredential.create(directory: dir)
        s.server.localAPICredentialFile = LocalAPICredential.path(directory: dir)
        #expect(s.request("GET", "/metrics", token: "wrong", from: "10.20.30.40").status == 401)
        #expect(s.request("GET", "/metrics", token: credential, from: "10.20.30.40").status == 200)
        #expect(s.request("POST", "/metrics", token: nil).status == 404)
    }
}
