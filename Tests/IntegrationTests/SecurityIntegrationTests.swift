#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Standards
import Testing
import TestSupport

/// Issue 6 across real processes: a TLS hierarchy made by `up --certs`, revoke against a child
/// with a valid certificate, enrolment over HTTPS, rotation while agents run, and the refusal
/// of plain HTTP off loopback.
@Suite("Integration: security", .serialized)
struct SecurityIntegrationTests {
    static let city = "150600", district = "150603", street = "150603002", community = "150603002001"

    func makeCerts(_ h: Hierarchy) throws -> String {
        let certs = h.base.appendingPathComponent("certs").path
        let made = try programs.run("/bin/bash", [TLSIntegrationTests.packageRoot + "/Scripts/make-certs",
                                                h.base.appendingPathComponent("topology.json").path, certs])
        try #require(made.code == 0, "make-certs failed: \(made.err)")
        return certs
    }

    func nodeFile(_ h: Hierarchy, _ code: String) throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: h.dir(code) + "/node.json", encoding: .utf8))
    }

    @Test("up --certs: a 4-level hierarchy syncs over HTTPS both ways; revoke cuts off a child holding a valid certificate; redeem, init --ca/--cert/--key and rotate over HTTPS")
    func tlsHierarchy() throws {
        let (city, district, street, community) = (Self.city, Self.district, Self.street, Self.community)
        let neighbour = "150603002002"
        let h = try Hierarchy([(city, nil), (district, city), (street, district), (community, street), (neighbour, street)])
        defer { h.shutdown() }
        let certs = try makeCerts(h)
        let topology = h.base.appendingPathComponent("topology.json").path
        let up = try rootsync(["up", topology, "--dir", h.base.appendingPathComponent("nodes").path, "--no-serve", "--certs", certs])
        try #require(up.code == 0, "up --certs failed: \(up.err)")
        #expect(try nodeFile(h, community)["parent_url"]?.stringValue == "https://127.0.0.1:\(h.ports[street]!)")
        #expect(try nodeFile(h, street)["tls"]?["cert"]?.stringValue == certs + "/\(street).crt")
        try h.start([city, district, street, community])
        let streetURL = "https://127.0.0.1:\(h.ports[street]!)"
        // Plain HTTP to a TLS node gets nowhere.
        #expect((try? curl("GET", "http://127.0.0.1:\(h.ports[street]!)/v1/hello", timeout: 5))?.status ?? 0 != 200)

        // Up: community → city. Down: the city's authoritative data → the community.
        let id = CitizenID.complete("15060319850101006")!
        try h.put(community, "person", person(id, name: "孙八", community: community))
        #expect(try h.waitFor(city, "person", id) != nil, "did not reach the city over HTTPS\n\(h.logs())")
        try h.put(city, "person", JSONValue.object(["id_number": .string(id), "ethnicity": "蒙古族"]))
        #expect(try h.waitFor(community, "person", id) { $0["ethnicity"]?.stringValue == "02" } != nil,
                "the city's update did not reach the community over HTTPS\n\(h.logs())")

        // Revoke: the community's own valid certificate does not get it back in.
        let tlsArgs = ["--cacert", certs + "/ca.crt", "--cert", certs + "/\(community).crt", "--key", certs + "/\(community).key"]
        let headers = try h.syncHeaders(as: community)
        #expect(try curl("GET", streetURL + "/v1/sync/have", headers: headers, extra: tlsArgs).status == 200)
        let revoke = try rootsync(["enroll", "revoke", "--child", community, "--dir", h.dir(street)])
        #expect(revoke.code == 0, "\(revoke.err)")
        let refused = try curl("GET", streetURL + "/v1/sync/have", headers: headers, extra: tlsArgs)
        #expect(refused.status == 401, "revoked child with a valid certificate: \(refused.status) \(refused.body)")
        let id2 = CitizenID.complete("15060319850101007")!
        try h.put(community, "person", person(id2, name: "周九", community: community))
        #expect(!(try waitUntil(3) { try h.get(street, "person", id2) != nil }), "a revoked child's data reached its parent")

        // Back in with a new token, redeemed over HTTPS (CA and certificate from node.json).
        let token = try #require(try rootsync(["enroll", "create", "--child", community, "--dir", h.dir(street), "--json"]).json()["token"]?.stringValue)
        let redeem = try rootsync(["enroll", "redeem", "--dir", h.dir(community), "--token", token])
        #expect(redeem.code == 0, "enroll redeem over HTTPS failed: \(redeem.err)")
        #expect(try h.waitFor(street, "person", id2) != nil, "\(h.logs([street, community]))")
        // Rotation over HTTPS, with the agent running.
        let rotated = try rootsync(["enroll", "rotate", "--dir", h.dir(community), "--json"])
        #expect(rotated.code == 0 && (try? rotated.json()["confirmed"]) == .bool(true), "\(rotated.out) \(rotated.err)")

        // A new directory for the neighbour enrols over HTTPS with the CA and its certificate.
        let token2 = try #require(try rootsync(["enroll", "create", "--child", neighbour, "--dir", h.dir(street), "--json"]).json()["token"]?.stringValue)
        let fresh = h.base.appendingPathComponent("fresh").path
        let initResult = try rootsync(["init", "--dir", fresh, "--topology", topology, "--node", neighbour, "--token", token2,
                                       "--ca", certs + "/ca.crt", "--cert", certs + "/\(neighbour).crt", "--key", certs + "/\(neighbour).key", "--json"])
        #expect(initResult.code == 0, "init over HTTPS failed: \(initResult.err)")
        let freshFile = try JSONParser.parse(String(contentsOfFile: fresh + "/node.json", encoding: .utf8))
        #expect(freshFile["parent_url"]?.stringValue == streetURL)
        #expect(freshFile["tls"]?["ca"]?.stringValue == certs + "/ca.crt")
        let id3 = CitizenID.complete("15060319850101008")!
        #expect(try rootsync(["put", "person", "--dir", fresh, "--data", person(id3, name: "吴十", community: neighbour).text]).code == 0)
        let synced = try rootsync(["sync", "--dir", fresh])
        #expect(synced.code == 0, "sync over HTTPS after enrolment failed: \(synced.err)")
        #expect(try h.waitFor(city, "person", id3) != nil, "\(h.logs())")
        // Without the CA the parent's certificate is not trusted: init refuses and leaves nothing.
        let token3 = try #require(try rootsync(["enroll", "create", "--child", neighbour, "--dir", h.dir(street), "--json"]).json()["token"]?.stringValue)
        let untrusted = h.base.appendingPathComponent("untrusted").path
        let noCA = try rootsync(["init", "--dir", untrusted, "--topology", topology, "--node", neighbour, "--token", token3, "--parent-url", streetURL])
        #expect(noCA.code == 1 && !FileManager.default.fileExists(atPath: untrusted), "\(noCA.err)")
    }

    @Test("enroll rotate while both agents run: the parent takes old and new, no request fails, the audit logs show it")
    func rotationWhileRunning() throws {
        let (street, community) = (Self.street, Self.community)
        let h = try Hierarchy.chain(interval: 0.5)
        defer { h.shutdown() }
        try h.start([street, community])
        let before = CitizenID.complete("15060319850101009")!
        try h.put(community, "person", person(before, name: "郑一", community: community))
        #expect(try h.waitFor(street, "person", before) != nil, "\(h.logs([street, community]))")
        let old = try h.token(community)

        let rotated = try rootsync(["enroll", "rotate", "--dir", h.dir(community), "--json"])
        #expect(rotated.code == 0, "\(rotated.err)")
        #expect(try rotated.json()["confirmed"] == .bool(true))
        let new = try h.token(community)
        #expect(new != old && new.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: h.dir(community) + "/link.token")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // The running agent goes on syncing (it reads the new credential on its next request).
        let after = CitizenID.complete("15060319850101010")!
        try h.put(community, "person", person(after, name: "王二", community: community))
        #expect(try h.waitFor(street, "person", after) != nil, "\(h.logs([street, community]))")
        // Within the overlap both credentials work; a wrong one does not.
        let have = h.url(street) + "/v1/sync/have"
        #expect(try curl("GET", have, headers: ["X-Rootsync-Node": community, "Authorization": "Bearer \(old)"]).status == 200)
        #expect(try curl("GET", have, headers: ["X-Rootsync-Node": community, "Authorization": "Bearer \(new)"]).status == 200)
        #expect(try curl("GET", have, headers: ["X-Rootsync-Node": community, "Authorization": "Bearer \(String(repeating: "a", count: 64))"]).status == 401)
        // Not one failed round at the child; the parent logged the switch.
        #expect(!h.logs([community]).contains("sync_failed"), "\(h.logs([community]))")
        #expect(h.logs([street]).contains("credential_rotated"), "\(h.logs([street]))")

        let parentAudit = try h.database(street).all("SELECT action FROM _rs_audit ORDER BY id") { $0.string(0) }
        #expect(parentAudit.contains("credential_rotate_issue") && parentAudit.contains("credential_rotated"), "\(parentAudit)")
        let childAudit = try rootsync(["audit", "--dir", h.dir(community), "--json"])
        #expect(childAudit.out.contains("credential_rotate"), "\(childAudit.out)")
        // A top node has nothing to rotate.
        #expect(try rootsync(["enroll", "rotate", "--dir", h.dir(Self.city)]).code != 0)
    }

    @Test("plain HTTP on a non-loopback address is refused unless allowed; status warns about such a configuration")
    func plainHTTPOffLoopback() throws {
        let street = Self.street
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        let port = try Loopback.freePort()
        let refused = try rootsync(["serve", "--dir", h.dir(street), "--listen", "0.0.0.0:\(port)"], timeout: 20)
        #expect(refused.code == 1, "serve on 0.0.0.0 without TLS must exit 1, got \(refused.code)")
        #expect(refused.err.contains("refusing to serve plain HTTP") && refused.err.contains("allow_plain_http"), "\(refused.err)")
        // Nothing was bound.
        #expect((try? curl("GET", "http://127.0.0.1:\(port)/v1/hello", timeout: 3))?.status ?? 0 == 0)

        // A node.json that would serve plain HTTP off loopback: status says so, loudly.
        let path = h.dir(street) + "/node.json"
        var o = try #require(try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8)).objectValue)
        o["listen"] = .string("0.0.0.0:\(port)")
        try Data(JSONValue.object(o).text.utf8).write(to: URL(fileURLWithPath: path))
        let status = try rootsync(["status", "--dir", h.dir(street)])
        #expect(status.code == 0 && status.out.contains("WARNING") && status.out.contains("UNENCRYPTED"), "\(status.out)")
        let json = try rootsync(["status", "--dir", h.dir(street), "--json"])
        #expect(try json.json()["warnings"]?.arrayValue?.count == 1)
        let stillRefused = try rootsync(["serve", "--dir", h.dir(street)], timeout: 20)
        #expect(stillRefused.code == 1 && stillRefused.err.contains("refusing to serve plain HTTP"), "\(stillRefused.err)")
    }
}
