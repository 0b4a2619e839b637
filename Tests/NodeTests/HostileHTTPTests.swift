import Foundation
import JSON
import Testing
import TestSupport
import Transport
@testable import Node
@testable import Replica
#if canImport(Glibc)
import Glibc
#endif

/// Issue 11 (findings 4, 5, 7) through the real HTTP server on loopback, with `NodeServer`'s
/// admission and handler as `rootsync serve` wires them: one enrolled community's credential,
/// or none, is all the attacker has.
@Suite("Node: hostile HTTP", .serialized)
struct HostileHTTPTests {
    /// A street's NodeServer behind a real HTTPServer, and clients for it.
    final class Served {
        let setup: SecurityTests.Setup
        let http: HTTPServer
        let client: HTTPClient

        init(limits: HTTPServer.Limits = HTTPServer.Limits()) throws {
            setup = try SecurityTests.Setup()
            let node = setup.server
            http = HTTPServer(host: "127.0.0.1", port: 0, limits: limits, threads: 4, admit: { node.admit($0) }) { node.handle($0) }
            try http.start()
            client = try HTTPClient(baseURL: "http://127.0.0.1:\(http.port)", options: .init(connectTimeout: 2, totalTimeout: 60))
        }

        deinit { http.stop(grace: 1) }

        func auth(_ token: String, node: String = SecurityTests.community) -> HTTPHeaders {
            ["X-Rootsync-Node": node, "Authorization": "Bearer \(token)"]
        }
    }

