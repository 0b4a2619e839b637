import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// The parent's request checks through `NodeServer.handle`, with requests as the HTTP layer
/// hands them over (remote address included), on a real replica: credential rotation, revoke,
/// Retry-After, the local API from other machines, and the plain-HTTP rule.
@Suite("Node security", .serialized)
struct SecurityTests {
    static let street = "150603002", community = "150603002001", neighbour = "150603002002"
    var street: String { Self.street }
    var community: String { Self.community }
    var neighbour: String { Self.neighbour }

    /// A street with two communities, its server, and a credential for `community`.
    final class Setup {
        let tree: Tree
        let pool: ReplicaPool
        let server: NodeServer
        let credential: String

        init() throws {
            tree = try Tree(["150600", "150603", street, community, neighbour])
            credential = try Enrollment.redeem(tree[street], child: community,
                                               token: Enrollment.issue(tree[street], child: community, validFor: 60_000).token)
            pool = try ReplicaPool(path: tree.path(street), divisions: .bundled)
            server = NodeServer(pool: pool, node: street, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet))
        }

        func request(_ method: String, _ path: String, token: String?, from address: String = "127.0.0.1",
                     node: String = community, body: String = "") -> HTTPResponse {
            var headers: HTTPHeaders = ["X-Rootsync-Node": node]
            if let token { headers["Authorization"] = "Bearer \(token)" }
            return server.handle(HTTPRequest(method: method, path: path, headers: headers, body: Array(body.utf8), remoteAddress: address))
        }

        func have(_ token: String) -> Int { request("GET", "/v1/sync/have", token: token).status }

        func audit() throws -> [String] {
            try tree[street].db.all("SELECT action FROM _rs_audit ORDER BY id") { $0.string(0) }
        }
    }

    @Test("rotate: old and new credential both work, the new one becomes current, the old one stays for the overlap; revoke ends all")
    func rotationWithoutDowntime() throws {
        let s = try Setup()
        #expect(s.have(s.credential) == 200)
        let answer = s.request("POST", "/v1/sync/rotate", token: s.credential, body: "{}")
        #expect(answer.status == 200, "\(answer.bodyText ?? "")")
        let json = try JSONParser.parse(bytes: answer.body)
        let fresh = try #require(json["credential"]?.stringValue)
        #expect(Enrollment.isCredential(fresh) && fresh != s.credential)
        // Until the child uses the new one, both work; the new one is not current yet.
        #expect(s.have(s.credential) == 200)
        #expect(try s.tree[street].childCredentials(community).next != nil)
        // First use of the new one makes it current; the old one still works within the overlap.
        #expect(s.have(fresh) == 200)
        let after = try s.tree[street].childCredentials(community)
        #expect(after.next == nil && after.previous != nil && after.current != nil)
        #expect(s.have(s.credential) == 200)
        #expect(s.have(fresh) == 200)
        // Another child's credential slot is untouched, and a wrong token is still refused.
        #expect(s.request("GET", "/v1/sync/have", token: fresh, node: neighbour).status == 401)
        #expect(s.have(String(repeating: "0", count: 64)) == 401)
        // Nothing of the credentials is stored but hashes.
        let stored = try s.tree[street].db.all("SELECT coalesce(next_hash,'') || coalesce(previous_hash,'') FROM _rs_credential_rotation") { $0.string(0) }
        #expect(!stored.joined().contains(fresh) && !stored.joined().contains(s.credential))
        #expect(try s.audit().suffix(2) == ["credential_rotate_issue", "credential_rotated"])

        // Revoke cuts off every credential of the child at once, the overlapping old one too.
        try s.tree[street].revokeChild(community)
        #expect(s.have(fresh) == 401)
        #expect(s.have(s.credential) == 401)
        // And a rotation needs a working credential.
        #expect(s.request("POST", "/v1/sync/rotate", token: fresh, body: "{}").status == 401)
    }

    @Test("a second rotation before the first is used replaces the pending credential")
    func pendingCredentialIsReplaced() throws {
        let s = try Setup()
        let first = try #require(try JSONParser.parse(bytes: s.request("POST", "/v1/sync/rotate", token: s.credential, body: "{}").body)["credential"]?.stringValue)
        let second = try #require(try JSONParser.parse(bytes: s.request("POST", "/v1/sync/rotate", token: s.credential, body: "{}").body)["credential"]?.stringValue)
        #expect(s.have(first) == 401)
        #expect(s.have(second) == 200)
        #expect(s.have(s.credential) == 200)
    }

    @Test("failures are throttled per (address, claimed node) with backoff; a valid credential is never refused because of them")
    func throttlePerAddressAndNode() throws {
        let s = try Setup()
        // A neighbour behind the same NAT address keeps failing: it backs off (429) …
        var statuses: [Int] = []
        for _ in 0..<30 { statuses.append(s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.7", node: neighbour).status) }
        #expect(statuses.prefix(4).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.last == 429, "\(statuses)")
        let blocked = s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.7", node: neighbour)
        #expect(blocked.status == 429 && blocked.isJSON && blocked.bodyText?.contains("message_zh") == true)
        let seconds = try #require(blocked.headers["Retry-After"].flatMap { Int($0) })
        #expect((1...300).contains(seconds))
        // … and the community at that address, with its valid credential, is not held up at all.
        #expect(s.request("GET", "/v1/sync/have", token: s.credential, from: "10.9.8.7").status == 200)
        // Its own failures are its own key; while it backs off, its valid credential still passes.
        for _ in 0..<10 { _ = s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.7") }
        #expect(s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.7").status == 429)
        #expect(s.request("GET", "/v1/sync/have", token: s.credential, from: "10.9.8.7").status == 200)
        // Success cleared its key: the next mistake is a plain 401 again.
        #expect(s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.7").status == 401)
        // Another address claiming the neighbour is its own key too.
        #expect(s.request("GET", "/v1/sync/have", token: "wrong", from: "10.9.8.8", node: neighbour).status == 401)
    }

    @Test("malformed enroll bodies are 400 and not counted; refused tokens are, per (address, node)")
    func enrollThrottle() throws {
        let s = try Setup()
        for _ in 0..<40 {
            #expect(s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: "{}").status == 400)
        }
        #expect(s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: "not json").status == 400)
        let refused = s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: #"{"node":"\#(neighbour)","token":"nope"}"#)
        #expect(refused.status == 401, "\(refused.bodyText ?? "")")
        #expect(s.request("GET", "/v1/sync/have", token: s.credential, from: "10.9.8.7").status == 200)
        for _ in 0..<10 { _ = s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: #"{"node":"\#(neighbour)","token":"nope"}"#) }
        #expect(s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: #"{"node":"\#(neighbour)","token":"nope"}"#).status == 429)
        // A valid token from that address and node still redeems.
        let token = try Enrollment.issue(s.tree[street], child: neighbour, validFor: 60_000).token
        let redeemed = s.request("POST", "/v1/enroll", token: nil, from: "10.9.8.7", body: #"{"node":"\#(neighbour)","token":"\#(token)"}"#)
        #expect(redeemed.status == 200, "\(redeemed.bodyText ?? "")")
    }

    @Test("the throttle doubles its wait per failure up to the cap, forgets, and keeps a bounded table")
    func throttleBackoffAndBound() {
        let throttle = AuthThrottle(freeFailures: 3, baseDelay: 1, maxDelay: 8, forgetAfter: 100, capacity: 50)
        let key = AuthThrottle.Key(address: "10.0.0.1", node: "150603002001")
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        #expect(throttle.failed(key, now: t0) == nil)
        #expect(throttle.failed(key, now: t0) == nil)
        #expect(throttle.retryAfter(key, now: t0) == nil)
        #expect(throttle.failed(key, now: t0) == nil) // the third failure starts a 1 s wait
        #expect(throttle.retryAfter(key, now: t0) == 1)
        #expect(throttle.failed(key, now: t0) == 1, "a failure while blocked is answered with the wait, not counted")
        var now = t0.addingTimeInterval(1.5)
        var waits: [Int] = []
        for _ in 0..<5 {
            #expect(throttle.failed(key, now: now) == nil)
            let wait = throttle.retryAfter(key, now: now) ?? 0
            waits.append(wait)
            now = now.addingTimeInterval(Double(wait) + 0.5)
        }
        #expect(waits == [2, 4, 8, 8, 8])
        // Long quiet: forgotten, back to free failures.
        now = now.addingTimeInterval(200)
        #expect(throttle.failed(key, now: now) == nil)
        #expect(throttle.retryAfter(key, now: now) == nil)
        // Many keys (claimed node codes are the client's text): the table stays bounded.
        for i in 0..<500 { _ = throttle.failed(AuthThrottle.Key(address: "10.0.0.2", node: "x\(i)" + String(repeating: "y", count: 500)), now: now) }
        #expect(throttle.count <= 50)
        throttle.succeeded(key)
        #expect(throttle.retryAfter(key, now: now) == nil)
    }

    @Test("local API: loopback without a credential; elsewhere 403 until a credential exists, then 401 without it, 200 with it")
    func localAPIFromOtherMachines() throws {
        let s = try Setup()
        #expect(s.request("GET", "/v1/status", token: nil).status == 200)
        #expect(s.request("GET", "/v1/status", token: nil, from: "::1").status == 200)
        #expect(s.request("GET", "/v1/status", token: nil, from: "10.1.2.3").status == 403)
        #expect(s.request("GET", "/v1/records/person", token: nil, from: "10.1.2.3").status == 403)

        let dir = s.tree.dir.appendingPathComponent("node-dir").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        s.server.localAPICredentialFile = LocalAPICredential.path(directory: dir)
        #expect(s.request("GET", "/v1/status", token: nil, from: "10.1.2.3").status == 403, "no credential file yet")
        let token = try LocalAPICredential.create(directory: dir)
        let mode = try FileManager.default.attributesOfItem(atPath: LocalAPICredential.path(directory: dir))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: LocalAPICredential.path(directory: dir), encoding: .utf8).contains(token) == false)
        #expect(s.request("GET", "/v1/status", token: nil, from: "10.1.2.3").status == 401)
        #expect(s.request("GET", "/v1/status", token: s.credential, from: "10.1.2.3").status == 401, "a link credential is not a local API credential")
        #expect(s.request("GET", "/v1/status", token: token, from: "10.1.2.3").status == 200)
        #expect(s.request("GET", "/v1/records/person", token: token, from: "10.1.2.3").status == 200)
        // Replacing it ends the old one at once; removing it is loopback-only again.
        let replaced = try LocalAPICredential.create(directory: dir)
        #expect(s.request("GET", "/v1/status", token: token, from: "10.1.2.3").status == 401)
        #expect(s.request("GET", "/v1/status", token: replaced, from: "10.1.2.3").status == 200)
        try LocalAPICredential.remove(directory: dir)
        #expect(s.request("GET", "/v1/status", token: replaced, from: "10.1.2.3").status == 403)
        // The local credential does not open the sync endpoints.
        #expect(s.request("GET", "/v1/sync/have", token: replaced, from: "10.1.2.3").status == 401)
    }

    @Test("plain HTTP off loopback is refused unless allowed, and then status carries the warning")
    func plainHTTPRule() throws {
        #expect(NodeConfig.plainHTTPRefusal(host: "0.0.0.0", tls: false, allowed: false) != nil)
        #expect(NodeConfig.plainHTTPRefusal(host: "10.1.2.3", tls: false, allowed: false)?.messageEn.contains("allow_plain_http") == true)
        #expect(NodeConfig.plainHTTPRefusal(host: "10.1.2.3", tls: true, allowed: false) == nil)
        #expect(NodeConfig.plainHTTPRefusal(host: "10.1.2.3", tls: false, allowed: true) == nil)
        for host in ["127.0.0.1", "127.0.0.2", "::1", "localhost", "[::1]"] {
            #expect(NodeConfig.plainHTTPRefusal(host: host, tls: false, allowed: false) == nil, "\(host)")
        }
        #expect(NodeConfig.host(ofListen: "[::1]:7600") == "::1")
        #expect(NodeConfig.host(ofListen: "0.0.0.0:7600") == "0.0.0.0")

        let s = try Setup()
        #expect(try JSONParser.parse(bytes: s.request("GET", "/v1/status", token: nil).body)["warnings"] == nil)
        s.server.plainHTTPWarning = NodeConfig.plainHTTPWarning(host: "0.0.0.0")
        let status = try JSONParser.parse(bytes: s.request("GET", "/v1/status", token: nil).body)
        #expect(status["warnings"]?.arrayValue?.first?.stringValue?.contains("UNENCRYPTED") == true)
        #expect(status["node"]?.stringValue == street)
    }
}