    @Test("finding 4: bodies are not read before authentication; bombs stop at the endpoint's cap")
    func bombs() throws {
        let s = try Served()
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 300 << 20), level: 1)
        // No credential: refused on the head, before one byte of the bomb is inflated.
        let anonymous = try s.client.send(method: "POST", path: "/v1/sync/push", headers: ["Content-Encoding": "gzip"], body: bomb)
        #expect(anonymous.status == 401 && anonymous.isJSON, "\(anonymous.status) \(anonymous.bodyText ?? "")")
        var wrong = s.auth(String(repeating: "0", count: 64))
        wrong["Content-Encoding"] = "gzip"
        #expect(try s.client.send(method: "POST", path: "/v1/sync/push", headers: wrong, body: bomb).status == 401)
        // A valid credential: inflated only up to the push cap.
        var valid = s.auth(s.setup.credential)
        valid["Content-Encoding"] = "gzip"
        let capped = try s.client.send(method: "POST", path: "/v1/sync/push", headers: valid, body: bomb)
        #expect(capped.status == 413, "\(capped.status) \(capped.bodyText ?? "")")
        #expect(capped.bodyText?.contains("larger than \(NodeServer.BodyCaps.push.inflatedBytes) bytes") == true)
        // The local API (loopback) has its own, smaller cap: a 250 MB JSON string in a small PUT.
        let string = Array(#"{"name":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 250 << 20) + Array(#""}"#.utf8)
        let put = try s.client.send(method: "PUT", path: "/v1/records/person/150603198501010011",
                                    headers: ["Content-Encoding": "gzip"], body: Gzip.compress(string, level: 9))
        #expect(put.status == 413, "\(put.status) \(put.bodyText ?? "")")
        #expect(put.bodyText?.contains("\(NodeServer.BodyCaps.local.inflatedBytes)") == true)
        // The enrollment endpoint reads a few KiB at most.
        let enroll = try s.client.send(method: "POST", path: "/v1/enroll", headers: ["Content-Encoding": "gzip"], body: bomb)
        #expect(enroll.status == 413)
        // And honest requests still work.
        #expect(try s.client.send(path: "/v1/sync/have", headers: s.auth(s.setup.credential)).status == 200)
    }

    @Test("finding 5: another office's failures at the same address never refuse a valid credential")
    func throttleOverHTTP() throws {
        let s = try Served()
        for _ in 0..<25 {
            _ = try s.client.send(path: "/v1/sync/have", headers: s.auth("wrong", node: SecurityTests.neighbour))
        }
        #expect(try s.client.send(path: "/v1/sync/have", headers: s.auth("wrong", node: SecurityTests.neighbour)).status == 429)
        for _ in 0..<25 {
            #expect(try s.client.send(method: "POST", path: "/v1/enroll", body: Array("{".utf8)).status == 400)
        }
        #expect(try s.client.send(path: "/v1/sync/have", headers: s.auth(s.setup.credential)).status == 200)
    }

    @Test("finding 5: half-open and trickling connections from the child's address give way to the child")
    func halfOpenConnections() throws {
        let s = try Served(limits: HTTPServer.Limits(connectionTimeoutSeconds: 60, perAddressConnectionLimit: 8))
        var held: [LoopbackConnection] = []
        for i in 0..<16 {
            let raw = try LoopbackConnection(port: s.http.port, timeout: 0.3)
            // Half of them never send a byte, half trickle the start of a request line.
            if i % 2 == 1 { raw.send("G") }
            held.append(raw)
        }
        for _ in 0..<3 {
            let answer = try s.client.send(path: "/v1/sync/have", headers: s.auth(s.setup.credential))
            #expect(answer.status == 200)
        }
        // The server went on serving while they were held.
        #expect(held.count == 16)
    }

    @Test("finding 7: %00 in a record path is a JSON 400, not a listing of every record")
    func nulPath() throws {
        let s = try Served()
        let listing = try s.client.send(path: "/v1/records/person")
        #expect(listing.status == 200)
        let nul = try s.client.send(path: "/v1/records/person/%00")
        #expect(nul.status == 400 && nul.isJSON, "\(nul.status) \(nul.bodyText ?? "")")
        #expect(nul.bodyText?.contains("NUL") == true)
        let query = try s.client.send(path: "/v1/records/person?limit=%00")
        #expect(query.status == 400 && query.isJSON)
    }

    @Test("malformed purge exchanges get a JSON 400 naming what is wrong, change nothing, and the server keeps serving")
    func malformedPurges() throws {
        let s = try Served()
        let db = s.setup.tree[SecurityTests.street].db
        func state() throws -> [String] {
            try db.all("SELECT node || ':' || coalesce(stable_database, '') || ':' || coalesce(stable_position, '') FROM _rs_link ORDER BY node") { $0.string(0) }
                + (try db.all("SELECT count(*) FROM _rs_purge") { String($0.int(0)) })
        }
        let before = try state()
        let bad: [(body: String, says: String)] = [
            ("not json", "JSON"),
            ("[]", "must be an object"),
            (#"{"stable": null, "cursor": null}"#, "limit"),
            (#"{"stable": null, "cursor": null, "limit": 0}"#, "limit"),
            (#"{"stable": null, "cursor": null, "limit": "10"}"#, "limit"),
            (#"{"stable": null, "cursor": {"database": 7, "position": 1}, "limit": 10}"#, "purge cursor"),
            (#"{"stable": null, "cursor": {"database": "x", "position": -1}, "limit": 10}"#, "purge cursor"),
            (#"{"stable": "everything", "cursor": null, "limit": 10}"#, ""),
            (#"{"stable": {"database": "x"}, "cursor": null, "limit": 10}"#, ""),
        ]
        for (body, says) in bad {
            let r = try s.client.send(method: "POST", path: "/v1/sync/purges", headers: s.auth(s.setup.credential), body: Array(body.utf8))
            #expect(r.status == 400 && r.isJSON, "\(body): \(r.status) \(r.bodyText ?? "")")
            if !says.isEmpty { #expect(r.bodyText?.contains(says) == true, "\(body): \(r.bodyText ?? "")") }
        }
        #expect(try state() == before)
        // The same exchange, well formed, is answered.
        let ok = try s.client.send(method: "POST", path: "/v1/sync/purges", headers: s.auth(s.setup.credential),
                                   body: Array(#"{"stable": null, "cursor": null, "limit": 10}"#.utf8))
        #expect(ok.status == 200, "\(ok.status) \(ok.bodyText ?? "")")
        #expect(try s.client.send(path: "/v1/sync/have", headers: s.auth(s.setup.credential)).status == 200)
    }

    @Test("a pull's estimate must be a boolean: anything else is a JSON 400 naming it; true gives the count")
    func pullEstimate() throws {
        let s = try Served()
        for bad in [#""yes""#, "1", "[]"] {
            let r = try s.client.send(method: "POST", path: "/v1/sync/pull", headers: s.auth(s.setup.credential),
                                      body: Array(#"{"cursor": null, "estimate": \#(bad)}"#.utf8))
            #expect(r.status == 400 && r.isJSON && r.bodyText?.contains("estimate must be a boolean") == true, "\(bad): \(r.status) \(r.bodyText ?? "")")
        }
        let ok = try s.client.send(method: "POST", path: "/v1/sync/pull", headers: s.auth(s.setup.credential),
                                   body: Array(#"{"cursor": null, "estimate": true}"#.utf8))
        #expect(ok.status == 200 && (try? JSONParser.parse(bytes: ok.body))?["remaining"]?.int64Value != nil, "\(ok.status) \(ok.bodyText ?? "")")
    }
}
